from django.shortcuts import render

from accord.tenancy.access import project_for_user, project_object_for_user, projects_for_user, team_required

from .models import Task
from .selectors import progress_percent, project_list


@team_required
def project_list_view(request):
    projects = list(project_list(projects_for_user(request.membership)).order_by("-start_date", "-id")[:200])
    for project in projects:
        project.progress = progress_percent(project.tasks_done, project.tasks_total)
    return render(request, "projects/list.html", {"projects": projects, "nav_active": "projects"})


@team_required
def project_detail(request, pk):
    project = project_for_user(request.membership, pk)
    return render(request, "projects/detail.html", {"project": project, "tab": "overview"})


@team_required
def task_detail(request, pk):
    task = project_object_for_user(request.membership, Task.objects.all(), pk)
    return render(request, "projects/task_detail.html", {"task": task, "project": task.project})
