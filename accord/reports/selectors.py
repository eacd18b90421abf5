"""Read-side queries: the live project data a status report is drafted from, and report lists."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.changes.models import PENDING_STATUSES, ChangeRequest
from accord.comms.models import Obligation, ObligationStatus, PlanChannel, PlanItem
from accord.comms.obligations import GRACE_DAYS
from accord.comms.selectors import plan_item_audience
from accord.projects.models import Milestone, MilestoneStatus, Project, Task, TaskStatus
from accord.risks.models import ACTIVE_STATUSES, Risk, level_for

from .models import ReportStatus, StatusReport

# Amber once spent hours pass this share of the estimate; red past the second.
BUDGET_AMBER = Decimal("0.9")
BUDGET_RED = Decimal("1.1")
BURNUP_POINTS = 12


def report_list(queryset: QuerySet[StatusReport]) -> QuerySet[StatusReport]:
    return queryset.select_related("project", "created_by", "published_by")


def last_report(project: Project, *, exclude_pk=None) -> StatusReport | None:
    qs = StatusReport.objects.filter(organization_id=project.organization_id, project=project)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("-period_end", "-version").first()


def last_published(project: Project, *, before: dt.date | None = None) -> StatusReport | None:
    qs = StatusReport.objects.filter(
        organization_id=project.organization_id, project=project, status=ReportStatus.PUBLISHED
    )
    if before:
        qs = qs.filter(period_end__lt=before)
    return qs.order_by("-period_end", "-version").first()


def rag_history(project: Project, *, until: dt.date | None = None) -> list[dict]:
    qs = StatusReport.objects.filter(
        organization_id=project.organization_id, project=project, status=ReportStatus.PUBLISHED
    )
    if until:
        qs = qs.filter(period_end__lte=until)
    rows = qs.order_by("period_end", "version").values_list("period_end", "rag")[:24]
    return [{"date": d.isoformat(), "rag": r} for d, r in rows]


def _task_row(task: Task) -> dict:
    return {
        "id": task.pk,
        "title": task.title,
        "due": task.due_date.isoformat() if task.due_date else None,
        "done_on": task.done_on.isoformat() if task.done_on else None,
        "assignee": str(task.assignee) if task.assignee_id else "",
        "kind": task.kind,
    }


def _milestone_row(m: Milestone) -> dict:
    return {
        "id": m.pk,
        "name": m.name,
        "due": m.due_date.isoformat(),
        "baseline": (m.baseline_due_date or m.due_date).isoformat(),
        "completed_on": m.completed_on.isoformat() if m.completed_on else None,
        "status": m.status,
        "slip_days": m.slip_days,
    }


def open_high_risks(project: Project) -> list[dict]:
    rows = Risk.objects.filter(
        organization_id=project.organization_id,
        project=project,
        status__in=ACTIVE_STATUSES,
        score__gte=10,
    ).order_by("-score", "id")[:20]
    return [{"id": r.pk, "title": r.title, "score": r.score, "level": level_for(r.score)} for r in rows]


def pending_change_requests(project: Project) -> list[dict]:
    rows = ChangeRequest.objects.filter(
        organization_id=project.organization_id, project=project, status__in=PENDING_STATUSES
    ).order_by("id")[:20]
    return [
        {
            "id": c.pk,
            "title": c.title,
            "status": c.status,
            "schedule_days": c.schedule_days,
        }
        for c in rows
    ]


def burnup_series(project: Project, end: dt.date) -> list[dict]:
    """Tasks in scope and tasks done at evenly spaced days from the project start to ``end``."""
    rows = list(
        Task.objects.filter(organization_id=project.organization_id, project=project).values_list(
            "created_at", "done_on", "status"
        )
    )
    start = min(
        [project.start_date] + [c.date() for c, _d, _s in rows if c and c.date() < project.start_date]
    )
    end = max(end, start)
    span = (end - start).days
    points = min(BURNUP_POINTS, span + 1)
    series = []
    for i in range(points):
        day = start + dt.timedelta(days=round(span * i / max(points - 1, 1)))
        # A task done by then was in scope by then, whatever its recorded creation date.
        total = sum(
            1 for created, done_on, _s in rows if created.date() <= day or (done_on and done_on <= day)
        )
        done = sum(
            1 for _c, done_on, status in rows if status == TaskStatus.DONE and done_on and done_on <= day
        )
        series.append({"date": day.isoformat(), "total": total, "done": done})
    return series


def report_data(project: Project, start: dt.date, end: dt.date, *, today: dt.date) -> dict:
    """Everything a report for ``start``–``end`` says, as plain JSON-able values."""
    org = project.organization_id
    tasks = Task.objects.filter(organization_id=org, project=project).select_related("assignee")
    counts = tasks.aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(status=TaskStatus.DONE)),
        done_before=Count("id", filter=Q(status=TaskStatus.DONE, done_on__lt=start)),
        spent=Sum("spent_hours"),
        estimate=Sum("estimate_hours"),
    )
    total = counts["total"] or 0
    progress = round(100 * counts["done"] / total) if total else 0
    next_end = end + (end - start) + dt.timedelta(days=1)

    completed = [_task_row(t) for t in tasks.filter(status=TaskStatus.DONE, done_on__range=(start, end))[:50]]
    open_tasks = tasks.exclude(status=TaskStatus.DONE)
    overdue = [_task_row(t) for t in open_tasks.filter(due_date__lt=today).order_by("due_date", "id")[:30]]
    blocked = [_task_row(t) for t in open_tasks.filter(status=TaskStatus.BLOCKED).order_by("id")[:30]]
    upcoming_tasks = [
        _task_row(t)
        for t in open_tasks.filter(due_date__gt=end, due_date__lte=next_end).order_by("due_date")[:30]
    ]

    milestones = list(
        Milestone.objects.filter(organization_id=org, project=project).order_by("due_date", "id")
    )
    hit = [_milestone_row(m) for m in milestones if m.completed_on and start <= m.completed_on <= end]
    slipped = [
        _milestone_row(m)
        for m in milestones
        if m.status == MilestoneStatus.MISSED
        or (m.status == MilestoneStatus.PLANNED and m.due_date < today)
        or (m.slip_days > 0 and not (m.completed_on and m.completed_on < start))
    ]
    upcoming = [
        _milestone_row(m)
        for m in milestones
        if m.status == MilestoneStatus.PLANNED and end < m.due_date <= next_end + dt.timedelta(days=30)
    ]

    previous = last_published(project, before=end)
    previous_progress = (previous.snapshot or {}).get("progress") if previous else None

    budget = {
        "amount": str(project.budget_amount) if project.budget_amount is not None else None,
        "currency": project.currency,
        "spent_hours": str(counts["spent"] or Decimal("0")),
        "estimate_hours": str(counts["estimate"]) if counts["estimate"] else None,
    }
    data = {
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "next_period_end": next_end.isoformat(),
        "progress": progress,
        "previous_progress": previous_progress,
        "progress_change": (progress - previous_progress) if previous_progress is not None else None,
        "tasks_total": total,
        "tasks_done": counts["done"] or 0,
        "completed": completed,
        "overdue": overdue,
        "blocked": blocked,
        "next_tasks": upcoming_tasks,
        "milestones_hit": hit,
        "milestones_slipped": slipped,
        "milestones_upcoming": upcoming,
        "timeline": [_milestone_row(m) for m in milestones[:20]],
        "risks": open_high_risks(project),
        "risks_tracked": True,  # read by the report texts; kept for reports saved earlier
        "changes": pending_change_requests(project),
        "changes_tracked": True,
        "budget": budget,
        "burnup": burnup_series(project, end),
    }
    data["suggested_rag"], data["rag_reasons"] = suggest_rag(data, milestones, today=today)
    data["has_activity"] = bool(completed or hit or counts["done"] - (counts["done_before"] or 0))
    return data


def suggest_rag(data: dict, milestones: list[Milestone], *, today: dt.date) -> tuple[str, list[dict]]:
    """A RAG status and the reasons behind it (codes with numbers, translated when shown)."""
    red: list[dict] = []
    amber: list[dict] = []
    overdue_ms = [m for m in milestones if m.status == MilestoneStatus.MISSED or m.is_overdue]
    if overdue_ms:
        red.append({"code": "milestones_overdue", "count": len(overdue_ms)})
    open_count = data["tasks_total"] - data["tasks_done"]
    overdue = len(data["overdue"])
    if overdue and overdue >= 3 and open_count and overdue / open_count >= 0.25:
        red.append({"code": "many_tasks_overdue", "count": overdue})
    elif overdue:
        amber.append({"code": "tasks_overdue", "count": overdue})
    if data["blocked"]:
        amber.append({"code": "tasks_blocked", "count": len(data["blocked"])})
    critical = [r for r in data["risks"] if r["score"] >= 20]
    if critical:
        red.append({"code": "critical_risks", "count": len(critical)})
    elif data["risks"]:
        amber.append({"code": "high_risks", "count": len(data["risks"])})
    if data["changes"]:
        amber.append({"code": "pending_changes", "count": len(data["changes"])})
    slipped = [m for m in milestones if m.status != MilestoneStatus.MISSED and m.slip_days > 0]
    if slipped and not overdue_ms:
        amber.append({"code": "milestones_slipped", "count": len(slipped)})
    budget = data["budget"]
    if budget["estimate_hours"]:
        ratio = Decimal(budget["spent_hours"]) / Decimal(budget["estimate_hours"])
        pct = round(ratio * 100)
        if ratio > BUDGET_RED:
            red.append({"code": "over_estimate", "count": pct})
        elif ratio > BUDGET_AMBER:
            amber.append({"code": "near_estimate", "count": pct})
    if red:
        return "red", red + amber
    if amber:
        return "amber", amber
    return "green", [{"code": "on_track", "count": 0}]


def published_for_portal(project: Project) -> QuerySet[StatusReport]:
    return StatusReport.objects.filter(
        organization_id=project.organization_id, project=project, status=ReportStatus.PUBLISHED
    ).order_by("-published_at", "-id")


# --- who a published report goes to ----------------------------------------------------------

# Words by which a communication-plan item's purpose names a status report (plans are written
# in English or Chinese; the built-in templates say "Status report" / "项目状态报告").
REPORT_WORDS = ("report", "报告", "周报", "月报", "报表")


def names_a_report(purpose: str) -> bool:
    text = (purpose or "").lower()
    return any(word in text for word in REPORT_WORDS)


def report_plan_item(project: Project, *, day: dt.date | None = None) -> PlanItem | None:
    """The communication-plan item a status report of ``project`` answers, or None.

    Candidates are the project's active e-mail items running on ``day``. One qualifies when its
    purpose names a report or when publishing today meets one of its obligations (the match
    ``comms.obligations.meet`` makes: an open obligation whose window holds the day). A purpose
    naming a report goes first, then an obligation open now, then the nearest due date.
    """
    day = day or timezone.localdate()
    earliest = day - dt.timedelta(days=GRACE_DAYS)
    open_now = Obligation.objects.filter(
        plan_item=OuterRef("pk"), status=ObligationStatus.OPEN, window_start__lte=day, due_date__gte=earliest
    )
    items = (
        PlanItem.objects.filter(
            organization_id=project.organization_id,
            project=project,
            is_active=True,
            channel=PlanChannel.EMAIL,
            start_date__lte=day,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .annotate(
            open_now=Exists(open_now),
            next_due=Min(
                "obligations__due_date",
                filter=Q(obligations__status=ObligationStatus.OPEN, obligations__due_date__gte=earliest),
            ),
        )
        .order_by("id")
    )
    matching = [item for item in items if item.open_now or names_a_report(item.purpose)]
    if not matching:
        return None
    return min(
        matching,
        key=lambda i: (not names_a_report(i.purpose), not i.open_now, i.next_due or dt.date.max, i.pk),
    )


@dataclass
class Audience:
    """Who publishing a report e-mails: the matching plan item's audience (or, without one, the
    project's client stakeholders); ``skipped`` are the contacts no mail goes to, with why."""

    plan_item: PlanItem | None
    recipients: list = field(default_factory=list)
    skipped: list[tuple[object, str]] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        """Changes whenever the plan item or an address changes: the publish form carries it, so
        a report is never sent to a list other than the one the manager saw."""
        addresses = ",".join(sorted(c.email.strip().lower() for c in self.recipients))
        item = self.plan_item.pk if self.plan_item is not None else 0
        return hashlib.sha256(f"{item}|{addresses}".encode()).hexdigest()[:16]


def report_audience(project: Project, *, day: dt.date | None = None) -> Audience:
    """The recipients of a status report of ``project`` published on ``day``: one per address."""
    item = report_plan_item(project, day=day)
    if item is None:
        contacts = list(project.contacts.filter(is_active=True).order_by("id"))
    else:
        contacts = plan_item_audience(item, project)
    audience = Audience(plan_item=item)
    seen: dict[str, object] = {}
    for contact in contacts:
        address = contact.email.strip().lower()
        if not address:
            audience.skipped.append((contact, _("no e-mail address")))
        elif address in seen:
            audience.skipped.append(
                (contact, _("same address as %(name)s") % {"name": seen[address].display_name})
            )
        else:
            seen[address] = contact
            audience.recipients.append(contact)
    return audience
