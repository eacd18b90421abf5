"""REST API for clients, contacts and interactions (/api/v1/clients, /contacts, /interactions).

The operations call the same services as the web pages. Ids in a body that name another
organisation's objects are refused with 422 on that field, never linked.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from typing import Annotated

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import StringConstraints

from accord.core.apikit import ERRORS, service_call, short
from accord.core.pagination import ListPage, PageQuery, keyset_page
from accord.core.schemas import FlatOut
from accord.core.search import text_filter
from accord.tenancy.access import (
    client_for_user,
    contact_for_user,
    interaction_for_user,
    projects_for_user,
    require_team,
)
from accord.tenancy.members import team_user

from . import selectors, services
from .models import (
    Cadence,
    Channel,
    ClientStatus,
    CompanySize,
    Contact,
    ContactRole,
    Direction,
    Industry,
    Interaction,
    InteractionKind,
    Language,
    Sentiment,
)

router = Router(tags=["crm"])

MAX_CONTACTS_PER_INTERACTION = 50
MAX_BODY_CHARS = 100_000

Str = Annotated[str, StringConstraints(strip_whitespace=True)]


def _call(fn, **kwargs):
    """``service_call``, telling why a contact's identity may not change (403)."""
    try:
        return service_call(fn, **kwargs)
    except services.IdentityChangeRefused as exc:
        raise HttpError(403, str(exc)) from None


def _blank_nulls(data: dict, nullable: set[str]) -> dict:
    """JSON null for a text field means empty."""
    return {k: ("" if v is None and k not in nullable else v) for k, v in data.items()}


def _client_ref(member, client_id: int):
    """The client a body names; another organisation's is refused on the field, never linked."""
    try:
        return client_for_user(member, client_id)
    except Http404:
        raise ValidationError({"client_id": _("No client with this id in your organisation.")}) from None


# --- clients ------------------------------------------------------------------------------------


class ClientFields(Schema):
    status: ClientStatus | None = None
    industry: Industry | None = None
    size: CompanySize | Annotated[str, StringConstraints(max_length=0)] | None = None
    website: short(200) | None = None
    address: short(2000) | None = None
    language: Language | None = None
    timezone: short(64) | None = Field(None, description="IANA name, e.g. Asia/Shanghai.")
    currency: short(3) | None = Field(None, description="ISO 4217 code, e.g. CNY.")
    tags: short(300) | None = Field(None, description="Separated by commas.")
    owner_id: int | None = Field(None, description="A team member of your organisation.")
    business: short(5000) | None = None
    goals: short(5000) | None = None
    priorities: short(5000) | None = None
    preferred_channel: Channel | None = None
    report_cadence: Cadence | None = None
    notes: short(10000) | None = None


class ClientIn(ClientFields):
    name: short(200) = Field(..., min_length=1)


class ClientPatch(ClientFields):
    name: short(200) | None = Field(None, min_length=1)


class ClientOut(FlatOut):
    id: int
    name: str
    status: str
    industry: str
    size: str
    website: str
    address: str
    language: str
    timezone: str
    currency: str
    tags: str
    owner_id: int | None
    business: str
    goals: str
    priorities: str
    preferred_channel: str
    report_cadence: str
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ClientPage(ListPage):
    items: list[ClientOut]
    next_cursor: str | None


class ClientFilters(Schema):
    q: str | None = Field(None, max_length=100, description="Text in the name, tags, business or contacts.")
    status: ClientStatus | None = None
    industry: Industry | None = None
    tag: str | None = Field(None, max_length=50)


def _client_data(member, payload: Schema, *, partial: bool) -> dict:
    data = payload.dict(exclude_unset=partial)
    if not partial:
        data = {k: v for k, v in data.items() if v is not None or k == "owner_id"}
    data = _blank_nulls(data, {"owner_id"})
    if "owner_id" in data:
        data["owner"] = team_user(member, data.pop("owner_id"), "owner_id")
    return data


@router.get("/clients", response=ClientPage, summary="List clients")
def clients_list(request, filters: Query[ClientFilters], page: Query[PageQuery]):
    member = require_team(request.auth)
    qs = selectors.client_queryset(member.organization_id)
    qs = text_filter(qs, filters.q, functools.partial(selectors.client_text, member.organization_id))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.industry:
        qs = qs.filter(industry=filters.industry)
    if filters.tag:
        qs = qs.filter(tags__icontains=filters.tag.strip())
    return keyset_page(qs, page, q=filters.q)


@router.post("/clients", response={201: ClientOut, **ERRORS}, summary="Create a client")
def clients_create(request, payload: ClientIn):
    member = require_team(request.auth)
    client = _call(services.client_create, actor=member, **_client_data(member, payload, partial=False))
    return Status(201, client)


@router.get("/clients/{client_id}", response={200: ClientOut, **ERRORS}, summary="One client")
def clients_get(request, client_id: int):
    return client_for_user(request.auth, client_id)


@router.patch("/clients/{client_id}", response={200: ClientOut, **ERRORS}, summary="Change a client")
def clients_patch(request, client_id: int, payload: ClientPatch):
    member = request.auth
    client = client_for_user(member, client_id)
    return _call(
        services.client_update, actor=member, client=client, **_client_data(member, payload, partial=True)
    )


@router.delete("/clients/{client_id}", response={204: None, **ERRORS}, summary="Delete a client")
def clients_delete(request, client_id: int):
    member = request.auth
    client = client_for_user(member, client_id)
    _call(services.client_delete, actor=member, client=client)
    return Status(204, None)


# --- contacts -----------------------------------------------------------------------------------


class ContactFields(Schema):
    first_name: short(100) | None = None
    last_name: short(100) | None = None
    name_local: short(100) | None = Field(None, description="The name in Chinese, e.g. 王伟.")
    title: short(150) | None = None
    role: ContactRole | None = None
    email: short(254) | None = None
    email_secondary: short(254) | None = None
    phone: short(40) | None = None
    mobile: short(40) | None = None
    wechat: short(100) | None = None
    wecom: short(100) | None = None
    dingtalk: short(100) | None = None
    feishu: short(100) | None = None
    slack: short(100) | None = None
    teams: short(150) | None = None
    preferred_channel: Channel | None = None
    language: Language | None = None
    timezone: short(64) | None = None
    notes: short(10000) | None = None
    is_active: bool | None = None


class ContactIn(ContactFields):
    client_id: int


class ContactOut(FlatOut):
    id: int
    client_id: int
    display_name: str
    first_name: str
    last_name: str
    name_local: str
    title: str
    role: str
    email: str
    email_secondary: str
    phone: str
    mobile: str
    wechat: str
    wecom: str
    dingtalk: str
    feishu: str
    slack: str
    teams: str
    preferred_channel: str
    language: str
    timezone: str
    notes: str
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class ContactPage(ListPage):
    items: list[ContactOut]
    next_cursor: str | None


class ContactFilters(Schema):
    client_id: int | None = None
    q: str | None = Field(None, max_length=100, description="Text in the names, title or e-mail.")
    role: ContactRole | None = None
    email: str | None = Field(None, max_length=254, description="Exact e-mail address (any case).")


def _contact_data(payload: Schema, *, partial: bool) -> dict:
    data = payload.dict(exclude_unset=partial, exclude={"client_id"})
    if not partial:
        data = {k: v for k, v in data.items() if v is not None}
    if data.get("is_active", True) is None:
        data.pop("is_active")
    return _blank_nulls(data, {"is_active"})


@router.get("/contacts", response=ContactPage, summary="List contacts")
def contacts_list(request, filters: Query[ContactFilters], page: Query[PageQuery]):
    member = require_team(request.auth)
    qs = Contact.objects.filter(organization_id=member.organization_id)
    if filters.client_id is not None:
        qs = qs.filter(client_id=filters.client_id)
    qs = text_filter(qs, filters.q, selectors.contact_text)
    if filters.role:
        qs = qs.filter(role=filters.role)
    if filters.email:
        qs = qs.filter(
            Q(email__iexact=filters.email.strip()) | Q(email_secondary__iexact=filters.email.strip())
        )
    return keyset_page(qs, page, q=filters.q)


@router.post("/contacts", response={201: ContactOut, **ERRORS}, summary="Create a contact")
def contacts_create(request, payload: ContactIn):
    member = require_team(request.auth)
    client = _client_ref(member, payload.client_id)
    contact = _call(
        services.contact_create, actor=member, client=client, **_contact_data(payload, partial=False)
    )
    return Status(201, contact)


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, summary="One contact")
def contacts_get(request, contact_id: int):
    return contact_for_user(request.auth, contact_id)


@router.patch("/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, summary="Change a contact")
def contacts_patch(request, contact_id: int, payload: ContactFields):
    member = request.auth
    contact = contact_for_user(member, contact_id)
    return _call(
        services.contact_update, actor=member, contact=contact, **_contact_data(payload, partial=True)
    )


@router.delete("/contacts/{contact_id}", response={204: None, **ERRORS}, summary="Delete a contact")
def contacts_delete(request, contact_id: int):
    member = request.auth
    contact = contact_for_user(member, contact_id)
    services.contact_delete(actor=member, contact=contact)
    return Status(204, None)


# --- interactions -------------------------------------------------------------------------------


class InteractionFields(Schema):
    project_id: int | None = Field(None, description="A project of the same client.")
    contact_ids: list[int] | None = Field(
        None, max_length=MAX_CONTACTS_PER_INTERACTION, description="Contacts of the same client."
    )
    kind: InteractionKind | None = None
    channel: Channel | Annotated[str, StringConstraints(max_length=0)] | None = None
    direction: Direction | None = None
    occurred_at: dt.datetime | None = Field(None, description="Without an offset: in your time zone.")
    body: short(MAX_BODY_CHARS) | None = Field(None, description="Markdown.")
    sentiment: Sentiment | None = None
    follow_up_on: dt.date | None = None
    follow_up_owner_id: int | None = None


class InteractionIn(InteractionFields):
    client_id: int
    summary: short(300) = Field(..., min_length=1)


class InteractionPatch(InteractionFields):
    summary: short(300) | None = Field(None, min_length=1)


class InteractionOut(FlatOut):  # its contact_ids: _with_contact_ids
    id: int
    client_id: int
    project_id: int | None
    contact_ids: list[int]
    kind: str
    channel: str
    direction: str
    occurred_at: dt.datetime
    summary: str
    body: str
    sentiment: str
    follow_up_on: dt.date | None
    follow_up_owner_id: int | None
    follow_up_done_at: dt.datetime | None
    follow_up_open: bool
    created_by_id: int | None
    source: str
    created_at: dt.datetime
    updated_at: dt.datetime


class InteractionPage(ListPage):
    items: list[InteractionOut]
    next_cursor: str | None


class InteractionFilters(Schema):
    client_id: int | None = None
    project_id: int | None = None
    kind: InteractionKind | None = None
    since: dt.datetime | None = Field(None, description="Occurred at or after.")
    until: dt.datetime | None = Field(None, description="Occurred before.")
    q: str | None = Field(None, max_length=100, description="Text in the summary or details.")
    follow_up_open: bool | None = Field(None, description="true: only open follow-ups; false: none open.")


NULLABLE_INTERACTION = {"project_id", "contact_ids", "follow_up_on", "follow_up_owner_id", "occurred_at"}


def _aware(member, value: dt.datetime | None) -> dt.datetime | None:
    if value is None or timezone.is_aware(value):
        return value
    try:
        zone = zoneinfo.ZoneInfo(member.user.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return timezone.make_aware(value, zone)


def _interaction_data(member, client, payload: Schema, *, partial: bool) -> tuple[dict, list | None]:
    data = payload.dict(exclude_unset=partial, exclude={"client_id"})
    if not partial:
        data = {k: v for k, v in data.items() if v is not None or k in NULLABLE_INTERACTION}
    data = _blank_nulls(data, NULLABLE_INTERACTION)
    contacts = None
    if "contact_ids" in data:
        ids = set(data.pop("contact_ids") or [])
        contacts = list(
            Contact.objects.filter(organization_id=member.organization_id, client=client, pk__in=ids)
        )
        if len(contacts) != len(ids):
            raise ValidationError({"contact_ids": _("Choose contacts of this client only.")})
    if "project_id" in data:
        project_id = data.pop("project_id")
        project = None
        if project_id is not None:
            project = projects_for_user(member).filter(pk=project_id, client=client).first()
            if project is None:
                raise ValidationError({"project_id": _("Choose one of this client’s projects.")})
        data["project"] = project
    if "follow_up_owner_id" in data:
        data["follow_up_owner"] = team_user(member, data.pop("follow_up_owner_id"), "follow_up_owner_id")
    if "occurred_at" in data:
        if data["occurred_at"] is None:
            if partial:
                raise ValidationError({"occurred_at": _("Enter when it happened.")})
            data.pop("occurred_at")
        else:
            data["occurred_at"] = _aware(member, data["occurred_at"])
    return data, contacts


def _with_contact_ids(interactions: list[Interaction]) -> list[Interaction]:
    """Set ``contact_ids`` on ``interactions``, in the contacts' name order: one query of the link
    table (no contact rows)."""
    found: dict[int, list[int]] = {i.pk: [] for i in interactions}
    links = (
        Interaction.contacts.through.objects.filter(interaction_id__in=list(found))
        .order_by("contact__last_name", "contact__first_name", "contact_id")
        .values_list("interaction_id", "contact_id")
    )
    for interaction_id, contact_id in links:
        found[interaction_id].append(contact_id)
    for interaction in interactions:
        interaction.contact_ids = found[interaction.pk]
    return interactions


def _interaction_out(member, pk: int):
    interaction = get_object_or_404(Interaction.objects.filter(organization_id=member.organization_id), pk=pk)
    return _with_contact_ids([interaction])[0]


@router.get("/interactions", response=InteractionPage, summary="List interactions, newest first")
def interactions_list(request, filters: Query[InteractionFilters], page: Query[PageQuery]):
    member = require_team(request.auth)
    # The schema shows ids only: no client, project or user rows, and only the contacts' ids.
    qs = Interaction.objects.filter(organization_id=member.organization_id)
    if filters.client_id is not None:
        qs = qs.filter(client_id=filters.client_id)
    if filters.project_id is not None:
        qs = qs.filter(project_id=filters.project_id)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.since:
        qs = qs.filter(occurred_at__gte=_aware(member, filters.since))
    if filters.until:
        qs = qs.filter(occurred_at__lt=_aware(member, filters.until))
    if filters.since and filters.until and filters.until < filters.since:
        raise ValidationError({"until": _("The end must not be before the start.")})
    if filters.q:
        qs = selectors.interaction_text(qs, filters.q)
    if filters.follow_up_open is True:
        qs = qs.filter(follow_up_on__isnull=False, follow_up_done_at__isnull=True)
    elif filters.follow_up_open is False:
        qs = qs.exclude(follow_up_on__isnull=False, follow_up_done_at__isnull=True)
    result = keyset_page(qs, page, q=filters.q)
    _with_contact_ids(result["items"])
    return result


@router.post("/interactions", response={201: InteractionOut, **ERRORS}, summary="Log an interaction")
def interactions_create(request, payload: InteractionIn):
    member = require_team(request.auth)
    client = _client_ref(member, payload.client_id)
    data, contacts = _interaction_data(member, client, payload, partial=False)
    interaction = _call(
        services.interaction_create,
        actor=member,
        client=client,
        contacts=contacts or [],
        source="api",
        **data,
    )
    return Status(201, _interaction_out(member, interaction.pk))


@router.get(
    "/interactions/{interaction_id}", response={200: InteractionOut, **ERRORS}, summary="One interaction"
)
def interactions_get(request, interaction_id: int):
    member = request.auth
    interaction = interaction_for_user(member, interaction_id)
    return _interaction_out(member, interaction.pk)


@router.patch(
    "/interactions/{interaction_id}",
    response={200: InteractionOut, **ERRORS},
    summary="Change an interaction",
)
def interactions_patch(request, interaction_id: int, payload: InteractionPatch):
    member = request.auth
    interaction = interaction_for_user(member, interaction_id)
    data, contacts = _interaction_data(member, interaction.client, payload, partial=True)
    _call(services.interaction_update, actor=member, interaction=interaction, contacts=contacts, **data)
    return _interaction_out(member, interaction.pk)


@router.post(
    "/interactions/{interaction_id}/follow-up-done",
    response={200: InteractionOut, **ERRORS},
    summary="Mark an interaction's follow-up done",
)
def interactions_follow_up_done(request, interaction_id: int):
    member = request.auth
    interaction = interaction_for_user(member, interaction_id)
    _call(services.interaction_follow_up_done, actor=member, interaction=interaction)
    return _interaction_out(member, interaction.pk)


@router.delete(
    "/interactions/{interaction_id}", response={204: None, **ERRORS}, summary="Delete an interaction"
)
def interactions_delete(request, interaction_id: int):
    member = request.auth
    interaction = interaction_for_user(member, interaction_id)
    services.interaction_delete(actor=member, interaction=interaction)
    return Status(204, None)
