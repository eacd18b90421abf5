"""Read-side queries for meetings, decisions and action items."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from accord.core.search import TextIndex, contains, text_filter
from accord.projects.models import Task, TaskKind, TaskStatus
from accord.tenancy.access import in_visible_projects

from .models import ActionItem, AgendaItem, Attendee, Decision, Meeting


def meeting_list(queryset: QuerySet[Meeting]) -> QuerySet[Meeting]:
    return queryset.select_related("project", "organizer").annotate(
        attendee_count=Count("attendees", distinct=True),
        action_count=Count("action_items", distinct=True),
    )


def meeting_detail_queryset() -> QuerySet[Meeting]:
    return Meeting.objects.select_related("project__client", "organizer").prefetch_related(
        Prefetch("attendees", queryset=Attendee.objects.select_related("user", "contact")),
        Prefetch("agenda_items", queryset=AgendaItem.objects.select_related("owner", "owner_contact")),
    )


def action_items_for(meeting: Meeting) -> QuerySet[ActionItem]:
    return (
        ActionItem.objects.filter(organization_id=meeting.organization_id, meeting=meeting)
        .select_related("task__assignee", "owner_contact", "meeting")
        .order_by("id")
    )


def open_action_items(project, *, exclude_meeting=None) -> QuerySet[ActionItem]:
    """Open action items of a project (for minutes: what earlier meetings agreed and is not done)."""
    qs = ActionItem.objects.filter(organization_id=project.organization_id, meeting__project=project).exclude(
        task__status=TaskStatus.DONE
    )
    if exclude_meeting is not None:
        qs = qs.exclude(meeting=exclude_meeting)
    return qs.select_related("task__assignee", "owner_contact", "meeting").order_by("task__due_date", "id")


# The index of migration 0002.
DECISION_INDEX = TextIndex("meetings_decision", ("title", "detail"), fts="meetings_decision_search")


def decision_list(project, q: str = "", *, client_only: bool = False) -> QuerySet[Decision]:
    qs = Decision.objects.filter(organization_id=project.organization_id, project=project)
    if client_only:
        qs = qs.filter(client_visible=True)
    qs = text_filter(
        qs, (q or "").strip()[:200], lambda term: contains(DECISION_INDEX, ("title", "detail"), term)
    )
    return qs.select_related("meeting", "created_by")


def overdue_action_items(member) -> QuerySet[Task]:
    """Open action items past their due date in the projects the member sees (for the dashboard).

    Each task has ``project``, ``assignee`` and its ``action_item`` (meeting, client owner) loaded.
    """
    return (
        in_visible_projects(
            Task.objects.filter(kind=TaskKind.ACTION_ITEM, due_date__lt=timezone.localdate()), member
        )
        .exclude(status=TaskStatus.DONE)
        .select_related("project", "assignee", "action_item__meeting", "action_item__owner_contact")
        .order_by("due_date", "id")
    )


def portal_meetings(project) -> QuerySet[Meeting]:
    return meeting_list(
        Meeting.objects.filter(
            organization_id=project.organization_id, project=project, minutes_published_at__isnull=False
        )
    ).order_by("-starts_at", "-id")
