"""Close-out figures of a project, computed from its data.

Time
    planned end = the first baseline's end (change requests) or the project's planned end;
    slip = actual end (or today while the project is open) − planned end, in days;
    milestones: on time when completed on or before their baseline date.
Cost
    variance = actual cost − baseline budget (the first baseline's, else the project's budget);
    variance % = variance ÷ baseline budget × 100.
Earned value, in hours (only where effort is tracked: tasks with an estimate)
    EV (earned value)  = Σ estimate_hours of tasks done;
    PV (planned value) = Σ estimate_hours of tasks due on or before the as-of date
                         (the actual end, else today);
    AC (actual cost)   = Σ spent_hours of all tasks;
    SPI = EV ÷ PV (schedule performance index: < 1 behind plan);
    CPI = EV ÷ AC (cost performance index: < 1 more effort than earned).
    An index is empty when its divisor is 0.
Quality
    needs delivered = delivered + accepted; acceptance rate = accepted ÷ delivered (needs register);
    rework: tasks of kind "rework / defect", their count and share of spent hours.
Satisfaction
    the project's survey results (response rate, CSAT average, NPS).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from accord.changes.models import AGREED_STATUSES, Baseline, ChangeRequest
from accord.needs.models import Need, NeedStatus

from .health import milestone_slip_days

TWO = Decimal("0.01")


def _ratio(numerator: Decimal, denominator: Decimal) -> str | None:
    if not denominator:
        return None
    return str((Decimal(numerator) / Decimal(denominator)).quantize(TWO))


def _first_baseline(project):
    return (
        Baseline.objects.filter(organization_id=project.organization_id, project=project)
        .order_by("version")
        .first()
    )


def time_figures(project, *, today: dt.date) -> dict:
    from accord.projects.models import Milestone, MilestoneStatus

    baseline = _first_baseline(project)
    planned_end = baseline.end_date if baseline is not None else project.end_date
    actual_end = project.actual_end_date or today
    milestones = list(
        Milestone.objects.filter(organization_id=project.organization_id, project=project).order_by(
            "due_date", "id"
        )
    )
    slips = [milestone_slip_days(m, today) for m in milestones]
    done = [m for m in milestones if m.status == MilestoneStatus.DONE]
    on_time = [m for m in done if m.completed_on and m.completed_on <= (m.baseline_due_date or m.due_date)]
    return {
        "start": project.start_date.isoformat(),
        "planned_end": planned_end.isoformat(),
        "current_planned_end": project.end_date.isoformat(),
        "actual_end": actual_end.isoformat(),
        "end_is_estimate": project.actual_end_date is None,
        "slip_days": (actual_end - planned_end).days,
        "planned_days": (planned_end - project.start_date).days,
        "actual_days": (actual_end - project.start_date).days,
        "milestones": len(milestones),
        "milestones_done": len(done),
        "milestones_on_time": len(on_time),
        "milestone_average_slip": round(sum(slips) / len(slips), 1) if slips else None,
        "milestone_worst_slip": max(slips) if slips else None,
        "milestone_rows": [
            {
                "name": m.name,
                "baseline": (m.baseline_due_date or m.due_date).isoformat(),
                "due": m.due_date.isoformat(),
                "completed": m.completed_on.isoformat() if m.completed_on else None,
                "slip": slip,
            }
            for m, slip in zip(milestones, slips, strict=True)
        ],
    }


def cost_figures(project, *, actual_cost: Decimal | None, as_of: dt.date) -> dict:
    from accord.projects.models import Task, TaskStatus

    baseline = _first_baseline(project)
    baseline_budget = (
        baseline.budget_amount if baseline is not None and baseline.budget_amount is not None else None
    )
    if baseline_budget is None:
        baseline_budget = project.budget_amount
    variance = variance_pct = None
    if actual_cost is not None and baseline_budget is not None:
        variance = Decimal(actual_cost) - Decimal(baseline_budget)
        variance_pct = _ratio(variance * 100, Decimal(baseline_budget))
    effort = Task.objects.filter(organization_id=project.organization_id, project=project).aggregate(
        ev=Sum("estimate_hours", filter=Q(status=TaskStatus.DONE)),
        pv=Sum("estimate_hours", filter=Q(due_date__lte=as_of)),
        ac=Sum("spent_hours"),
        estimated=Count("id", filter=Q(estimate_hours__isnull=False)),
    )
    ev = Decimal(effort["ev"] or 0).quantize(TWO)
    pv = Decimal(effort["pv"] or 0).quantize(TWO)
    ac = Decimal(effort["ac"] or 0).quantize(TWO)
    approved_changes = ChangeRequest.objects.filter(
        organization_id=project.organization_id, project=project, status__in=AGREED_STATUSES
    ).aggregate(total=Sum("cost_amount"))["total"]
    if approved_changes is not None:
        approved_changes = Decimal(approved_changes).quantize(TWO)
    return {
        "currency": project.currency,
        "baseline_budget": str(baseline_budget) if baseline_budget is not None else None,
        "current_budget": str(project.budget_amount) if project.budget_amount is not None else None,
        "actual_cost": str(actual_cost) if actual_cost is not None else None,
        "variance": str(variance.quantize(TWO)) if variance is not None else None,
        "variance_pct": variance_pct,
        "approved_changes": str(approved_changes) if approved_changes is not None else None,
        "effort_tracked": bool(effort["estimated"]),
        "earned_hours": str(ev),
        "planned_hours": str(pv),
        "spent_hours": str(ac),
        "spi": _ratio(ev, pv) if effort["estimated"] else None,
        "cpi": _ratio(ev, ac) if effort["estimated"] else None,
        "as_of": as_of.isoformat(),
    }


def quality_figures(project) -> dict:
    from accord.projects.models import Task, TaskKind, TaskStatus

    needs = Need.objects.filter(organization_id=project.organization_id, project=project).aggregate(
        total=Count("id", filter=~Q(status=NeedStatus.DROPPED)),
        delivered=Count("id", filter=Q(status__in=[NeedStatus.DELIVERED, NeedStatus.ACCEPTED])),
        accepted=Count("id", filter=Q(status=NeedStatus.ACCEPTED)),
    )
    # The figures page still reads needs_available: evaluations saved earlier may hold false.
    out: dict = {
        "needs_available": True,
        "needs_total": needs["total"],
        "needs_delivered": needs["delivered"],
        "needs_accepted": needs["accepted"],
        "acceptance_rate": _ratio(Decimal(needs["accepted"] * 100), Decimal(needs["delivered"])),
    }
    tasks = Task.objects.filter(organization_id=project.organization_id, project=project).aggregate(
        rework=Count("id", filter=Q(kind=TaskKind.REWORK)),
        rework_done=Count("id", filter=Q(kind=TaskKind.REWORK, status=TaskStatus.DONE)),
        rework_hours=Sum("spent_hours", filter=Q(kind=TaskKind.REWORK)),
        all_hours=Sum("spent_hours"),
    )
    rework_hours = Decimal(tasks["rework_hours"] or 0).quantize(TWO)
    out.update(
        rework_tasks=tasks["rework"],
        rework_done=tasks["rework_done"],
        rework_hours=str(rework_hours),
        rework_share=_ratio(rework_hours * 100, tasks["all_hours"] or Decimal("0")),
    )
    return out


def satisfaction_figures(project) -> dict:
    from accord.feedback.selectors import project_results

    results = project_results(project)
    return {
        "recipients": results.recipients,
        "responses": results.responses,
        "response_rate": results.response_rate,
        "csat": results.csat,
        "nps": results.nps.score,
        "promoters": results.nps.promoters,
        "passives": results.nps.passives,
        "detractors": results.nps.detractors,
        "comments": [text for qr in results.questions for _who, text in qr.texts][:20],
    }


def compute(project, *, actual_cost: Decimal | None = None, today: dt.date | None = None) -> dict:
    """All close-out figures of ``project`` (JSON-ready: decimals as strings)."""
    today = today or timezone.localdate()
    as_of = min(project.actual_end_date or today, today)
    return {
        "computed_at": timezone.now().isoformat(),
        "time": time_figures(project, today=today),
        "cost": cost_figures(project, actual_cost=actual_cost, as_of=as_of),
        "quality": quality_figures(project),
        "satisfaction": satisfaction_figures(project),
    }
