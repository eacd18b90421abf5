from django.urls import path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("health/", views.at_risk, name="at_risk"),
    path("health/refresh/", views.health_refresh, name="health_refresh"),
    path("clients/<int:pk>/health/", views.client_health, name="client_health"),
    path("projects/<int:pk>/health/", views.project_health, name="project_health"),
    path("projects/<int:pk>/closeout/", views.closeout, name="closeout"),
    path("projects/<int:pk>/closeout/start/", views.closeout_start, name="closeout_start"),
    path("projects/<int:pk>/closeout/edit/", views.closeout_edit, name="closeout_edit"),
    path("projects/<int:pk>/closeout/finalise/", views.closeout_finalise, name="closeout_finalise"),
    path("projects/<int:pk>/closeout/pdf/", views.closeout_pdf, name="closeout_pdf"),
    path("projects/<int:pk>/retrospectives/", views.project_retros, name="project_retros"),
    path("projects/<int:pk>/retrospectives/new/", views.retro_create, name="retro_create"),
    path("retrospectives/<int:pk>/", views.retro_detail, name="retro_detail"),
    path("retrospectives/<int:pk>/edit/", views.retro_edit, name="retro_edit"),
    path("retrospectives/<int:pk>/delete/", views.retro_delete, name="retro_delete"),
    path("retrospectives/<int:pk>/actions/", views.action_add, name="action_add"),
    path("retro-actions/<int:pk>/done/", views.action_done, name="action_done"),
    path("retro-actions/<int:pk>/delete/", views.action_delete, name="action_delete"),
    path("retro-actions/<int:pk>/apply/", views.action_apply, name="action_apply"),
    path("lessons/", views.lesson_list, name="lesson_list"),
    path("lessons/new/", views.lesson_create, name="lesson_create"),
    path("lessons/<int:pk>/", views.lesson_detail, name="lesson_detail"),
    path("lessons/<int:pk>/edit/", views.lesson_edit, name="lesson_edit"),
    path("lessons/<int:pk>/delete/", views.lesson_delete, name="lesson_delete"),
    path("projects/<int:pk>/lessons/", views.project_lessons, name="project_lessons"),
    path("projects/<int:pk>/lessons/start/", views.project_lessons_start, name="project_lessons_start"),
    path("projects/<int:pk>/lessons/<int:lesson_pk>/take-up/", views.lesson_take_up, name="lesson_take_up"),
    path("lessons/similar/", views.lessons_similar, name="lessons_similar"),
]
