"""REST API of the needs register (/api/v1/projects/{id}/needs, /needs/{id})."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from accord.core.apikit import ERRORS, service_call, short
from accord.core.pagination import ListPage, PageQuery, keyset_page
from accord.crm.models import Contact, Interaction
from accord.meetings.models import Meeting
from accord.projects.models import Milestone, Task
from accord.tenancy.access import project_for_user, project_object_for_user

from . import selectors, services
from .models import Need, NeedStatus

# MoSCoW as an inline literal: a named enum would share its OpenAPI name ("Priority") with
# support requests' priority.
MoSCoW = Literal["must", "should", "could", "wont"]

router = Router(tags=["needs"])


class NeedOut(Schema):
    id: int
    project_id: int
    title: str
    description: str
    business_goal: str
    priority: MoSCoW
    acceptance_criteria: str
    source_contact_id: int | None
    source_interaction_id: int | None
    source_meeting_id: int | None
    milestone_id: int | None
    status: NeedStatus
    task_ids: list[int]
    delivered: bool
    accepted: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_task_ids(obj) -> list[int]:
        return [link.task_id for link in obj.task_links.all()]

    @staticmethod
    def resolve_delivered(obj) -> bool:
        return obj.is_delivered

    @staticmethod
    def resolve_accepted(obj) -> bool:
        return obj.is_accepted


class NeedPage(ListPage):
    items: list[NeedOut]
    next_cursor: str | None


class NeedFields(Schema):
    description: short(20000) | None = None
    business_goal: short(5000) | None = None
    priority: MoSCoW | None = None
    acceptance_criteria: short(20000) | None = None
    source_contact_id: int | None = None
    source_interaction_id: int | None = None
    source_meeting_id: int | None = None
    milestone_id: int | None = None
    task_ids: list[int] | None = None


class NeedIn(NeedFields):
    title: short(300)


class NeedPatch(NeedFields):
    title: short(300) | None = None


class NeedFilters(Schema):
    status: NeedStatus | None = None
    priority: MoSCoW | None = None


class NeedStatusIn(Schema):
    status: NeedStatus


def _ref(model, for_project, pk, field, **filters):
    if pk is None:
        return None
    obj = model.objects.filter(organization_id=for_project.organization_id, pk=pk, **filters).first()
    if obj is None:
        raise ValidationError({field: _("No such record on this project.")})
    return obj


def _values(project, payload: Schema) -> tuple[dict, list | None]:
    data = payload.dict(exclude_unset=True)
    task_ids = data.pop("task_ids", None)
    for key in ("description", "business_goal", "acceptance_criteria"):
        if key in data and data[key] is None:
            data[key] = ""
    for key in ("priority", "title"):
        if key in data and data[key] is None:
            data.pop(key)
    if "source_contact_id" in data:
        data["source_contact"] = _ref(
            Contact, project, data.pop("source_contact_id"), "source_contact_id", client_id=project.client_id
        )
    if "source_interaction_id" in data:
        data["source_interaction"] = _ref(
            Interaction,
            project,
            data.pop("source_interaction_id"),
            "source_interaction_id",
            client_id=project.client_id,
        )
    if "source_meeting_id" in data:
        data["source_meeting"] = _ref(
            Meeting, project, data.pop("source_meeting_id"), "source_meeting_id", project=project
        )
    if "milestone_id" in data:
        data["milestone"] = _ref(
            Milestone, project, data.pop("milestone_id"), "milestone_id", project=project
        )
    tasks = None
    if task_ids is not None:
        if len(task_ids) > 500:
            raise ValidationError({"task_ids": _("Link at most 500 tasks.")})
        tasks = list(
            Task.objects.filter(organization_id=project.organization_id, project=project, pk__in=task_ids)
        )
        if len(tasks) != len(set(task_ids)):
            raise ValidationError({"task_ids": _("Choose tasks of this project.")})
    return data, tasks


def _out(need_id: int) -> Need:
    return Need.objects.prefetch_related("task_links").get(pk=need_id)


@router.get("/projects/{project_id}/needs", response={200: NeedPage, **ERRORS}, summary="The project's needs")
def needs_list(request, project_id: int, filters: Query[NeedFilters], page: Query[PageQuery]):
    project = project_for_user(request.auth, project_id)
    qs = selectors.need_list(
        Need.objects.filter(organization_id=project.organization_id, project=project),
        status=filters.status,
        priority=filters.priority,
    ).prefetch_related("task_links")
    return keyset_page(qs, page)


@router.post("/projects/{project_id}/needs", response={201: NeedOut, **ERRORS}, summary="Record a need")
def needs_create(request, project_id: int, payload: NeedIn):
    member = request.auth
    project = project_for_user(member, project_id, write=True)
    data, tasks = _values(project, payload)
    need = service_call(services.need_create, actor=member, project=project, tasks=tasks, **data)
    return Status(201, _out(need.pk))


@router.get("/needs/{need_id}", response={200: NeedOut, **ERRORS}, summary="One need")
def needs_get(request, need_id: int):
    return project_object_for_user(request.auth, Need.objects.prefetch_related("task_links"), need_id)


@router.patch("/needs/{need_id}", response={200: NeedOut, **ERRORS}, summary="Change a need")
def needs_patch(request, need_id: int, payload: NeedPatch):
    member = request.auth
    need = project_object_for_user(member, Need.objects.all(), need_id, write=True)
    data, tasks = _values(need.project, payload)
    service_call(services.need_update, actor=member, need=need, tasks=tasks, **data)
    return _out(need.pk)


@router.post("/needs/{need_id}/status", response={200: NeedOut, **ERRORS}, summary="Move a need to a status")
def needs_status(request, need_id: int, payload: NeedStatusIn):
    member = request.auth
    need = project_object_for_user(member, Need.objects.all(), need_id, write=True)
    service_call(services.need_set_status, actor=member, need=need, status=payload.status)
    return _out(need.pk)


@router.delete("/needs/{need_id}", response={204: None, **ERRORS}, summary="Delete a need")
def needs_delete(request, need_id: int):
    member = request.auth
    need = project_object_for_user(member, Need.objects.all(), need_id)
    services.need_delete(actor=member, need=need)
    return Status(204, None)
