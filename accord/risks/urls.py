from django.urls import path

from . import views

app_name = "risks"

urlpatterns = [
    path("risks/", views.queue, name="queue"),
    path("projects/<int:pk>/risks/", views.project_list, name="project_list"),
    path("projects/<int:pk>/risks/new/", views.create, name="create"),
    path("risks/<int:pk>/", views.detail, name="detail"),
    path("risks/<int:pk>/edit/", views.edit, name="edit"),
    path("risks/<int:pk>/delete/", views.delete, name="delete"),
    path("risks/<int:pk>/status/", views.set_status, name="status"),
    path("risks/<int:pk>/review/", views.review, name="review"),
    path("risks/<int:pk>/to-tasks/", views.to_tasks, name="to_tasks"),
    path("risks/<int:pk>/to-change-request/", views.to_change, name="to_change"),
    path("risks/<int:pk>/actions/", views.action_create, name="action_create"),
    path("risk-actions/<int:pk>/toggle/", views.action_toggle, name="action_toggle"),
    path("risk-actions/<int:pk>/delete/", views.action_delete, name="action_delete"),
]
