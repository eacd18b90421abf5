"""Read-side queries for the CRM: lists with what their pages show annotated, and search."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from .models import Client, Contact, Interaction

SEARCH_LIMIT = 25
SEARCH_MAX_CHARS = 100


def _count_of(model, *, filters: Q | None = None) -> Coalesce:
    """A correlated COUNT of ``model`` rows of each client (no join fan-out, one query)."""
    rows = model.objects.filter(client=OuterRef("pk"))
    if filters is not None:
        rows = rows.filter(filters)
    counted = rows.order_by().values("client").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def client_list(
    organization_id: int,
    *,
    q: str = "",
    status: str = "",
    industry: str = "",
    tag: str = "",
    owner_id: int | None = None,
) -> QuerySet[Client]:
    """Clients of an organisation, filtered, with contact/project/open-follow-up counts and
    the date of the last interaction annotated."""
    from accord.projects.models import Project

    qs = Client.objects.filter(organization_id=organization_id)
    if status:
        qs = qs.filter(status=status)
    if industry:
        qs = qs.filter(industry=industry)
    if tag:
        qs = qs.filter(tags__icontains=tag.strip())
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    q = (q or "").strip()[:SEARCH_MAX_CHARS]
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(tags__icontains=q)
            | Q(business__icontains=q)
            | Q(contacts__name_local__icontains=q)
            | Q(contacts__last_name__icontains=q)
            | Q(contacts__first_name__icontains=q)
        ).distinct()
    last = (
        Interaction.objects.filter(client=OuterRef("pk")).order_by("-occurred_at").values("occurred_at")[:1]
    )
    return qs.select_related("owner").annotate(
        contacts_count=_count_of(Contact),
        projects_count=_count_of(Project),
        open_follow_ups=_count_of(
            Interaction, filters=Q(follow_up_on__isnull=False, follow_up_done_at__isnull=True)
        ),
        last_interaction_at=Subquery(last),
    )


def contact_list(organization_id: int) -> QuerySet[Contact]:
    return Contact.objects.filter(organization_id=organization_id).select_related("client")


def interaction_list(organization_id: int) -> QuerySet[Interaction]:
    """Interactions with what a list shows: client, project, owners and contacts (prefetched)."""
    return (
        Interaction.objects.filter(organization_id=organization_id)
        .select_related("client", "project", "created_by", "follow_up_owner")
        .prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.order_by("last_name", "first_name", "id"))
        )
    )


def client_timeline(client: Client, *, kind: str = "", limit: int = 100) -> list[Interaction]:
    qs = interaction_list(client.organization_id).filter(client=client)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("-occurred_at", "-id")[:limit])


def open_follow_ups(organization_id: int, *, client: Client | None = None, until: dt.date | None = None):
    qs = Interaction.objects.filter(
        organization_id=organization_id, follow_up_on__isnull=False, follow_up_done_at__isnull=True
    ).select_related("client", "follow_up_owner")
    if client is not None:
        qs = qs.filter(client=client)
    if until is not None:
        qs = qs.filter(follow_up_on__lte=until)
    return qs.order_by("follow_up_on", "id")


def search(organization_id: int, query: str, *, limit: int = SEARCH_LIMIT) -> dict[str, list]:
    """Clients, contacts and interactions whose text contains ``query`` (any case, any script)."""
    query = (query or "").strip()[:SEARCH_MAX_CHARS]
    if not query:
        return {"clients": [], "contacts": [], "interactions": []}
    clients = Client.objects.filter(organization_id=organization_id).filter(
        Q(name__icontains=query)
        | Q(tags__icontains=query)
        | Q(business__icontains=query)
        | Q(goals__icontains=query)
        | Q(priorities__icontains=query)
        | Q(notes__icontains=query)
    )[:limit]
    contacts = (
        Contact.objects.filter(organization_id=organization_id)
        .filter(
            Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(name_local__icontains=query)
            | Q(email__icontains=query)
            | Q(email_secondary__icontains=query)
            | Q(title__icontains=query)
            | Q(phone__icontains=query)
            | Q(mobile__icontains=query)
            | Q(wechat__icontains=query)
            | Q(wecom__icontains=query)
            | Q(dingtalk__icontains=query)
            | Q(feishu__icontains=query)
            | Q(slack__icontains=query)
            | Q(teams__icontains=query)
        )
        .select_related("client")[:limit]
    )
    interactions = (
        Interaction.objects.filter(organization_id=organization_id)
        .filter(Q(summary__icontains=query) | Q(body__icontains=query))
        .select_related("client")
        .order_by("-occurred_at", "-id")[:limit]
    )
    return {"clients": list(clients), "contacts": list(contacts), "interactions": list(interactions)}


def client_queryset(organization_id: int) -> QuerySet[Client]:
    return Client.objects.filter(organization_id=organization_id)
