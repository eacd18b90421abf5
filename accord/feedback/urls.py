from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("surveys/", views.overview, name="overview"),
    path("surveys/templates/", views.template_list, name="template_list"),
    path("surveys/templates/new/", views.template_create, name="template_create"),
    path("surveys/templates/<int:pk>/", views.template_detail, name="template_detail"),
    path("surveys/templates/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path("surveys/templates/<int:pk>/delete/", views.template_delete, name="template_delete"),
    path(
        "surveys/templates/<int:pk>/questions/new/", views.template_question_add, name="template_question_add"
    ),
    path("projects/<int:pk>/surveys/", views.project_surveys, name="project_surveys"),
    path("projects/<int:pk>/surveys/new/", views.survey_create, name="survey_create"),
    path("projects/<int:pk>/surveys/settings/", views.project_settings, name="project_settings"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey_detail"),
    path("surveys/<int:pk>/edit/", views.survey_edit, name="survey_edit"),
    path("surveys/<int:pk>/delete/", views.survey_delete, name="survey_delete"),
    path("surveys/<int:pk>/questions/new/", views.question_add, name="question_add"),
    path("surveys/<int:pk>/send/", views.survey_send, name="survey_send"),
    path("surveys/<int:pk>/remind/", views.survey_remind, name="survey_remind"),
    path("surveys/<int:pk>/close/", views.survey_close, name="survey_close"),
    path("survey-questions/<int:pk>/edit/", views.question_edit, name="question_edit"),
    path("survey-questions/<int:pk>/delete/", views.question_delete, name="question_delete"),
    path("s/<str:token>/", views.answer, name="answer"),
]
