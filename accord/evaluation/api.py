"""Health scores, close-out evaluations, retrospectives and lessons learned over the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from accord.core.conditional import versioned_by
from accord.core.pagination import ListPage, PageQuery, keyset_page
from accord.lib.versioning import Versioned
from accord.tenancy.access import (
    client_for_user,
    org_get,
    project_for_user,
    project_object_for_user,
    require_team,
)
from accord.tenancy.models import User

from . import selectors, services
from .models import CloseoutEvaluation, Lesson, LessonCategory, Phase, RetroAction, Retrospective

router = Router(tags=["evaluation"])


# --- health ---------------------------------------------------------------------------------------


class PartOut(Schema):
    key: str
    label: str
    weight: int
    score: int | None
    available: bool
    detail: str


class ReasonOut(Schema):
    key: str
    label: str
    change: int
    detail: str


class HealthOut(Schema):
    client_id: int
    project_id: int | None
    score: int | None
    level: str
    previous_score: int | None
    previous_on: dt.date | None
    change: int | None
    parts: list[PartOut]
    reasons: list[ReasonOut]


class AtRiskOut(Schema):
    client_id: int
    client: str
    score: int
    taken_on: dt.date


def _health_out(view: selectors.HealthView) -> dict:
    return {
        "client_id": view.client.pk,
        "project_id": view.project.pk if view.project else None,
        "score": view.score,
        "level": view.level,
        "previous_score": view.previous_score,
        "previous_on": view.previous_on,
        "change": view.change,
        "parts": [{**p, "label": str(p["label"])} for p in view.parts],
        "reasons": [{**r, "label": str(r["label"]), "detail": str(r["detail"])} for r in view.reasons],
    }


@router.get("/clients/{client_id}/health", response=HealthOut)
def client_health(request, client_id: int):
    return _health_out(selectors.client_health(client_for_user(request.auth, client_id)))


@router.get("/projects/{project_id}/health", response=HealthOut)
def project_health(request, project_id: int):
    return _health_out(selectors.project_health(project_for_user(request.auth, project_id)))


@router.get("/health/at-risk", response=list[AtRiskOut])
def at_risk(request):
    member = require_team(request.auth)
    return [
        {"client_id": s.client_id, "client": s.client.name, "score": s.score, "taken_on": s.taken_on}
        for s in selectors.clients_at_risk(member.organization_id)[:500]
    ]


# --- close-out evaluation ------------------------------------------------------------------------------


class EvaluationOut(Schema):
    id: int
    project_id: int
    status: str
    commentary: str
    actual_cost: Decimal | None
    currency: str
    finalised_at: dt.datetime | None
    figures: dict


class EvaluationPatch(Schema):
    commentary: str | None = Field(None, max_length=50000)
    actual_cost: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)


def _evaluation_out(evaluation: CloseoutEvaluation) -> dict:
    data = {
        "id": evaluation.pk,
        "project_id": evaluation.project_id,
        "status": evaluation.status,
        "commentary": evaluation.commentary,
        "actual_cost": evaluation.actual_cost,
        "currency": evaluation.currency,
        "finalised_at": evaluation.finalised_at,
        "figures": services.evaluation_figures(evaluation),
    }
    return Versioned(evaluation, data)


def _evaluation(request, project_id: int, *, manage=False) -> CloseoutEvaluation:
    project = project_for_user(request.auth, project_id, manage=manage)
    evaluation = CloseoutEvaluation.objects.filter(project=project).select_related("project").first()
    if evaluation is None:
        raise Http404
    return evaluation


@router.get("/projects/{project_id}/closeout-evaluation", response=EvaluationOut)
def evaluation_get(request, project_id: int):
    return _evaluation_out(_evaluation(request, project_id))


@router.post("/projects/{project_id}/closeout-evaluation", response={201: EvaluationOut})
def evaluation_start(request, project_id: int):
    project = project_for_user(request.auth, project_id)
    return Status(201, _evaluation_out(services.evaluation_start(actor=request.auth, project=project)))


@router.patch("/projects/{project_id}/closeout-evaluation", response=EvaluationOut)
def evaluation_update(request, project_id: int, payload: EvaluationPatch):
    evaluation = _evaluation(request, project_id, manage=True)
    data = payload.dict(exclude_unset=True)
    services.evaluation_update(
        actor=request.auth,
        evaluation=evaluation,
        commentary=data.get("commentary"),
        actual_cost=data.get("actual_cost", ""),
    )
    return _evaluation_out(evaluation)


@router.post("/projects/{project_id}/closeout-evaluation/finalise", response=EvaluationOut)
def evaluation_finalise(request, project_id: int):
    evaluation = _evaluation(request, project_id, manage=True)
    services.evaluation_finalise(actor=request.auth, evaluation=evaluation)
    return _evaluation_out(evaluation)


# --- retrospectives -------------------------------------------------------------------------------


class RetroActionOut(Schema):
    id: int
    title: str
    owner_id: int | None
    due_date: dt.date | None
    done_at: dt.datetime | None
    applied_to_template: str


class RetroIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    held_on: dt.date | None = None
    went_well: str = Field("", max_length=50000)
    to_improve: str = Field("", max_length=50000)


class RetroPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    held_on: dt.date | None = None
    went_well: str | None = Field(None, max_length=50000)
    to_improve: str | None = Field(None, max_length=50000)


class RetroOut(Schema):
    id: int
    project_id: int
    title: str
    held_on: dt.date
    went_well: str
    to_improve: str


class RetroDetail(RetroOut):
    actions: list[RetroActionOut]


class RetroPage(ListPage):
    items: list[RetroOut]
    next_cursor: str | None


class RetroActionIn(Schema):
    title: str = Field(..., min_length=1, max_length=300)
    owner_id: int | None = None
    due_date: dt.date | None = None


class RetroActionPatch(Schema):
    done: bool


def _retro(request, retro_id: int, *, write=False) -> Retrospective:
    return project_object_for_user(request.auth, Retrospective.objects.all(), retro_id, write=write)


def _retro_detail(retro: Retrospective) -> dict:
    data = {**RetroOut.from_orm(retro).dict(), "actions": list(retro.actions.order_by("due_date", "id"))}
    return Versioned(retro, data)


@router.get("/projects/{project_id}/retrospectives", response=RetroPage)
def retro_list(request, project_id: int, page: Query[PageQuery]):
    project = project_for_user(request.auth, project_id)
    return keyset_page(
        Retrospective.objects.filter(organization_id=project.organization_id, project=project), page
    )


@router.post("/projects/{project_id}/retrospectives", response={201: RetroDetail})
def retro_create(request, project_id: int, payload: RetroIn):
    project = project_for_user(request.auth, project_id, write=True)
    retro = services.retrospective_create(actor=request.auth, project=project, **payload.dict())
    return Status(201, _retro_detail(retro))


@router.get("/retrospectives/{retro_id}", response=RetroDetail)
def retro_get(request, retro_id: int):
    return _retro_detail(_retro(request, retro_id))


@router.patch("/retrospectives/{retro_id}", response=RetroDetail)
def retro_update(request, retro_id: int, payload: RetroPatch):
    retro = _retro(request, retro_id)
    services.retrospective_update(actor=request.auth, retro=retro, **payload.dict(exclude_unset=True))
    return _retro_detail(retro)


@router.delete("/retrospectives/{retro_id}", response={204: None})
def retro_delete(request, retro_id: int):
    retro = _retro(request, retro_id)
    services.retrospective_delete(actor=request.auth, retro=retro)
    return Status(204, None)


@router.post("/retrospectives/{retro_id}/actions", response={201: RetroActionOut})
def action_add(request, retro_id: int, payload: RetroActionIn):
    retro = _retro(request, retro_id, write=True)
    owner = None
    if payload.owner_id is not None:
        owner = User.objects.filter(pk=payload.owner_id).first()
        if owner is None:
            raise ValidationError({"owner_id": _("Choose a member of your team as the owner.")})
    action = services.retro_action_add(
        actor=request.auth, retro=retro, title=payload.title, owner=owner, due_date=payload.due_date
    )
    return Status(201, action)


def _action(request, action_id: int) -> RetroAction:
    action = org_get(request.auth, RetroAction.objects.all(), action_id)
    _retro(request, action.retrospective_id, write=True)
    return action


@router.patch("/retro-actions/{action_id}", response=RetroActionOut)
@versioned_by(_action)
def action_update(request, action_id: int, payload: RetroActionPatch):
    action = _action(request, action_id)
    return services.retro_action_set_done(actor=request.auth, action=action, done=payload.done)


@router.delete("/retro-actions/{action_id}", response={204: None})
@versioned_by(_action)
def action_delete(request, action_id: int):
    action = _action(request, action_id)
    services.retro_action_delete(actor=request.auth, action=action)
    return Status(204, None)


# --- lessons learned ------------------------------------------------------------------------------


class LessonIn(Schema):
    title: str = Field(..., min_length=1, max_length=300)
    description: str = Field("", max_length=50000)
    recommendation: str = Field("", max_length=50000)
    industry: str | None = Field(None, max_length=20)
    category: LessonCategory = LessonCategory.OTHER
    phase: Phase = Phase.EXECUTION
    tags: str = Field("", max_length=300)
    project_id: int | None = None


class LessonPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = Field(None, max_length=50000)
    recommendation: str | None = Field(None, max_length=50000)
    industry: str | None = Field(None, max_length=20)
    category: LessonCategory | None = None
    phase: Phase | None = None
    tags: str | None = Field(None, max_length=300)


class LessonOut(Schema):
    id: int
    title: str
    description: str
    recommendation: str
    industry: str
    category: str
    phase: str
    tags: str
    project_id: int | None


class LessonPage(ListPage):
    items: list[LessonOut]
    next_cursor: str | None


class LessonQuery(PageQuery):
    q: str = Field("", max_length=200)
    industry: str = Field("", max_length=20)
    category: str = Field("", max_length=20)
    phase: str = Field("", max_length=12)


def _lesson(request, lesson_id: int) -> Lesson:
    return org_get(require_team(request.auth), Lesson.objects.all(), lesson_id)


@router.get("/lessons", response=LessonPage)
def lesson_list(request, page: Query[LessonQuery]):
    member = require_team(request.auth)
    qs = selectors.lesson_search(
        member.organization_id, q=page.q, industry=page.industry, category=page.category, phase=page.phase
    )
    return keyset_page(qs, page, q=page.q)


@router.post("/lessons", response={201: LessonOut})
def lesson_create(request, payload: LessonIn):
    member = require_team(request.auth)
    project = project_for_user(member, payload.project_id) if payload.project_id is not None else None
    data = payload.dict(exclude={"project_id"})
    if data.get("industry") is None:
        data.pop("industry")
    lesson = services.lesson_create(actor=member, project=project, **data)
    return Status(201, lesson)


@router.get("/lessons/{lesson_id}", response=LessonOut)
def lesson_get(request, lesson_id: int):
    return _lesson(request, lesson_id)


@router.patch("/lessons/{lesson_id}", response=LessonOut)
def lesson_update(request, lesson_id: int, payload: LessonPatch):
    lesson = _lesson(request, lesson_id)
    return services.lesson_update(actor=request.auth, lesson=lesson, **payload.dict(exclude_unset=True))


@router.delete("/lessons/{lesson_id}", response={204: None})
def lesson_delete(request, lesson_id: int):
    lesson = _lesson(request, lesson_id)
    services.lesson_delete(actor=request.auth, lesson=lesson)
    return Status(204, None)


@router.get("/projects/{project_id}/lessons", response=list[LessonOut])
def project_lessons(request, project_id: int):
    return selectors.relevant_lessons(project_for_user(request.auth, project_id))
