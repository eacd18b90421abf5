"""REST API of the risk register (/api/v1/risks, /risk-actions, /projects/{id}/risks …).

Operations call the same services as the pages. Ids in a body naming another organisation's
objects are refused with 422 on that field.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema, Status

from accord.core.apikit import ERRORS, service_call, short
from accord.core.conditional import versioned_by
from accord.core.pagination import ListPage, PageQuery, keyset_page
from accord.tenancy.access import (
    in_visible_projects,
    org_get,
    project_for_user,
    project_object_for_user,
    require_team,
)
from accord.tenancy.members import team_user

from . import selectors, services
from .models import ContingencyAction, Risk, RiskCategory, RiskLevel, RiskStatus

router = Router(tags=["risks"])

# --- schemas --------------------------------------------------------------------------------


class ContingencyActionOut(Schema):
    id: int
    description: str
    owner_id: int | None
    due_date: dt.date | None
    done: bool
    done_at: dt.datetime | None


class RiskOut(Schema):
    id: int
    project_id: int
    title: str
    description: str
    category: RiskCategory
    probability: int
    impact: int
    score: int
    level: RiskLevel
    owner_id: int | None
    triggers: str
    mitigation: str
    status: RiskStatus
    next_review_on: dt.date | None
    client_visible: bool
    occurred_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class RiskDetailOut(RiskOut):
    actions: list[ContingencyActionOut]

    @staticmethod
    def resolve_actions(obj) -> list:
        return list(obj.actions.all())


class RiskPage(ListPage):
    items: list[RiskOut]
    next_cursor: str | None


class RiskFields(Schema):
    description: short(20000) | None = None
    category: RiskCategory | None = None
    probability: int | None = Field(None, description="1 (rare) to 5 (almost certain).")
    impact: int | None = Field(None, description="1 (negligible) to 5 (severe).")
    owner_id: int | None = None
    triggers: short(5000) | None = None
    mitigation: short(5000) | None = None
    next_review_on: dt.date | None = None
    client_visible: bool | None = None


class RiskIn(RiskFields):
    title: short(300)


class RiskPatch(RiskFields):
    title: short(300) | None = None
    note: short(300) = ""


class RiskFilters(Schema):
    project_id: int | None = None
    status: RiskStatus | None = None
    category: RiskCategory | None = None
    level: RiskLevel | None = None
    owner_id: int | None = None
    review_due: bool | None = Field(None, description="Only active risks whose review date has come.")


class StatusIn(Schema):
    status: RiskStatus


class ReviewIn(Schema):
    next_review_on: dt.date | None
    note: short(500) = ""


class ContingencyActionIn(Schema):
    description: short(500)
    owner_id: int | None = None
    due_date: dt.date | None = None


class ContingencyActionPatch(Schema):
    description: short(500) | None = None
    owner_id: int | None = None
    due_date: dt.date | None = None
    done: bool | None = None


class ScoreChangeOut(Schema):
    id: int
    changed_by_id: int | None
    old_probability: int | None
    old_impact: int | None
    old_score: int | None
    new_probability: int
    new_impact: int
    new_score: int
    note: str
    created_at: dt.datetime


class HeatCell(Schema):
    probability: int
    impact: int
    count: int
    level: RiskLevel


class TaskRef(Schema):
    id: int
    title: str
    kind: str


class ChangeRef(Schema):
    id: int
    title: str
    status: str


def _risk_values(member, payload: Schema, *, exclude_unset: bool) -> dict:
    data = payload.dict(exclude_unset=exclude_unset)
    data.pop("note", None)
    for key in ("description", "triggers", "mitigation"):
        if key in data and data[key] is None:
            data[key] = ""
    for key in ("category", "client_visible", "probability", "impact", "title"):
        if key in data and data[key] is None:
            data.pop(key)
    if "owner_id" in data:
        data["owner"] = team_user(member, data.pop("owner_id"), "owner_id")
    return data


# --- risks ----------------------------------------------------------------------------------


@router.get("/risks", response={200: RiskPage, **ERRORS}, summary="List risks (all visible projects)")
def risks_list(request, filters: Query[RiskFilters], page: Query[PageQuery]):
    member = require_team(request.auth)
    qs = in_visible_projects(Risk.objects.all(), member)
    if filters.project_id is not None:
        qs = qs.filter(project_id=filters.project_id)
    qs = selectors.risk_list(
        qs,
        status=filters.status or "all",
        category=filters.category,
        level=filters.level,
        owner=filters.owner_id,
    )
    if filters.review_due:
        qs = selectors.review_queue(qs)
    return keyset_page(qs, page)


@router.post("/projects/{project_id}/risks", response={201: RiskDetailOut, **ERRORS}, summary="Raise a risk")
def risks_create(request, project_id: int, payload: RiskIn):
    member = request.auth
    project = project_for_user(member, project_id, write=True)
    risk = service_call(
        services.risk_create,
        actor=member,
        project=project,
        **_risk_values(member, payload, exclude_unset=True),
    )
    return Status(201, risk)


@router.get(
    "/risks/{risk_id}", response={200: RiskDetailOut, **ERRORS}, summary="One risk with its contingency plan"
)
def risks_get(request, risk_id: int):
    return project_object_for_user(request.auth, Risk.objects.all(), risk_id)


@router.patch("/risks/{risk_id}", response={200: RiskDetailOut, **ERRORS}, summary="Change a risk")
def risks_patch(request, risk_id: int, payload: RiskPatch):
    member = request.auth
    risk = project_object_for_user(member, Risk.objects.all(), risk_id, write=True)
    return service_call(
        services.risk_update,
        actor=member,
        risk=risk,
        note=payload.note,
        **_risk_values(member, payload, exclude_unset=True),
    )


@router.delete("/risks/{risk_id}", response={204: None, **ERRORS}, summary="Delete a risk")
def risks_delete(request, risk_id: int):
    member = request.auth
    risk = project_object_for_user(member, Risk.objects.all(), risk_id)
    services.risk_delete(actor=member, risk=risk)
    return Status(204, None)


@router.post(
    "/risks/{risk_id}/status", response={200: RiskDetailOut, **ERRORS}, summary="Move a risk to a status"
)
def risks_status(request, risk_id: int, payload: StatusIn):
    member = request.auth
    risk = project_object_for_user(member, Risk.objects.all(), risk_id)
    return service_call(services.risk_set_status, actor=member, risk=risk, status=payload.status)


@router.post("/risks/{risk_id}/review", response={200: RiskDetailOut, **ERRORS}, summary="Record a review")
def risks_review(request, risk_id: int, payload: ReviewIn):
    member = request.auth
    risk = project_object_for_user(member, Risk.objects.all(), risk_id, write=True)
    return service_call(
        services.risk_reviewed,
        actor=member,
        risk=risk,
        next_review_on=payload.next_review_on,
        note=payload.note,
    )


@router.post(
    "/risks/{risk_id}/to-tasks",
    response={201: list[TaskRef], **ERRORS},
    summary="The risk occurred: open issue tasks from its contingency plan",
)
def risks_to_tasks(request, risk_id: int):
    member = request.auth
    risk = project_object_for_user(member, Risk.objects.all(), risk_id)
    return Status(201, service_call(services.risk_occurred_to_tasks, actor=member, risk=risk))


@router.post(
    "/risks/{risk_id}/to-change-request",
    response={201: ChangeRef, **ERRORS},
    summary="The risk occurred: draft a change request",
)
def risks_to_change(request, risk_id: int):
    member = request.auth
    risk = project_object_for_user(member, Risk.objects.all(), risk_id)
    return Status(201, service_call(services.risk_occurred_to_change_request, actor=member, risk=risk))


@router.get(
    "/risks/{risk_id}/score-changes", response={200: list[ScoreChangeOut], **ERRORS}, summary="Score history"
)
def risks_score_changes(request, risk_id: int):
    risk = project_object_for_user(request.auth, Risk.objects.all(), risk_id)
    return list(risk.score_changes.all()[:200])


@router.get(
    "/projects/{project_id}/risk-heat-map", response={200: list[HeatCell], **ERRORS}, summary="5×5 heat map"
)
def risks_heat_map(request, project_id: int):
    project = project_for_user(request.auth, project_id)
    grid = selectors.heat_map(Risk.objects.filter(organization_id=project.organization_id, project=project))
    return [
        {"probability": c["p"], "impact": c["i"], "count": c["n"], "level": c["level"]}
        for row in grid
        for c in row
    ]


# --- contingency actions --------------------------------------------------------------------


def _action_for(member, action_id: int) -> ContingencyAction:
    action = org_get(member, ContingencyAction.objects.select_related("risk"), action_id)
    project_for_user(member, action.risk.project_id, write=True)
    return action


@router.post(
    "/risks/{risk_id}/actions",
    response={201: ContingencyActionOut, **ERRORS},
    summary="Add a contingency action",
)
def actions_create(request, risk_id: int, payload: ContingencyActionIn):
    member = request.auth
    risk = project_object_for_user(member, Risk.objects.all(), risk_id, write=True)
    return Status(
        201,
        service_call(
            services.contingency_action_create,
            actor=member,
            risk=risk,
            description=payload.description,
            owner=team_user(member, payload.owner_id, "owner_id"),
            due_date=payload.due_date,
        ),
    )


@router.patch(
    "/risk-actions/{action_id}",
    response={200: ContingencyActionOut, **ERRORS},
    summary="Change a contingency action",
)
@versioned_by(lambda request, action_id: _action_for(request.auth, action_id))
def actions_patch(request, action_id: int, payload: ContingencyActionPatch):
    member = request.auth
    action = _action_for(member, action_id)
    data = payload.dict(exclude_unset=True)
    if "owner_id" in data:
        data["owner"] = team_user(member, data.pop("owner_id"), "owner_id")
    if data.get("done") is None:
        data.pop("done", None)
    if "description" in data and data["description"] is None:
        data.pop("description")
    return service_call(services.contingency_action_update, actor=member, action=action, **data)


@router.delete(
    "/risk-actions/{action_id}", response={204: None, **ERRORS}, summary="Remove a contingency action"
)
@versioned_by(lambda request, action_id: _action_for(request.auth, action_id))
def actions_delete(request, action_id: int):
    member = request.auth
    action = _action_for(member, action_id)
    services.contingency_action_delete(actor=member, action=action)
    return Status(204, None)
