"""Read-side queries for the CRM."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Client, Contact, Interaction

SEARCH_LIMIT = 25


def search(organization_id: int, query: str, *, limit: int = SEARCH_LIMIT) -> dict[str, list]:
    """Clients, contacts and interactions whose text contains ``query`` (any case, any script)."""
    query = (query or "").strip()[:100]
    if not query:
        return {"clients": [], "contacts": [], "interactions": []}
    clients = Client.objects.filter(organization_id=organization_id).filter(
        Q(name__icontains=query) | Q(tags__icontains=query) | Q(business__icontains=query)
    )[:limit]
    contacts = (
        Contact.objects.filter(organization_id=organization_id)
        .filter(
            Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(name_local__icontains=query)
            | Q(email__icontains=query)
            | Q(title__icontains=query)
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
