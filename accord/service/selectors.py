"""Read-side queries for support and training, with what list pages show annotated in one query."""

from __future__ import annotations

from django.db.models import Avg, Count, Q, QuerySet

from .models import SupportReply, SupportRequest, TrainingSession


def support_request_list(queryset: QuerySet[SupportRequest], *, client_view: bool = False):
    """Requests with project, client, contact and assignee; reply counts (public ones for the client)."""
    reply_filter = Q(replies__internal=False) if client_view else Q()
    return queryset.select_related("project", "project__client", "contact", "assignee").annotate(
        reply_count=Count("replies", filter=reply_filter, distinct=True)
    )


def support_replies(request: SupportRequest, *, client_view: bool = False) -> QuerySet[SupportReply]:
    qs = request.replies.select_related("author")
    if client_view:
        qs = qs.filter(internal=False)
    return qs.order_by("created_at", "id")


def support_attachments(request: SupportRequest, *, client_view: bool = False):
    qs = request.attachments.select_related("uploaded_by")
    if client_view:
        qs = qs.filter(Q(reply__isnull=True) | Q(reply__internal=False))
    return qs.order_by("created_at", "id")


def training_session_list(queryset: QuerySet[TrainingSession]):
    return queryset.select_related("project", "project__client", "trainer").annotate(
        attendee_count=Count("attendees", distinct=True),
        feedback_count=Count("feedback", distinct=True),
        rating_avg=Avg("feedback__rating"),
    )
