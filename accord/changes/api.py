"""REST API of change requests and baselines.

Team tokens work on the projects they may see; a client-role token sees, submits and decides
change requests of its own projects only (any other project is a 404).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from accord.core.apikit import ERRORS, service_call, short
from accord.core.pagination import ListPage, PageQuery, keyset_page
from accord.crm.models import Contact
from accord.needs.models import Need
from accord.projects.models import Milestone
from accord.risks.models import Risk
from accord.tenancy.access import (
    org_get,
    portal_contact,
    portal_project_for_user,
    portal_projects,
    project_for_user,
    project_object_for_user,
    projects_for_user,
    require_team,
)

from . import selectors, services
from .models import Baseline, ChangeRequest, ChangeStatus

router = Router(tags=["changes"])

PREFETCH = ("need_links", "milestone_links", "risk_links")


class ChangeOut(Schema):
    id: int
    project_id: int
    title: str
    description: str
    reason: str
    requested_by_id: int | None
    requested_on: dt.date
    status: ChangeStatus
    need_ids: list[int]
    from_risk_id: int | None
    submitted_at: dt.datetime | None
    schedule_days: int
    effort_hours: Decimal
    cost_amount: Decimal
    currency: str
    affected_milestone_ids: list[int]
    new_risk_ids: list[int]
    assessment_notes: str
    assessed_at: dt.datetime | None
    decided_by_id: int | None
    decided_by_name: str
    decided_by_user_id: int | None
    decided_by_email: str
    decided_at: dt.datetime | None
    decision_comment: str
    implemented_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_need_ids(obj) -> list[int]:
        return [link.need_id for link in obj.need_links.all()]

    @staticmethod
    def resolve_affected_milestone_ids(obj) -> list[int]:
        return [link.milestone_id for link in obj.milestone_links.all()]

    @staticmethod
    def resolve_new_risk_ids(obj) -> list[int]:
        return [link.risk_id for link in obj.risk_links.all()]


class ChangePage(ListPage):
    items: list[ChangeOut]
    next_cursor: str | None


class ChangeFilters(Schema):
    project_id: int | None = None
    status: ChangeStatus | None = None


class ChangeIn(Schema):
    title: short(300)
    description: short(20000) = ""
    reason: short(5000) = ""
    requested_by_id: int | None = Field(None, description="A contact of the project's client (team tokens).")
    requested_on: dt.date | None = None
    need_ids: list[int] = []


class ChangePatch(Schema):
    title: short(300) | None = None
    description: short(20000) | None = None
    reason: short(5000) | None = None
    requested_by_id: int | None = None
    requested_on: dt.date | None = None
    need_ids: list[int] | None = None


class AssessmentIn(Schema):
    schedule_days: int = Field(..., description="Days the planned end (and affected milestones) move.")
    effort_hours: Decimal
    cost_amount: Decimal = Field(..., description="In the project's currency.")
    affected_milestone_ids: list[int] = []
    new_risk_ids: list[int] = []
    notes: short(20000) = ""


class ChangeDecisionIn(Schema):
    approve: bool
    name: short(200) = Field(..., description="The decider's name as signed.")
    comment: short(5000) = ""


class RecordDecisionIn(ChangeDecisionIn):
    contact_id: int
    name: short(200) = ""


class BaselineOut(Schema):
    id: int
    version: int
    end_date: dt.date
    milestone_dates: dict[str, str]
    budget_amount: Decimal | None
    currency: str
    reason: str
    change_request_id: int | None
    created_at: dt.datetime

    @staticmethod
    def resolve_reason(obj) -> str:
        return str(obj.display_reason)


class ChangeLogOut(Schema):
    approved: int
    pending: int
    days: int
    hours: Decimal
    cost: Decimal
    currency: str


def _change_for(member, change_id: int, **kwargs) -> ChangeRequest:
    if member is not None and member.is_client:
        # The team's drafts are internal: a client contact sees requests once submitted.
        visible = ChangeRequest.objects.select_related("project").exclude(status=ChangeStatus.DRAFT)
        change = org_get(member, visible, change_id)
        portal_project_for_user(member, change.project_id)
        return change
    return project_object_for_user(member, ChangeRequest.objects.all(), change_id, **kwargs)


def _team_change(member, change_id: int, **kwargs) -> ChangeRequest:
    """A change request the team works on; a client contact may see it but not do this (403)."""
    change = _change_for(member, change_id, **kwargs)
    if member.is_client:
        raise PermissionDenied
    return change


def _out(change_id: int) -> ChangeRequest:
    return ChangeRequest.objects.prefetch_related(*PREFETCH).get(pk=change_id)


def _many(model, project, ids, field: str, limit: int = 200):
    ids = list(ids or [])
    if len(ids) > limit:
        raise ValidationError({field: _("Too many ids.")})
    found = list(model.objects.filter(organization_id=project.organization_id, project=project, pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({field: _("Choose records of this project.")})
    return found


def _contact(project, contact_id, field: str):
    if contact_id is None:
        return None
    contact = Contact.objects.filter(
        organization_id=project.organization_id, client_id=project.client_id, pk=contact_id
    ).first()
    if contact is None:
        raise ValidationError({field: _("Choose a contact of this project's client.")})
    return contact


@router.get("/change-requests", response={200: ChangePage, **ERRORS}, summary="List change requests")
def changes_list(request, filters: Query[ChangeFilters], page: Query[PageQuery]):
    member = request.auth
    projects = portal_projects(member) if member.is_client else projects_for_user(require_team(member))
    qs = ChangeRequest.objects.filter(
        organization_id=member.organization_id, project__in=projects.values("pk")
    )
    if member.is_client:
        qs = qs.exclude(status=ChangeStatus.DRAFT)
    if filters.project_id is not None:
        qs = qs.filter(project_id=filters.project_id)
    qs = selectors.change_list(qs, status=filters.status).prefetch_related(*PREFETCH)
    return keyset_page(qs, page)


@router.post(
    "/projects/{project_id}/change-requests",
    response={201: ChangeOut, **ERRORS},
    summary="Create a change request (a client token submits it at once)",
)
def changes_create(request, project_id: int, payload: ChangeIn):
    member = request.auth
    if member.is_client:
        project = portal_project_for_user(member, project_id)
        needs = _many(Need, project, payload.need_ids, "need_ids")
        change = service_call(
            services.change_request_client_submit,
            actor=member,
            contact=portal_contact(member),
            project=project,
            title=payload.title,
            description=payload.description,
            reason=payload.reason,
            needs=needs,
        )
        return Status(201, _out(change.pk))
    project = project_for_user(member, project_id, write=True)
    change = service_call(
        services.change_request_create,
        actor=member,
        project=project,
        title=payload.title,
        description=payload.description,
        reason=payload.reason,
        requested_by=_contact(project, payload.requested_by_id, "requested_by_id"),
        requested_on=payload.requested_on,
        needs=_many(Need, project, payload.need_ids, "need_ids"),
    )
    return Status(201, _out(change.pk))


@router.get("/change-requests/{change_id}", response={200: ChangeOut, **ERRORS}, summary="One change request")
def changes_get(request, change_id: int):
    return _out(_change_for(request.auth, change_id).pk)


@router.patch(
    "/change-requests/{change_id}", response={200: ChangeOut, **ERRORS}, summary="Edit a change request"
)
def changes_patch(request, change_id: int, payload: ChangePatch):
    member = request.auth
    change = _team_change(member, change_id, write=True)
    data = payload.dict(exclude_unset=True)
    need_ids = data.pop("need_ids", None)
    for key in ("title", "requested_on"):
        if key in data and data[key] is None:
            data.pop(key)
    for key in ("description", "reason"):
        if key in data and data[key] is None:
            data[key] = ""
    if "requested_by_id" in data:
        data["requested_by"] = _contact(change.project, data.pop("requested_by_id"), "requested_by_id")
    needs = None if need_ids is None else _many(Need, change.project, need_ids, "need_ids")
    service_call(services.change_request_update, actor=member, change_request=change, needs=needs, **data)
    return _out(change.pk)


@router.post(
    "/change-requests/{change_id}/submit", response={200: ChangeOut, **ERRORS}, summary="Submit a draft"
)
def changes_submit(request, change_id: int):
    member = request.auth
    change = _team_change(member, change_id)
    service_call(services.change_request_submit, actor=member, change_request=change)
    return _out(change.pk)


@router.post(
    "/change-requests/{change_id}/assessment",
    response={200: ChangeOut, **ERRORS},
    summary="Assess the impact",
)
def changes_assess(request, change_id: int, payload: AssessmentIn):
    member = request.auth
    change = _team_change(member, change_id, write=True)
    service_call(
        services.change_request_assess,
        actor=member,
        change_request=change,
        schedule_days=payload.schedule_days,
        effort_hours=payload.effort_hours,
        cost_amount=payload.cost_amount,
        affected_milestones=_many(
            Milestone, change.project, payload.affected_milestone_ids, "affected_milestone_ids"
        ),
        new_risks=_many(Risk, change.project, payload.new_risk_ids, "new_risk_ids"),
        notes=payload.notes,
    )
    return _out(change.pk)


@router.post(
    "/change-requests/{change_id}/decision",
    response={200: ChangeOut, **ERRORS},
    summary="The client approves or rejects (client contact of the project only)",
)
def changes_decide(request, change_id: int, payload: ChangeDecisionIn):
    member = request.auth
    change = _change_for(member, change_id)
    if not member.is_client:
        raise PermissionDenied
    try:
        service_call(
            services.change_request_decide,
            actor=member,
            change_request=change,
            approve=payload.approve,
            name=payload.name,
            comment=payload.comment,
        )
    except PermissionDenied as exc:
        # Say why: only the sponsor or a decision maker decides for the client.
        raise HttpError(403, str(exc) or _("You do not have permission to do this.")) from None
    return _out(change.pk)


@router.post(
    "/change-requests/{change_id}/recorded-decision",
    response={200: ChangeOut, **ERRORS},
    summary="Record a decision the client gave in writing (project manager)",
)
def changes_record_decision(request, change_id: int, payload: RecordDecisionIn):
    member = request.auth
    change = _team_change(member, change_id, manage=True)
    contact = Contact.objects.filter(organization_id=member.organization_id, pk=payload.contact_id).first()
    if contact is None:
        raise ValidationError({"contact_id": _("Choose a client contact of this project.")})
    try:
        services.change_request_record_decision(
            actor=member,
            change_request=change,
            contact=contact,
            approve=payload.approve,
            name=payload.name,
            comment=payload.comment,
        )
    except PermissionDenied:
        raise ValidationError({"contact_id": _("Choose a client contact of this project.")}) from None
    return _out(change.pk)


@router.post(
    "/change-requests/{change_id}/implemented",
    response={200: ChangeOut, **ERRORS},
    summary="Mark implemented",
)
def changes_implement(request, change_id: int):
    member = request.auth
    change = _team_change(member, change_id)
    service_call(services.change_request_implement, actor=member, change_request=change)
    return _out(change.pk)


@router.get(
    "/projects/{project_id}/baselines",
    response={200: list[BaselineOut], **ERRORS},
    summary="Baseline history",
)
def baselines_list(request, project_id: int):
    project = project_for_user(request.auth, project_id)
    return list(
        Baseline.objects.filter(organization_id=project.organization_id, project=project)
        .select_related("change_request")
        .order_by("-version")[:500]
    )


@router.get(
    "/projects/{project_id}/change-log", response={200: ChangeLogOut, **ERRORS}, summary="Change log totals"
)
def change_log(request, project_id: int):
    project = project_for_user(request.auth, project_id)
    totals = selectors.change_log_totals(
        ChangeRequest.objects.filter(organization_id=project.organization_id, project=project),
        project.currency,
    )
    return {**totals, "currency": project.currency}
