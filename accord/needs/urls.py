from django.urls import path

from . import views

app_name = "needs"

urlpatterns = [
    path("projects/<int:pk>/needs/", views.project_list, name="project_list"),
    path("projects/<int:pk>/needs/traceability/", views.trace, name="trace"),
    path("projects/<int:pk>/needs/new/", views.create, name="create"),
    path("needs/<int:pk>/", views.detail, name="detail"),
    path("needs/<int:pk>/edit/", views.edit, name="edit"),
    path("needs/<int:pk>/status/", views.set_status, name="status"),
    path("needs/<int:pk>/delete/", views.delete, name="delete"),
]
