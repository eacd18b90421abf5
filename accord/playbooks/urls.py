from django.urls import path

from . import views

app_name = "playbooks"

urlpatterns = [
    path("templates/", views.template_list, name="list"),
    path("templates/<int:pk>/", views.detail, name="detail"),
    path("templates/<int:pk>/new-project/", views.use, name="use"),
    path("templates/<int:pk>/delete/", views.delete, name="delete"),
    path("projects/<int:pk>/save-as-template/", views.save_from_project, name="save_from_project"),
]
