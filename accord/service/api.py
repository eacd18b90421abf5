"""Support requests and training sessions over the API (team members; the same services as the web)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from accord.core.pagination import ListPage, PageQuery, keyset_page
from accord.crm.models import Contact
from accord.lib.versioning import Versioned
from accord.tenancy.access import (
    in_visible_projects,
    project_for_user,
    project_object_for_user,
    require_team,
)
from accord.tenancy.models import User

from . import selectors, services
from .models import Priority, RequestStatus, SupportRequest, TrainingSession

router = Router(tags=["service"])


class SupportRequestOut(Schema):
    id: int
    project_id: int
    title: str
    description: str
    priority: str
    status: str
    contact_id: int | None
    assignee_id: int | None
    first_response_due_at: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    sla_breached: bool
    created_at: dt.datetime


class SupportRequestPage(ListPage):
    items: list[SupportRequestOut]
    next_cursor: str | None


class SupportRequestIn(Schema):
    project_id: int
    title: str = Field(..., max_length=200)
    description: str = Field(..., max_length=20000)
    priority: Priority = Priority.NORMAL
    contact_id: int | None = None


class SupportRequestPatch(Schema):
    status: RequestStatus | None = None
    priority: Priority | None = None
    assignee_id: int | None = None


class SupportFilter(PageQuery):
    project_id: int | None = None
    status: RequestStatus | None = None
    priority: Priority | None = None


class ReplyOut(Schema):
    id: int
    author_id: int | None
    from_client: bool
    internal: bool
    body: str
    created_at: dt.datetime


class ReplyIn(Schema):
    body: str = Field(..., max_length=20000)
    internal: bool = False


class TrainingSessionOut(Schema):
    id: int
    project_id: int
    topic: str
    starts_at: dt.datetime
    duration_minutes: int
    location: str
    trainer_id: int | None
    description: str
    attendee_ids: list[int]
    rating_avg: float | None
    feedback_count: int


class TrainingSessionPage(ListPage):
    items: list[TrainingSessionOut]
    next_cursor: str | None


class TrainingSessionIn(Schema):
    project_id: int
    topic: str = Field(..., max_length=200)
    starts_at: dt.datetime
    duration_minutes: int = Field(60, ge=1, le=1440)
    location: str = Field("", max_length=300)
    trainer_id: int | None = None
    description: str = Field("", max_length=20000)
    attendee_ids: list[int] = Field(default_factory=list, max_length=500)


class TrainingSessionPatch(Schema):
    topic: str | None = Field(None, max_length=200)
    starts_at: dt.datetime | None = None
    duration_minutes: int | None = Field(None, ge=1, le=1440)
    location: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=20000)
    attendee_ids: list[int] | None = Field(None, max_length=500)


class TrainingFilter(PageQuery):
    project_id: int | None = None


def _user_in_org(member, user_id: int | None, field: str):
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id, memberships__organization_id=member.organization_id).first()
    if user is None:
        raise ValidationError({field: _("Choose a team member of your organisation.")})
    return user


def _contacts(member, ids: list[int]) -> list[Contact]:
    ids = list(dict.fromkeys(ids))
    found = list(Contact.objects.filter(organization_id=member.organization_id, pk__in=ids))
    if len(found) != len(ids):
        raise ValidationError({"attendee_ids": _("Some attendees are not contacts of your organisation.")})
    return found


def _session_out(session: TrainingSession) -> dict:
    data = {
        "id": session.pk,
        "project_id": session.project_id,
        "topic": session.topic,
        "starts_at": session.starts_at,
        "duration_minutes": session.duration_minutes,
        "location": session.location,
        "trainer_id": session.trainer_id,
        "description": session.description,
        "attendee_ids": sorted(c.pk for c in session.attendees.all()),
        "rating_avg": float(session.rating_avg) if getattr(session, "rating_avg", None) is not None else None,
        "feedback_count": getattr(session, "feedback_count", 0),
    }
    return Versioned(session, data)


def _session_fetch(member, pk) -> TrainingSession:
    project_object_for_user(member, TrainingSession.objects.all(), pk)
    return (
        selectors.training_session_list(
            TrainingSession.objects.filter(organization_id=member.organization_id)
        )
        .prefetch_related("attendees")
        .get(pk=pk)
    )


# --- support requests ------------------------------------------------------------------------


@router.get("/support-requests", response=SupportRequestPage, summary="List support requests")
def support_request_list(request, filters: Query[SupportFilter]):
    member = require_team(request.auth)
    qs = in_visible_projects(SupportRequest.objects.all(), member)
    if filters.project_id is not None:
        qs = qs.filter(project_id=filters.project_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    return keyset_page(selectors.support_request_list(qs), filters)


@router.post("/support-requests", response={201: SupportRequestOut}, summary="Raise a support request")
def support_request_create(request, payload: SupportRequestIn):
    member = require_team(request.auth)
    project = project_for_user(member, payload.project_id, write=True)
    contact = None
    if payload.contact_id is not None:
        contact = Contact.objects.filter(
            organization_id=member.organization_id, pk=payload.contact_id
        ).first()
        if contact is None:
            raise ValidationError({"contact_id": _("Choose a contact of this project's client.")})
    created = services.support_request_create(
        actor=member,
        project=project,
        title=payload.title,
        description=payload.description,
        priority=payload.priority,
        contact=contact,
    )
    return Status(201, created)


@router.get("/support-requests/{request_id}", response=SupportRequestOut, summary="One support request")
def support_request_get(request, request_id: int):
    return project_object_for_user(require_team(request.auth), SupportRequest.objects.all(), request_id)


@router.patch(
    "/support-requests/{request_id}",
    response=SupportRequestOut,
    summary="Change status, priority or assignee",
)
def support_request_patch(request, request_id: int, payload: SupportRequestPatch):
    member = require_team(request.auth)
    support = project_object_for_user(member, SupportRequest.objects.all(), request_id, write=True)
    sent = payload.model_fields_set
    assignee = _user_in_org(member, payload.assignee_id, "assignee_id") if "assignee_id" in sent else None
    return services.support_request_update(
        actor=member,
        request=support,
        status=payload.status,
        priority=payload.priority,
        assignee=assignee,
        assignee_set="assignee_id" in sent,
    )


@router.get("/support-requests/{request_id}/replies", response=list[ReplyOut], summary="The reply thread")
def support_reply_list(request, request_id: int):
    member = require_team(request.auth)
    support = project_object_for_user(member, SupportRequest.objects.all(), request_id)
    return list(selectors.support_replies(support))


@router.post(
    "/support-requests/{request_id}/replies",
    response={201: ReplyOut},
    summary="Reply or add an internal note",
)
def support_reply_create(request, request_id: int, payload: ReplyIn):
    member = require_team(request.auth)
    support = project_object_for_user(member, SupportRequest.objects.all(), request_id, write=True)
    reply = services.support_reply_add(
        actor=member, request=support, body=payload.body, internal=payload.internal
    )
    return Status(201, reply)


# --- training sessions -----------------------------------------------------------------------


@router.get("/training-sessions", response=TrainingSessionPage, summary="List training sessions")
def training_session_list(request, filters: Query[TrainingFilter]):
    member = require_team(request.auth)
    qs = in_visible_projects(TrainingSession.objects.all(), member)
    if filters.project_id is not None:
        qs = qs.filter(project_id=filters.project_id)
    page = keyset_page(selectors.training_session_list(qs).prefetch_related("attendees"), filters)
    return {"items": [_session_out(s) for s in page["items"]], "next_cursor": page["next_cursor"]}


@router.post("/training-sessions", response={201: TrainingSessionOut}, summary="Plan a training session")
def training_session_create(request, payload: TrainingSessionIn):
    member = require_team(request.auth)
    project = project_for_user(member, payload.project_id, write=True)
    session = services.training_session_create(
        actor=member,
        project=project,
        topic=payload.topic,
        starts_at=payload.starts_at,
        duration_minutes=payload.duration_minutes,
        location=payload.location,
        trainer=_user_in_org(member, payload.trainer_id, "trainer_id"),
        description=payload.description,
        attendees=_contacts(member, payload.attendee_ids),
    )
    return Status(201, _session_out(_session_fetch(member, session.pk)))


@router.get("/training-sessions/{session_id}", response=TrainingSessionOut, summary="One training session")
def training_session_get(request, session_id: int):
    member = require_team(request.auth)
    return _session_out(_session_fetch(member, session_id))


@router.patch(
    "/training-sessions/{session_id}", response=TrainingSessionOut, summary="Change a training session"
)
def training_session_patch(request, session_id: int, payload: TrainingSessionPatch):
    member = require_team(request.auth)
    session = project_object_for_user(member, TrainingSession.objects.all(), session_id, write=True)
    fields = {
        key: getattr(payload, key)
        for key in ("topic", "starts_at", "duration_minutes", "location", "description")
        if key in payload.model_fields_set and getattr(payload, key) is not None
    }
    attendees = (
        _contacts(member, payload.attendee_ids)
        if "attendee_ids" in payload.model_fields_set and payload.attendee_ids is not None
        else None
    )
    services.training_session_update(actor=member, session=session, attendees=attendees, **fields)
    return _session_out(_session_fetch(member, session.pk))
