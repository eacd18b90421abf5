from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("projects/", views.project_list_view, name="list"),
    path("projects/new/", views.project_create, name="create"),
    path("projects/new/stakeholders/", views.stakeholder_choices, name="stakeholder_choices"),
    path("projects/<int:pk>/", views.project_detail, name="detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="edit"),
    path("projects/<int:pk>/close/", views.project_close, name="close"),
    path("projects/<int:pk>/delete/", views.project_delete, name="delete"),
    path("projects/<int:pk>/milestones/", views.milestone_list_view, name="milestones"),
    path("projects/<int:pk>/milestones/new/", views.milestone_create, name="milestone_create"),
    path("projects/<int:pk>/tasks/", views.task_list_view, name="tasks"),
    path("projects/<int:pk>/tasks/new/", views.task_create, name="task_create"),
    path("projects/<int:pk>/board/", views.board, name="board"),
    path("milestones/<int:pk>/edit/", views.milestone_edit, name="milestone_edit"),
    path("milestones/<int:pk>/complete/", views.milestone_complete, name="milestone_complete"),
    path("milestones/<int:pk>/delete/", views.milestone_delete, name="milestone_delete"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/move/", views.task_move, name="task_move"),
    path("tasks/<int:pk>/delete/", views.task_delete, name="task_delete"),
]
