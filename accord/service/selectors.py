"""Read-side queries for support and training, with what list pages show annotated in one query."""

from __future__ import annotations

from django.db.models import Avg, Count, Q, QuerySet

from accord.tenancy.access import require_admin
from accord.tenancy.models import Membership

from .models import (
    MailDirection,
    MailState,
    SupportMail,
    SupportMailbox,
    SupportReply,
    SupportRequest,
    TrainingSession,
)


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


def unmatched_mail_list(organization_id: int) -> QuerySet[SupportMail]:
    """Support mail waiting for the team (still in triage on the comms side too), oldest first."""
    return (
        SupportMail.objects.filter(
            organization_id=organization_id,
            direction=MailDirection.IN,
            state=MailState.UNMATCHED,
            inbound__status="triage",
        )
        .select_related("inbound", "mailbox", "project", "refers_to")
        .annotate(attachment_count=Count("inbound__attachments"))
        .order_by("created_at", "id")
    )


def support_mails(request: SupportRequest) -> list[SupportMail]:
    """The request's conversation by e-mail, in order."""
    return list(
        SupportMail.objects.filter(organization_id=request.organization_id, request=request)
        .select_related("inbound")
        .order_by("created_at", "id")
    )


def mailbox_list(actor: Membership) -> QuerySet[SupportMailbox]:
    """The organisation's support addresses (admins)."""
    require_admin(actor)
    return (
        SupportMailbox.objects.filter(organization_id=actor.organization_id)
        .select_related("project")
        .order_by("address", "id")
    )
