"""Read-side queries of the needs register."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from accord.projects.models import Task, TaskStatus

from .models import Need


def need_list(queryset: QuerySet[Need], *, status=None, priority=None) -> QuerySet[Need]:
    """Needs with source, milestone and task counts in one query."""
    qs = queryset.select_related("source_contact", "milestone").annotate(
        tasks_total=Count("task_links", distinct=True),
        tasks_done=Count("task_links", filter=Q(task_links__task__status=TaskStatus.DONE), distinct=True),
    )
    if status:
        qs = qs.filter(status=status)
    if priority:
        qs = qs.filter(priority=priority)
    return qs


def traceability(queryset: QuerySet[Need]) -> QuerySet[Need]:
    """Each need with its tasks (one extra query for all of them)."""
    return need_list(queryset).prefetch_related(
        Prefetch("tasks", queryset=Task.objects.select_related("assignee").order_by("id"))
    )
