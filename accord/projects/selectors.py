"""Read-side queries for projects, with the counts pages need annotated in one query."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from .models import Project, Task, TaskStatus


def project_list(queryset: QuerySet[Project]) -> QuerySet[Project]:
    """Projects with client, manager and task counts (for progress) in one query."""
    return queryset.select_related("client", "manager").annotate(
        tasks_total=Count("tasks", distinct=True),
        tasks_done=Count("tasks", filter=Q(tasks__status=TaskStatus.DONE), distinct=True),
    )


def progress_percent(tasks_done: int, tasks_total: int) -> int:
    """Share of tasks done, 0–100 (a project without tasks has made no measurable progress)."""
    if not tasks_total:
        return 0
    return round(100 * tasks_done / tasks_total)


def task_list(queryset: QuerySet[Task]) -> QuerySet[Task]:
    return queryset.select_related("project", "assignee", "milestone")
