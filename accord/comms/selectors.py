"""List queries of the communication hub (constant query counts: select_related, prefetch)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from accord.lib.dates import week_bounds
from accord.lib.expressions import CountOf
from accord.tenancy.access import require_admin
from accord.tenancy.models import Membership

from .models import (
    ChannelConfig,
    DeliveryCircuit,
    InboundAttachment,
    InboundMessage,
    InboundStatus,
    Obligation,
    ObligationStatus,
    OutboxMessage,
    OutboxStatus,
    PlanItem,
    Responsibility,
    WebhookSubscription,
)
from .obligations import compliance_for_clients, compliance_for_projects  # noqa: F401 (selectors)


def plan_items(project) -> QuerySet[PlanItem]:
    return (
        PlanItem.objects.filter(organization_id=project.organization_id, project=project)
        .select_related("owner")
        .prefetch_related("audience_contacts")
        .annotate(open_count=Count("obligations", filter=models_q_open()))
        .order_by("purpose", "id")
    )


# Plan channels that need no set-up: e-mail goes through Accord's own mail, calls and meetings
# are logged by hand.
PLAN_CHANNELS_WITHOUT_SETUP = ("email", "phone", "meeting")


def plan_channels_available(project) -> set[str]:
    """The plan channels a plan item of ``project`` can use: those needing no set-up, and the
    messaging tools with an active channel (organisation-wide or for this project)."""
    from django.db.models import Q

    configured = set(
        ChannelConfig.objects.filter(organization_id=project.organization_id, is_active=True)
        .filter(Q(project__isnull=True) | Q(project=project.pk))
        .values_list("kind", flat=True)
    )
    return set(PLAN_CHANNELS_WITHOUT_SETUP) | configured


def models_q_open():
    from django.db.models import Q

    return Q(obligations__status=ObligationStatus.OPEN)


def responsibilities(project) -> QuerySet[Responsibility]:
    return (
        Responsibility.objects.filter(organization_id=project.organization_id, project=project)
        .select_related("user", "contact")
        .order_by("user__full_name", "contact__last_name", "id")
    )


def obligation_list(
    projects: QuerySet, *, view: str = "week", project_id=None, client_id=None, today: dt.date | None = None
) -> QuerySet[Obligation]:
    """Obligations of ``projects`` (already scoped to what the caller may see).

    ``view``: "week" (due this week), "overdue" (open and past due), "open", "all".
    """
    today = today or timezone.localdate()
    qs = Obligation.objects.filter(project__in=projects).select_related(
        "plan_item", "project__client", "owner", "met_by"
    )
    if project_id:
        qs = qs.filter(project_id=project_id)
    if client_id:
        qs = qs.filter(project__client_id=client_id)
    if view == "week":
        start, end = week_bounds(today)
        qs = qs.filter(due_date__gte=start, due_date__lte=end)
    elif view == "overdue":
        qs = qs.filter(status=ObligationStatus.OPEN, due_date__lt=today)
    elif view == "open":
        qs = qs.filter(status=ObligationStatus.OPEN)
    return qs.order_by("due_date", "id")


def outbox_list(actor: Membership, *, status: str = "") -> QuerySet[OutboxMessage]:
    """The organisation's outgoing messages (admins)."""
    require_admin(actor)
    qs = OutboxMessage.objects.filter(organization_id=actor.organization_id).defer("body_html", "body_text")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def circuit_list(actor: Membership) -> QuerySet[DeliveryCircuit]:
    """The organisation's delivery routes that ever failed, with how many of their messages wait
    or failed (to be retried) and how many were given up (dead); admins."""
    require_admin(actor)

    def count(statuses):
        rows = OutboxMessage.objects.filter(status__in=statuses)
        return CountOf(rows, organization="organization_id", circuit_key="key")

    return (
        DeliveryCircuit.objects.filter(organization_id=actor.organization_id)
        .annotate(
            waiting_count=count([OutboxStatus.PENDING, OutboxStatus.FAILED]),
            dead_count=count([OutboxStatus.DEAD]),
        )
        .order_by("label", "id")
    )


def channel_list(actor: Membership) -> QuerySet[ChannelConfig]:
    """The organisation's IM and e-mail channels (admins)."""
    require_admin(actor)
    return ChannelConfig.objects.filter(organization_id=actor.organization_id).select_related("project")


def subscription_list(actor: Membership) -> QuerySet[WebhookSubscription]:
    """The organisation's webhook subscriptions (admins)."""
    require_admin(actor)
    return WebhookSubscription.objects.filter(organization_id=actor.organization_id).order_by(
        "-created_at", "-id"
    )


def inbound_list(organization_id: int, *, status: str = InboundStatus.TRIAGE) -> QuerySet[InboundMessage]:
    qs = InboundMessage.objects.filter(organization_id=organization_id).select_related(
        "client", "interaction"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.annotate(attachment_count=Count("attachments")).order_by("-received_at", "-id")


def attachments_for_interaction(interaction) -> list[InboundAttachment]:
    return list(
        InboundAttachment.objects.filter(
            organization_id=interaction.organization_id, message__interaction=interaction
        ).order_by("id")
    )


__all__ = [
    "Prefetch",
    "attachments_for_interaction",
    "channel_list",
    "compliance_for_clients",
    "compliance_for_projects",
    "inbound_list",
    "obligation_list",
    "outbox_list",
    "plan_items",
    "responsibilities",
    "subscription_list",
]


def plan_item_audience(item: PlanItem, project=None) -> list:
    """The active contacts a plan item addresses, by id: its named contacts plus the project's
    contacts holding its roles; an item naming nobody and no role addresses the project's whole
    client side (as its obligations do)."""
    project = project or item.project
    named = list(item.audience_contacts.all())
    contacts = {c.pk: c for c in named if c.is_active}
    if item.audience_roles:
        for contact in project.contacts.filter(is_active=True, role__in=item.audience_roles):
            contacts.setdefault(contact.pk, contact)
    elif not named:
        contacts = {c.pk: c for c in project.contacts.filter(is_active=True)}
    return [contacts[pk] for pk in sorted(contacts)]
