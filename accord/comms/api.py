"""REST API of the communication hub: plan items, obligations, compliance, outbox, webhook
subscriptions. The operations call the same services as the web pages."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from accord.core.apikit import ERRORS, service_call, short
from accord.core.conditional import versioned_by
from accord.core.pagination import ListPage, PageQuery, keyset_page
from accord.crm.models import Contact
from accord.tenancy.access import (
    org_get,
    project_for_user,
    project_object_for_user,
    projects_for_user,
    require_team,
)
from accord.tenancy.members import team_members

from . import obligations as obligations_mod
from . import selectors, services
from .models import (
    CadenceKind,
    DeliveryCircuit,
    Obligation,
    OutboxMessage,
    OutboxStatus,
    PlanChannel,
    PlanItem,
    Responsibility,
    WebhookSubscription,
)

router = Router(tags=["communication"])


# --- schemas -------------------------------------------------------------------------------------


class PlanItemOut(Schema):
    id: int
    project_id: int
    purpose: str
    content_template: str
    channel: str
    audience_contact_ids: list[int]
    audience_roles: list[str]
    cadence: str
    weekday: int | None
    interval: int
    rrule: str
    owner_id: int
    start_date: dt.date
    end_date: dt.date | None
    is_active: bool

    @staticmethod
    def resolve_audience_contact_ids(obj):
        return [c.pk for c in obj.audience_contacts.all()]


class PlanItemIn(Schema):
    purpose: short(200) = Field(..., min_length=1)
    content_template: str = Field("", max_length=20_000)
    channel: PlanChannel
    audience_contact_ids: list[int] = Field(default_factory=list, max_length=100)
    audience_roles: list[str] = Field(default_factory=list, max_length=10)
    cadence: CadenceKind
    weekday: int | None = Field(None, ge=0, le=6)
    interval: int = Field(1, ge=1, le=52)
    owner_id: int
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    is_active: bool = True


class PlanItemPatch(Schema):
    purpose: short(200) | None = None
    content_template: str | None = Field(None, max_length=20_000)
    channel: PlanChannel | None = None
    audience_contact_ids: list[int] | None = Field(None, max_length=100)
    audience_roles: list[str] | None = Field(None, max_length=10)
    cadence: CadenceKind | None = None
    weekday: int | None = Field(None, ge=0, le=6)
    interval: int | None = Field(None, ge=1, le=52)
    owner_id: int | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    is_active: bool | None = None


class PlanItemPage(ListPage):
    items: list[PlanItemOut]
    next_cursor: str | None


class ObligationOut(Schema):
    id: int
    project_id: int
    plan_item_id: int
    purpose: str
    channel: str
    owner_id: int
    window_start: dt.date
    due_date: dt.date
    status: str
    met_at: dt.datetime | None
    met_on_time: bool
    met_source: str
    met_note: str

    @staticmethod
    def resolve_purpose(obj):
        return obj.plan_item.purpose


class ObligationPage(ListPage):
    items: list[ObligationOut]
    next_cursor: str | None


class ObligationFilters(Schema):
    view: Literal["week", "overdue", "open", "all"] = "all"
    project_id: int | None = None
    client_id: int | None = None


class MeetIn(Schema):
    note: str = Field(..., min_length=1, max_length=2000)


class ComplianceOut(Schema):
    project_id: int
    due: int
    met: int
    met_on_time: int
    rate: float | None


class OutboxOut(Schema):
    id: int
    channel: str
    recipient: str
    subject: str
    status: str
    attempts: int
    last_error: str
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None
    idempotency_key: str
    created_at: dt.datetime


class DeliveryChannelOut(Schema):
    id: int
    key: str
    label: str
    state: str
    consecutive_failures: int
    opened_at: dt.datetime | None
    next_probe_at: dt.datetime | None
    last_error: str
    waiting_count: int
    dead_count: int


class RetriedOut(Schema):
    retried: int


class OutboxPage(ListPage):
    items: list[OutboxOut]
    next_cursor: str | None


class OutboxFilters(Schema):
    status: OutboxStatus | None = None


class SubscriptionOut(Schema):
    id: int
    url: str
    description: str
    events: list[str]
    is_active: bool


class SubscriptionCreated(SubscriptionOut):
    secret: str


class SubscriptionIn(Schema):
    url: str = Field(..., max_length=1000)
    description: str = Field("", max_length=200)
    events: list[str] = Field(..., max_length=50)


class SubscriptionPage(ListPage):
    items: list[SubscriptionOut]
    next_cursor: str | None


# --- helpers ----------------------------------------------------------------------------------------


def _plan_data(member, project, payload, *, partial: bool) -> tuple[dict, list | None]:
    data = payload.dict(exclude_unset=partial)
    contacts = None
    if "audience_contact_ids" in data:
        ids = data.pop("audience_contact_ids") or []
        contacts = list(Contact.objects.filter(organization_id=member.organization_id, pk__in=ids))
        if len(contacts) != len(set(ids)):
            raise ValidationError({"audience_contact_ids": _("Choose contacts of this project's client.")})
    if "owner_id" in data:
        owner_id = data.pop("owner_id")
        owner = team_members(member.organization_id).filter(pk=owner_id).first()
        if owner is None:
            raise ValidationError({"owner_id": _("Choose someone on your team.")})
        data["owner"] = owner
    for key in ("channel", "cadence"):
        if data.get(key) is not None:
            data[key] = str(getattr(data[key], "value", data[key]))
    if partial:
        data = {k: v for k, v in data.items() if v is not None or k in ("end_date", "weekday")}
    elif data.get("start_date") is None:
        data.pop("start_date", None)
    return data, contacts


def _plan_items_qs(project):
    return PlanItem.objects.filter(project=project).prefetch_related("audience_contacts")


# --- plan items -------------------------------------------------------------------------------


@router.get(
    "/projects/{project_id}/plan-items", response={200: PlanItemPage, **ERRORS}, summary="A project's plan"
)
def plan_items_list(request, project_id: int, page: Query[PageQuery]):
    project = project_for_user(request.auth, project_id)
    return keyset_page(_plan_items_qs(project), page)


@router.post(
    "/projects/{project_id}/plan-items", response={201: PlanItemOut, **ERRORS}, summary="Add a plan item"
)
def plan_items_create(request, project_id: int, payload: PlanItemIn):
    member = request.auth
    project = project_for_user(member, project_id, manage=True)
    data, contacts = _plan_data(member, project, payload, partial=False)
    item = service_call(
        services.plan_item_create, actor=member, project=project, contacts=contacts or [], **data
    )
    return Status(201, item)


@router.get("/plan-items/{item_id}", response={200: PlanItemOut, **ERRORS}, summary="One plan item")
def plan_items_get(request, item_id: int):
    return project_object_for_user(
        request.auth, PlanItem.objects.prefetch_related("audience_contacts"), item_id
    )


@router.patch("/plan-items/{item_id}", response={200: PlanItemOut, **ERRORS}, summary="Change a plan item")
def plan_items_patch(request, item_id: int, payload: PlanItemPatch):
    member = request.auth
    item = project_object_for_user(member, PlanItem.objects.all(), item_id, manage=True)
    data, contacts = _plan_data(member, item.project, payload, partial=True)
    return service_call(services.plan_item_update, actor=member, item=item, contacts=contacts, **data)


@router.delete("/plan-items/{item_id}", response={204: None, **ERRORS}, summary="Delete a plan item")
def plan_items_delete(request, item_id: int):
    member = request.auth
    item = project_object_for_user(member, PlanItem.objects.all(), item_id)
    services.plan_item_delete(actor=member, item=item)
    return Status(204, None)


# --- obligations -----------------------------------------------------------------------------------


@router.get("/obligations", response={200: ObligationPage, **ERRORS}, summary="Obligations")
def obligations_list(request, filters: Query[ObligationFilters], page: Query[PageQuery]):
    member = require_team(request.auth)
    qs = selectors.obligation_list(
        projects_for_user(member),
        view=filters.view,
        project_id=filters.project_id,
        client_id=filters.client_id,
    )
    return keyset_page(qs, page)


@router.post("/obligations/{obligation_id}/meet", response={200: ObligationOut, **ERRORS}, summary="Mark met")
def obligations_meet_op(request, obligation_id: int, payload: MeetIn):
    member = request.auth
    obligation = project_object_for_user(
        member, Obligation.objects.select_related("plan_item"), obligation_id, manage=True
    )
    return service_call(services.obligation_tick, actor=member, obligation=obligation, note=payload.note)


@router.get(
    "/projects/{project_id}/compliance", response={200: ComplianceOut, **ERRORS}, summary="Compliance"
)
def project_compliance(request, project_id: int):
    project = project_for_user(request.auth, project_id)
    row = obligations_mod.compliance_for_projects([project.pk]).get(project.pk)
    row = row or {"due": 0, "met": 0, "met_on_time": 0, "rate": None}
    return {"project_id": project.pk, **row}


# --- outbox ----------------------------------------------------------------------------------------


@router.get("/outbox", response={200: OutboxPage, **ERRORS}, summary="Outgoing messages")
def outbox_list(request, filters: Query[OutboxFilters], page: Query[PageQuery]):
    return keyset_page(selectors.outbox_list(request.auth, status=filters.status or ""), page)


@router.get(
    "/outbox/channels",
    response={200: list[DeliveryChannelOut], **ERRORS},
    summary="Delivery channels' health",
)
def outbox_channel_list(request):
    return list(selectors.circuit_list(request.auth))


@router.post(
    "/outbox/channels/{channel_id}/retry",
    response={200: RetriedOut, **ERRORS},
    summary="Retry all failed messages of a channel",
)
def outbox_channel_retry(request, channel_id: int):
    member = request.auth
    require_team(member)
    circuit = org_get(member, DeliveryCircuit.objects.all(), channel_id)
    return {"retried": services.delivery_circuit_retry(actor=member, circuit=circuit)}


@router.post("/outbox/{message_id}/retry", response={200: OutboxOut, **ERRORS}, summary="Retry now")
def outbox_retry(request, message_id: int):
    member = request.auth
    require_team(member)
    message = org_get(member, OutboxMessage.objects.all(), message_id)
    return services.outbox_retry(actor=member, message=message)


# --- webhook subscriptions -------------------------------------------------------------------------


@router.get(
    "/webhook-subscriptions", response={200: SubscriptionPage, **ERRORS}, summary="Webhook subscriptions"
)
def subscriptions_list(request, page: Query[PageQuery]):
    return keyset_page(selectors.subscription_list(request.auth), page)


@router.post("/webhook-subscriptions", response={201: SubscriptionCreated, **ERRORS}, summary="Subscribe")
def subscriptions_create(request, payload: SubscriptionIn):
    sub, secret = services.webhook_subscription_create(
        actor=request.auth, url=payload.url, events=payload.events, description=payload.description
    )
    return Status(
        201,
        {
            "id": sub.pk,
            "url": sub.url,
            "description": sub.description,
            "events": sub.events,
            "is_active": sub.is_active,
            "secret": secret,
        },
    )


def _subscription(request, subscription_id: int) -> WebhookSubscription:
    member = require_team(request.auth)
    sub = org_get(member, WebhookSubscription.objects.all(), subscription_id)
    services.require_org_admin(member, sub)
    return sub


@router.delete(
    "/webhook-subscriptions/{subscription_id}", response={204: None, **ERRORS}, summary="Unsubscribe"
)
@versioned_by(_subscription)
def subscriptions_delete(request, subscription_id: int):
    member = request.auth
    sub = _subscription(request, subscription_id)
    services.webhook_subscription_delete(actor=member, sub=sub)
    return Status(204, None)


# --- responsibility matrix and plan copy ----------------------------------------------------------


class ResponsibilityOut(Schema):
    id: int
    project_id: int
    user_id: int
    contact_id: int
    channel: str
    note: str


class ResponsibilityIn(Schema):
    user_id: int
    contact_id: int
    channel: PlanChannel
    note: str = Field("", max_length=300)


class ResponsibilityPage(ListPage):
    items: list[ResponsibilityOut]
    next_cursor: str | None


class PlanCopyIn(Schema):
    source_project_id: int


class PlanCopyOut(Schema):
    copied: int


@router.get(
    "/projects/{project_id}/responsibilities",
    response={200: ResponsibilityPage, **ERRORS},
    summary="A project's responsibility matrix",
)
def responsibilities_list(request, project_id: int, page: Query[PageQuery]):
    project = project_for_user(request.auth, project_id)
    return keyset_page(Responsibility.objects.filter(project=project), page)


@router.post(
    "/projects/{project_id}/responsibilities",
    response={201: ResponsibilityOut, **ERRORS},
    summary="Add a line to the responsibility matrix",
)
def responsibilities_create(request, project_id: int, payload: ResponsibilityIn):
    member = request.auth
    project = project_for_user(member, project_id, manage=True)
    user = team_members(member.organization_id).filter(pk=payload.user_id).first()
    if user is None:
        raise ValidationError({"user_id": _("Choose someone on your team.")})
    contact = Contact.objects.filter(organization_id=member.organization_id, pk=payload.contact_id).first()
    if contact is None:
        raise ValidationError({"contact_id": _("Choose a contact of this project's client.")})
    row = services.responsibility_create(
        actor=member,
        project=project,
        user=user,
        contact=contact,
        channel=str(payload.channel.value),
        note=payload.note,
    )
    return Status(201, row)


@router.delete(
    "/responsibilities/{row_id}", response={204: None, **ERRORS}, summary="Remove a line of the matrix"
)
@versioned_by(
    lambda request, row_id: project_object_for_user(
        request.auth, Responsibility.objects.all(), row_id, manage=True
    )
)
def responsibilities_delete(request, row_id: int):
    member = request.auth
    row = project_object_for_user(member, Responsibility.objects.all(), row_id)
    services.responsibility_delete(actor=member, row=row)
    return Status(204, None)


@router.post(
    "/projects/{project_id}/plan-copy",
    response={200: PlanCopyOut, **ERRORS},
    summary="Copy another project's plan",
)
def plan_copy(request, project_id: int, payload: PlanCopyIn):
    member = request.auth
    target = project_for_user(member, project_id, manage=True)
    try:
        source = project_for_user(member, payload.source_project_id)
    except Http404:
        raise ValidationError({"source_project_id": _("Choose a project of your organisation.")}) from None
    return {"copied": services.plan_copy(actor=member, source=source, target=target)}
