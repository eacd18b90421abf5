"""Read-side queries: change requests, the change log totals and the baseline history."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from accord.lib.money import quantize

from .models import Baseline, ChangeRequest, ChangeStatus

APPROVED = (ChangeStatus.APPROVED, ChangeStatus.IMPLEMENTED)


def change_list(queryset: QuerySet[ChangeRequest], *, status=None) -> QuerySet[ChangeRequest]:
    qs = queryset.select_related("requested_by", "project").annotate(
        needs_count=Count("need_links", distinct=True)
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def change_log_totals(queryset: QuerySet[ChangeRequest], currency: str) -> dict:
    """Days and cost added by approved (and implemented) requests; counts per state."""
    approved = queryset.filter(status__in=APPROVED).aggregate(
        days=Sum("schedule_days"), cost=Sum("cost_amount"), hours=Sum("effort_hours"), n=Count("id")
    )
    return {
        "approved": approved["n"] or 0,
        "days": approved["days"] or 0,
        "cost": quantize(approved["cost"] or Decimal("0"), currency),
        "hours": approved["hours"] or Decimal("0"),
        "pending": queryset.filter(status__in=(ChangeStatus.SUBMITTED, ChangeStatus.ASSESSED)).count(),
    }


def baseline_history(project) -> QuerySet[Baseline]:
    return (
        Baseline.objects.filter(organization_id=project.organization_id, project=project)
        .select_related("change_request", "created_by")
        .order_by("-version")
    )
