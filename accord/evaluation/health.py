"""The client health score: a weighted mean of eight parts, each scored 0–100.

    score = round( Σ part.score × part.weight  /  Σ part.weight )   over the parts that have data

| part        | weight | 100 when …                          | 0 when …                                  |
|-------------|--------|-------------------------------------|-------------------------------------------|
| cadence     | 20     | every due obligation met on time    | none met on time (rate × 100)             |
| recency     | 15     | last interaction ≤ 7 days ago       | ≥ 60 days ago, or none (linear between)   |
| sentiment   | 15     | recent interactions all positive    | all negative (positive 100, neutral 60)   |
| surveys     | 20     | CSAT 5 and NPS +100                 | CSAT 1 and NPS −100 (mean of both)        |
| risks       | 10     | no open high or critical risk       | 3 or more (−34 each)                      |
| actions     | 10     | no overdue action item              | 4 or more (−25 each)                      |
| changes     |  5     | no change request awaiting decision | 4 or more (−25 each)                      |
| milestones  |  5     | no milestone late against baseline  | worst slip ≥ 30 days (linear)             |

A part whose app is not installed (communication plan, risks, change requests) is shown as
"not available"; a part without data yet (no survey answer, no obligation due) as "no data".
Neither counts: the remaining weights are rescaled. "Recent" is the last 90 days (surveys: 365).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _

from accord.changes.models import PENDING_STATUSES, ChangeRequest
from accord.comms.obligations import compliance_for_clients, compliance_for_projects
from accord.risks.models import ACTIVE_STATUSES, Risk

WEIGHTS = {
    "cadence": 20,
    "recency": 15,
    "sentiment": 15,
    "surveys": 20,
    "risks": 10,
    "actions": 10,
    "changes": 5,
    "milestones": 5,
}
LABELS = {
    "cadence": _("Communication cadence kept"),
    "recency": _("Days since last interaction"),
    "sentiment": _("Sentiment of recent interactions"),
    "surveys": _("Survey scores"),
    "risks": _("Open high risks"),
    "actions": _("Overdue action items"),
    "changes": _("Pending change requests"),
    "milestones": _("Milestone slip"),
}

# A part's explanation, by message key (see Part.explain); translated when shown.
DETAILS = {
    "cadence_none": gettext_noop("No obligation was due yet."),
    "cadence": gettext_noop("%(met)s of %(due)s obligations met on time"),
    "recency_none": gettext_noop("No interaction logged yet."),
    "recency": gettext_noop("%(days)s days ago"),
    "sentiment_none": gettext_noop("No interaction in the last 90 days."),
    "sentiment": gettext_noop("%(positive)s positive, %(neutral)s neutral, %(negative)s negative"),
    "surveys_none": gettext_noop("No survey answered yet."),
    "milestones_none": gettext_noop("No milestone yet."),
    "milestones": gettext_noop("worst slip %(days)s days"),
}
RECENT_DAYS = 90
SURVEY_DAYS = 365
GOOD_FROM = 70
AT_RISK_BELOW = 50
SENTIMENT_POINTS = {"positive": 100, "neutral": 60, "negative": 0}


def describe(detail_id: str, args: dict) -> str:
    """A part's explanation in the active language ("" when there is none)."""
    args = args or {}
    count = int(args.get("count") or 0)
    if detail_id == "risks":
        return ngettext(
            "%(count)s open high or critical risk", "%(count)s open high or critical risks", count
        ) % {"count": count}
    if detail_id == "actions":
        return ngettext("%(count)s overdue action item", "%(count)s overdue action items", count) % {
            "count": count
        }
    if detail_id == "changes":
        return ngettext(
            "%(count)s change request awaiting a decision",
            "%(count)s change requests awaiting a decision",
            count,
        ) % {"count": count}
    if detail_id == "surveys":
        csat, nps = args.get("csat"), args.get("nps")
        if csat is not None and nps is not None:
            return gettext("CSAT %(csat).1f, NPS %(nps)s") % {"csat": float(csat), "nps": nps}
        if csat is not None:
            return gettext("CSAT %(value).1f") % {"value": float(csat)}
        if nps is not None:
            return gettext("NPS %(value)s") % {"value": nps}
        return ""
    message = DETAILS.get(detail_id)
    if message is None:
        return ""
    try:
        return gettext(message) % args if args else gettext(message)
    except (KeyError, TypeError, ValueError):
        return gettext(message)


def detail_text(part: dict) -> str:
    """The explanation of a stored part: from its key in the reader's language; snapshots from
    before explanations had keys keep the text they were taken with."""
    if part.get("detail_id"):
        return describe(part["detail_id"], part.get("detail_args") or {})
    return str(part.get("detail", "") or "")


@dataclass
class Part:
    key: str
    weight: int
    score: int | None = None
    available: bool = True
    # The explanation as a message key and its numbers: snapshots keep these, so a page shows
    # the explanation in its reader's language, not in the language of the day it was taken.
    detail_id: str = ""
    detail_args: dict = field(default_factory=dict)

    @property
    def label(self):
        return LABELS[self.key]

    @property
    def detail(self) -> str:
        return describe(self.detail_id, self.detail_args)

    def explain(self, detail_id: str, **args) -> None:
        self.detail_id, self.detail_args = detail_id, args

    @property
    def counted(self) -> bool:
        return self.available and self.score is not None

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "weight": self.weight,
            "score": self.score,
            "available": self.available,
            "detail": str(self.detail),
            "detail_id": self.detail_id,
            "detail_args": self.detail_args,
        }


@dataclass
class Health:
    score: int | None
    parts: list[Part] = field(default_factory=list)

    @property
    def level(self) -> str:
        return level_for(self.score)


def level_for(score: int | None) -> str:
    if score is None:
        return "unknown"
    if score >= GOOD_FROM:
        return "good"
    if score >= AT_RISK_BELOW:
        return "watch"
    return "at_risk"


def _clamp(value: float) -> int:
    return int(max(0, min(100, round(value))))


def _combine(parts: list[Part]) -> Health:
    counted = [p for p in parts if p.counted]
    total = sum(p.weight for p in counted)
    score = _clamp(sum(p.score * p.weight for p in counted) / total) if total else None
    return Health(score=score, parts=parts)


class _Scope:
    """Which rows count: one project, or every open project of a client (all when none is open)."""

    def __init__(self, *, client, project=None):
        from accord.projects.models import Project, ProjectStatus

        self.client = client
        self.project = project
        self.organization_id = client.organization_id
        if project is not None:
            self.project_ids = [project.pk]
        else:
            projects = Project.objects.filter(organization_id=client.organization_id, client=client)
            open_ids = list(
                projects.exclude(status__in=[ProjectStatus.CLOSED, ProjectStatus.CANCELLED]).values_list(
                    "pk", flat=True
                )
            )
            self.project_ids = open_ids or list(projects.values_list("pk", flat=True))

    def projects_q(self, prefix: str = "project") -> Q:
        return Q(**{f"{prefix}__in": self.project_ids})


def _cadence(scope: _Scope, today: dt.date) -> Part:
    part = Part("cadence", WEIGHTS["cadence"])
    if scope.project is not None:
        selector, key = compliance_for_projects, scope.project.pk
    else:
        selector, key = compliance_for_clients, scope.client.pk
    row = selector([key], today=today).get(key)
    if not row or row.get("rate") is None:
        part.explain("cadence_none")
        return part
    part.score = _clamp(100 * row["rate"])
    part.explain("cadence", met=row.get("met_on_time", 0), due=row.get("due", 0))
    return part


def _interactions(scope: _Scope):
    from accord.crm.models import Interaction

    qs = Interaction.objects.filter(organization_id=scope.organization_id, client=scope.client)
    if scope.project is not None:
        qs = qs.filter(project=scope.project)
    return qs


def _recency(scope: _Scope, now: dt.datetime) -> Part:
    part = Part("recency", WEIGHTS["recency"])
    last = _interactions(scope).filter(occurred_at__lte=now).aggregate(last=Max("occurred_at"))["last"]
    if last is None:
        part.score = 0
        part.explain("recency_none")
        return part
    days = max(0, (now - last).days)
    part.score = 100 if days <= 7 else _clamp(100 * (60 - days) / 53)
    part.explain("recency", days=days)
    return part


def _sentiment(scope: _Scope, now: dt.datetime) -> Part:
    part = Part("sentiment", WEIGHTS["sentiment"])
    counts = (
        _interactions(scope)
        .filter(occurred_at__gte=now - dt.timedelta(days=RECENT_DAYS), occurred_at__lte=now)
        .aggregate(
            positive=Count("id", filter=Q(sentiment="positive")),
            neutral=Count("id", filter=Q(sentiment="neutral")),
            negative=Count("id", filter=Q(sentiment="negative")),
        )
    )
    total = sum(counts.values())
    if not total:
        part.explain("sentiment_none")
        return part
    part.score = _clamp(sum(SENTIMENT_POINTS[k] * n for k, n in counts.items()) / total)
    part.explain("sentiment", **counts)
    return part


def _surveys(scope: _Scope, now: dt.datetime) -> Part:
    from accord.feedback.models import Answer
    from accord.feedback.selectors import nps_from_counts, score_aggregates

    part = Part("surveys", WEIGHTS["surveys"])
    agg = score_aggregates(
        Answer.objects.filter(
            organization_id=scope.organization_id,
            response__survey__project_id__in=scope.project_ids,
            response__submitted_at__gte=now - dt.timedelta(days=SURVEY_DAYS),
        )
    )
    nps = nps_from_counts(agg["promoters"], agg["passives"], agg["detractors"])
    scores = []
    args = {}
    if agg["csat"] is not None:
        scores.append((float(agg["csat"]) - 1) / 4 * 100)
        args["csat"] = round(float(agg["csat"]), 1)
    if nps is not None:
        scores.append((nps + 100) / 2)
        args["nps"] = nps
    if not scores:
        part.explain("surveys_none")
        return part
    part.score = _clamp(sum(scores) / len(scores))
    part.explain("surveys", **args)
    return part


def _count_part(key: str, count: int, step: int) -> Part:
    part = Part(key, WEIGHTS[key])
    part.score = _clamp(100 - step * count)
    part.explain(key, count=count)
    return part


def _risks(scope: _Scope) -> Part:
    n = Risk.objects.filter(
        scope.projects_q(), organization_id=scope.organization_id, status__in=ACTIVE_STATUSES, score__gte=10
    ).count()
    return _count_part("risks", n, 34)


def _actions(scope: _Scope, today: dt.date) -> Part:
    from accord.projects.models import Task, TaskKind, TaskStatus

    n = (
        Task.objects.filter(
            scope.projects_q(),
            organization_id=scope.organization_id,
            kind=TaskKind.ACTION_ITEM,
            due_date__lt=today,
        )
        .exclude(status=TaskStatus.DONE)
        .count()
    )
    return _count_part("actions", n, 25)


def _changes(scope: _Scope) -> Part:
    n = ChangeRequest.objects.filter(
        scope.projects_q(), organization_id=scope.organization_id, status__in=PENDING_STATUSES
    ).count()
    return _count_part("changes", n, 25)


def milestone_slip_days(milestone, today: dt.date) -> int:
    """How late a milestone is against its baseline: finished late, or still open past its date."""
    base = milestone.baseline_due_date or milestone.due_date
    if milestone.completed_on:
        return max(0, (milestone.completed_on - base).days)
    if milestone.status == "missed":
        return max(0, (today - base).days)
    return max(0, (today - base).days if base < today else (milestone.due_date - base).days)


def _milestones(scope: _Scope, today: dt.date) -> Part:
    from accord.projects.models import Milestone

    part = Part("milestones", WEIGHTS["milestones"])
    milestones = list(
        Milestone.objects.filter(scope.projects_q(), organization_id=scope.organization_id).only(
            "due_date", "baseline_due_date", "completed_on", "status"
        )
    )
    if not milestones:
        part.explain("milestones_none")
        return part
    worst = max(milestone_slip_days(m, today) for m in milestones)
    part.score = _clamp(100 - worst * 100 / 30)
    part.explain("milestones", days=worst)
    return part


def compute(*, client, project=None, now: dt.datetime | None = None) -> Health:
    """The health of ``client`` (over its open projects) or of one of its projects, right now."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    scope = _Scope(client=client, project=project)
    parts = [
        _cadence(scope, today),
        _recency(scope, now),
        _sentiment(scope, now),
        _surveys(scope, now),
        _risks(scope),
        _actions(scope, today),
        _changes(scope),
        _milestones(scope, today),
    ]
    return _combine(parts)


def reasons(current: list[dict], previous: list[dict], limit: int = 3) -> list[dict]:
    """The parts that moved the score most since ``previous`` (weighted change, largest first)."""
    before = {p["key"]: p for p in previous or []}
    moved = []
    for part in current:
        old = before.get(part["key"])
        if old is None or old.get("score") is None or part.get("score") is None:
            continue
        change = part["score"] - old["score"]
        if change:
            moved.append(
                {
                    "key": part["key"],
                    "label": LABELS.get(part["key"], part["key"]),
                    "from": old["score"],
                    "to": part["score"],
                    "change": change,
                    "impact": change * part["weight"],
                    "detail": detail_text(part),
                }
            )
    moved.sort(key=lambda m: -abs(m["impact"]))
    return moved[:limit]
