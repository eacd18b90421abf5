"""REST API of project templates (/api/v1/project-templates)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from accord.core.apikit import ERRORS, service_call, short
from accord.core.pagination import ListPage, PageQuery, keyset_page
from accord.crm.models import Client, Contact
from accord.projects.api import Money
from accord.tenancy.access import project_for_user, require_team
from accord.tenancy.members import team_user

from . import services
from .models import ProjectTemplate

router = Router(tags=["playbooks"])


class ProjectTemplateOut(Schema):
    id: int
    key: str
    builtin: bool
    industry: str
    name: dict[str, str]
    description: dict[str, str]
    duration_days: int
    milestones: list[dict[str, Any]]
    comms_plan: list[dict[str, Any]]
    risks: list[dict[str, Any]]
    needs: list[dict[str, Any]]

    @staticmethod
    def resolve_builtin(obj) -> bool:
        return obj.is_builtin


class ProjectTemplatePage(ListPage):
    items: list[ProjectTemplateOut]
    next_cursor: str | None


class TemplateFilters(Schema):
    industry: short(20) | None = None
    builtin: bool | None = None


class TemplatePatch(Schema):
    name: dict[str, str] | None = None
    description: dict[str, str] | None = None
    industry: short(20) | None = None
    duration_days: int | None = None
    milestones: list[dict[str, Any]] | None = None
    comms_plan: list[dict[str, Any]] | None = None
    risks: list[dict[str, Any]] | None = None
    needs: list[dict[str, Any]] | None = None


class ProjectFromTemplateIn(Schema):
    client_id: int
    code: short(30)
    name: short(200)
    start_date: dt.date
    manager_id: int | None = None
    contact_ids: list[int] = []
    budget_amount: Money | None = None
    currency: short(3) | None = None


class ProjectRef(Schema):
    id: int
    code: str
    name: str
    start_date: dt.date
    end_date: dt.date


class DuplicateIn(Schema):
    name: dict[str, str] | None = None


class SaveAsTemplateIn(Schema):
    name: short(200)
    description: short(2000) = ""


def _contacts(member, client, ids: list[int]) -> list:
    if len(ids) > 100:
        raise ValidationError({"contact_ids": _("Name at most 100 contacts.")})
    found = list(Contact.objects.filter(organization_id=member.organization_id, client=client, pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"contact_ids": _("Choose contacts of the project's client.")})
    return found


def _template_for(member, template_id: int) -> ProjectTemplate:
    require_team(member)
    try:
        return services.templates_visible(member.organization_id).get(pk=template_id)
    except ProjectTemplate.DoesNotExist:
        raise Http404 from None


@router.get(
    "/project-templates", response={200: ProjectTemplatePage, **ERRORS}, summary="Built-in and own templates"
)
def templates_list(request, filters: Query[TemplateFilters], page: Query[PageQuery]):
    member = require_team(request.auth)
    qs = services.templates_visible(member.organization_id)
    if filters.industry:
        qs = qs.filter(industry=filters.industry)
    if filters.builtin is not None:
        qs = qs.filter(organization__isnull=filters.builtin)
    return keyset_page(qs, page)


@router.get(
    "/project-templates/{template_id}", response={200: ProjectTemplateOut, **ERRORS}, summary="One template"
)
def templates_get(request, template_id: int):
    return _template_for(request.auth, template_id)


@router.patch(
    "/project-templates/{template_id}",
    response={200: ProjectTemplateOut, **ERRORS},
    summary="Change an own template",
)
def templates_patch(request, template_id: int, payload: TemplatePatch):
    member = request.auth
    template = _template_for(member, template_id)
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return service_call(services.template_update, actor=member, template=template, **data)


@router.delete(
    "/project-templates/{template_id}", response={204: None, **ERRORS}, summary="Delete an own template"
)
def templates_delete(request, template_id: int):
    member = request.auth
    template = _template_for(member, template_id)
    service_call(services.template_delete, actor=member, template=template)
    return Status(204, None)


@router.post(
    "/project-templates/{template_id}/projects",
    response={201: ProjectRef, **ERRORS},
    summary="Start a project from a template",
)
def templates_use(request, template_id: int, payload: ProjectFromTemplateIn):
    member = request.auth
    template = _template_for(member, template_id)
    services.require_template_manager(member, template)
    client = Client.objects.filter(organization_id=member.organization_id, pk=payload.client_id).first()
    if client is None:
        raise ValidationError({"client_id": _("No client with this id in your organisation.")})
    project = service_call(
        services.project_create_from_template,
        actor=member,
        template=template,
        client=client,
        code=payload.code,
        name=payload.name,
        start_date=payload.start_date,
        manager=team_user(member, payload.manager_id, "manager_id"),
        contacts=_contacts(member, client, payload.contact_ids),
        budget_amount=payload.budget_amount,
        currency=payload.currency,
    )
    return Status(201, project)


@router.post(
    "/project-templates/{template_id}/duplicate",
    response={201: ProjectTemplateOut, **ERRORS},
    summary="Copy a template as an own template, to customise it",
)
def templates_duplicate(request, template_id: int, payload: DuplicateIn):
    member = request.auth
    template = _template_for(member, template_id)
    return Status(
        201,
        service_call(
            services.template_duplicate,
            actor=member,
            template=template,
            name=payload.name,
        ),
    )


@router.post(
    "/projects/{project_id}/save-as-template",
    response={201: ProjectTemplateOut, **ERRORS},
    summary="Save a project's plan as an own template",
)
def templates_save_from_project(request, project_id: int, payload: SaveAsTemplateIn):
    member = request.auth
    project = project_for_user(member, project_id)
    return Status(
        201,
        service_call(
            services.template_save_from_project,
            actor=member,
            project=project,
            name=payload.name,
            description=payload.description,
        ),
    )
