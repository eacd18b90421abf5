"""``{% client_health_card client %}``: the client's health on other pages (the client page),
from the daily snapshots — one query, whatever the size of the client's history."""

from __future__ import annotations

from django import template

from accord.evaluation import health
from accord.evaluation.models import HealthSnapshot

register = template.Library()

WEAKEST_SHOWN = 3


@register.inclusion_tag("evaluation/partials/health_card.html")
def client_health_card(client):
    latest, previous = (
        list(
            HealthSnapshot.objects.filter(
                organization_id=client.organization_id, client=client, project__isnull=True
            ).order_by("-taken_on", "-id")[:2]
        )
        + [None, None]
    )[:2]
    if latest is None:
        return {"client": client, "snapshot": None}
    parts = [
        {**p, "label": health.LABELS.get(p.get("key"), p.get("key")), "detail": health.detail_text(p)}
        for p in latest.parts or []
    ]
    weakest = sorted((p for p in parts if p.get("score") is not None), key=lambda p: p["score"])[
        :WEAKEST_SHOWN
    ]
    return {
        "client": client,
        "snapshot": latest,
        "level": health.level_for(latest.score),
        "change": latest.score - previous.score if previous is not None else None,
        "previous": previous,
        "reasons": health.reasons(latest.parts, previous.parts) if previous is not None else [],
        "weakest": [p for p in weakest if p["score"] < 100],
    }


@register.filter
def health_part_label(key):
    """The name of a health part ("Open high risks") from its stored key ("risks")."""
    return health.LABELS.get(key, key)
