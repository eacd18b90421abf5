"""Read side: client and project health with the reason it moved, clients at risk, lessons search.

Other pages (the client page, the dashboard) show a client's health with::

    from accord.evaluation.selectors import client_health
    {% include "evaluation/partials/health_badge.html" with health=health %}
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accord.core.search import TextIndex, contains, is_short, recent

from . import health as health_mod
from .models import HealthSnapshot, Lesson, LessonCategory, LessonUse, Phase, Retrospective


@dataclass
class HealthView:
    """What a page shows: the score now, its parts, and what moved since the last snapshot."""

    score: int | None
    level: str
    parts: list[dict]
    previous_score: int | None = None
    previous_on: object = None
    change: int | None = None
    reasons: list[dict] = field(default_factory=list)
    client: object = None
    project: object = None


def _view(*, client, project) -> HealthView:
    result = health_mod.compute(client=client, project=project)
    parts = [{**p.as_dict(), "label": p.label, "counted": p.counted} for p in result.parts]
    previous = (
        HealthSnapshot.objects.filter(
            organization_id=client.organization_id,
            client=client,
            project=project,
            taken_on__lt=timezone.localdate(),
        )
        .order_by("-taken_on", "-id")
        .first()
    )
    view = HealthView(score=result.score, level=result.level, parts=parts, client=client, project=project)
    if previous is not None:
        view.previous_score = previous.score
        view.previous_on = previous.taken_on
        view.change = (result.score - previous.score) if result.score is not None else None
        view.reasons = health_mod.reasons(parts, previous.parts)
    return view


def client_health(client) -> HealthView:
    """A client's health now (over its open projects), with the parts that moved since the last snapshot."""
    return _view(client=client, project=None)


def project_health(project) -> HealthView:
    return _view(client=project.client, project=project)


def snapshot_history(*, client, project=None, limit: int = 30) -> list[HealthSnapshot]:
    return list(
        HealthSnapshot.objects.filter(
            organization_id=client.organization_id, client=client, project=project
        ).order_by("-taken_on", "-id")[:limit]
    )


def clients_at_risk(organization_id: int, *, below: int = health_mod.GOOD_FROM) -> QuerySet[HealthSnapshot]:
    """Each client's latest snapshot when it scores below ``below``, lowest first (one query)."""
    latest = (
        HealthSnapshot.objects.filter(
            organization_id=organization_id, client=OuterRef("client"), project__isnull=True
        )
        .order_by("-taken_on", "-id")
        .values("pk")[:1]
    )
    return (
        HealthSnapshot.objects.filter(organization_id=organization_id, project__isnull=True, score__lt=below)
        .filter(pk=Subquery(latest))
        .select_related("client", "client__owner")
        .order_by("score", "client__name", "id")
    )


# The index of migration 0003.
LESSON_INDEX = TextIndex(
    "evaluation_lesson", ("title", "description", "recommendation", "tags"), fts="evaluation_lesson_search"
)


def lesson_search(
    organization_id: int, *, q: str = "", industry: str = "", category: str = "", phase: str = ""
) -> QuerySet[Lesson]:
    """Lessons matching every word of ``q`` (title, text, recommendation, tags), in any language."""
    qs = Lesson.objects.filter(organization_id=organization_id).select_related("project", "created_by")
    words = (q or "").split()[:8]
    if any(is_short(word) for word in words):
        qs = recent(qs)
    for word in words:
        qs = qs.filter(contains(LESSON_INDEX, LESSON_INDEX.columns, word))
    if industry:
        qs = qs.filter(industry=industry)
    if category:
        qs = qs.filter(category=category)
    if phase:
        qs = qs.filter(phase=phase)
    return qs.order_by("-created_at", "-id")


def project_industry(project) -> str:
    return project.industry or getattr(project.client, "industry", "") or ""


def relevant_lessons(project, *, limit: int = 30) -> list[Lesson]:
    """Lessons from the organisation's other projects of the same industry (or for any industry)."""
    industry = project_industry(project)
    qs = (
        Lesson.objects.filter(organization_id=project.organization_id)
        .filter(Q(industry=industry) | Q(industry=""))
        .exclude(project=project)
        .select_related("project")
    )
    lessons = list(qs.order_by("-created_at", "-id")[: limit * 2])
    lessons.sort(key=lambda lesson: (lesson.industry != industry, -lesson.created_at.timestamp()))
    return lessons[:limit]


# A template's risk checklist says what the project will worry about: the lesson categories
# that speak to those risks are offered first.
LESSON_CATEGORY_OF_RISK = {
    "technical": LessonCategory.TECHNICAL,
    "resources": LessonCategory.TEAM,
    "schedule": LessonCategory.PLANNING,
    "requirement_change": LessonCategory.REQUIREMENTS,
    "client_side": LessonCategory.CLIENT,
    "commercial": LessonCategory.COMMERCIAL,
    "legal": LessonCategory.COMMERCIAL,
}
START_PHASES = (Phase.INITIATION, Phase.PLANNING)
# How many recent candidate lessons are scored (an organisation's base is read newest first).
CANDIDATES = 300


def template_lesson_categories(template) -> set[str]:
    risks = getattr(template, "risks", None) or []
    return {
        LESSON_CATEGORY_OF_RISK[item["category"]]
        for item in risks
        if isinstance(item, dict) and item.get("category") in LESSON_CATEGORY_OF_RISK
    }


def lessons_for_start(
    organization_id: int, *, industry: str = "", client=None, template=None, project=None, limit: int = 8
) -> list[Lesson]:
    """Lessons to offer when a project starts, most relevant first: the same industry or client
    (or any industry), the template's risk categories, the planning phases, and how many projects
    took each up. Each lesson carries ``relevance``, ``reasons`` and ``use_count``. Only the
    organisation's own lessons; never the new project's own."""
    industry = industry or (getattr(template, "industry", "") or getattr(client, "industry", "") or "")
    scope = Q(industry="")
    if industry:
        scope |= Q(industry=industry)
    if client is not None:
        scope |= Q(project__client_id=client.pk)
    qs = Lesson.objects.filter(scope, organization_id=organization_id)
    if project is not None:
        qs = qs.exclude(project=project)
    candidates = list(
        qs.select_related("project")
        .annotate(use_count=Count("uses", distinct=True))
        .order_by("-created_at", "-id")[:CANDIDATES]
    )
    categories = template_lesson_categories(template)
    for lesson in candidates:
        reasons, score = [], 0
        if client is not None and lesson.project_id and lesson.project.client_id == client.pk:
            score += 3
            reasons.append(_("same client"))
        if industry and lesson.industry == industry:
            score += 3
            reasons.append(_("same industry"))
        if lesson.category in categories:
            score += 2
            reasons.append(_("matches the template's risks"))
        if lesson.phase in START_PHASES:
            score += 1
            reasons.append(_("for the start of a project"))
        if lesson.use_count:
            score += min(lesson.use_count, 3)
            reasons.append(
                ngettext_lazy("taken up by %(n)d project", "taken up by %(n)d projects", lesson.use_count)
                % {"n": lesson.use_count}
            )
        lesson.relevance, lesson.reasons = score, reasons
    candidates.sort(key=lambda lesson: (-lesson.relevance, -lesson.use_count, -lesson.created_at.timestamp()))
    return candidates[:limit]


def project_template(project):
    """The template a project was started from, if any (and if it still exists)."""
    use = getattr(project, "template_use", None)  # a missing one raises an AttributeError subclass
    return use.template if use is not None else None


def lessons_for_project_start(project, *, limit: int = 8) -> list[Lesson]:
    """The lessons a new project's manager is offered, each with ``use`` (this project's take-up)."""
    lessons = lessons_for_start(
        project.organization_id,
        industry=project_industry(project),
        client=project.client,
        template=project_template(project),
        project=project,
        limit=limit,
    )
    uses = {
        use.lesson_id: use
        for use in LessonUse.objects.filter(
            organization_id=project.organization_id, project=project, lesson__in=lessons
        ).select_related("risk")
    }
    for lesson in lessons:
        lesson.use = uses.get(lesson.pk)
    return lessons


def project_start_url(project) -> str:
    """Where the manager lands after creating ``project``: the lessons from similar projects when
    there are any, else the project."""
    from django.urls import reverse

    if lessons_for_start(
        project.organization_id,
        industry=project_industry(project),
        client=project.client,
        template=project_template(project),
        project=project,
        limit=1,
    ):
        return reverse("evaluation:project_lessons_start", args=[project.pk])
    return reverse("projects:detail", args=[project.pk])


def retrospective_list(project) -> QuerySet[Retrospective]:
    return (
        Retrospective.objects.filter(organization_id=project.organization_id, project=project)
        .annotate(
            actions_count=Count("actions", distinct=True),
            actions_open=Count("actions", filter=Q(actions__done_at__isnull=True), distinct=True),
        )
        .order_by("-held_on", "-id")
    )
