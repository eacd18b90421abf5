"""Read-side queries of the risk register."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import ACTIVE_STATUSES, SCALE, Risk, score_range


def risk_list(
    queryset: QuerySet[Risk], *, status=None, category=None, level=None, p=None, i=None, owner=None
):
    """Risks with owner, project and open-action counts in one query; filters as in the list page."""
    qs = queryset.select_related("owner", "project").annotate(
        actions_total=Count("actions", distinct=True),
        actions_open=Count("actions", filter=Q(actions__done=False), distinct=True),
    )
    if status == "all":
        pass
    elif status:
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    if category:
        qs = qs.filter(category=category)
    if level:
        low, high = score_range(level)
        qs = qs.filter(score__gte=low, score__lte=high)
    if p:
        qs = qs.filter(probability=p)
    if i:
        qs = qs.filter(impact=i)
    if owner:
        qs = qs.filter(owner_id=owner)
    return qs


def heat_map(queryset: QuerySet[Risk]) -> list[list[dict]]:
    """5×5 counts of active risks: rows impact 5→1, columns probability 1→5 (one query)."""
    counts = {
        (row["probability"], row["impact"]): row["n"]
        for row in queryset.filter(status__in=ACTIVE_STATUSES)
        .values("probability", "impact")
        .annotate(n=Count("id"))
    }
    from .models import level_for

    return [
        [{"p": p, "i": i, "n": counts.get((p, i), 0), "level": level_for(p * i)} for p in SCALE]
        for i in reversed(SCALE)
    ]


def review_queue(queryset: QuerySet[Risk], *, today=None):
    """Active risks whose review is due (today or earlier), most urgent first."""
    today = today or timezone.localdate()
    return risk_list(queryset).filter(next_review_on__lte=today).order_by("next_review_on", "-score", "id")
