from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("projects/", views.project_list_view, name="list"),
    path("projects/new/", views.project_list_view, name="create"),
    path("projects/<int:pk>/", views.project_detail, name="detail"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
]
