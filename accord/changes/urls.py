from django.urls import path

from . import views

app_name = "changes"

urlpatterns = [
    path("projects/<int:pk>/changes/", views.project_list, name="project_list"),
    path("projects/<int:pk>/changes/new/", views.create, name="create"),
    path("projects/<int:pk>/changes/change-log.csv", views.export_log, name="export_log"),
    path("projects/<int:pk>/changes/baselines.csv", views.export_baselines, name="export_baselines"),
    path("changes/<int:pk>/", views.detail, name="detail"),
    path("changes/<int:pk>/edit/", views.edit, name="edit"),
    path("changes/<int:pk>/submit/", views.submit, name="submit"),
    path("changes/<int:pk>/assess/", views.assess, name="assess"),
    path("changes/<int:pk>/decision/", views.record_decision, name="decision"),
    path("changes/<int:pk>/implement/", views.implement, name="implement"),
]
