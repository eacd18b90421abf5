"""REST API for support by e-mail: the organisation's support addresses (administrators) and the
mail waiting for the team (attach to a request, open a request from it, discard it), through the
services the support pages use."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints

from accord.core.apikit import ERRORS, service_call
from accord.core.conditional import versioned_by
from accord.core.pagination import MAX_LIMIT
from accord.tenancy.access import (
    can_write_project,
    org_get,
    org_get_for_admin,
    project_for_user,
    projects_for_user,
    require_team,
)

from . import mail as support_mail
from . import selectors, services
from .models import Priority, SupportMail, SupportMailbox, SupportRequest

router = Router(tags=["support mail"])


# Service field names → the names the API uses for them.
API_FIELD = {"project": "project_id", "request": "request_id"}


def _call(fn, **kwargs):
    return service_call(fn, rename=API_FIELD, **kwargs)


def _project_ref(member, project_id: int | None, *, write: bool = False):
    """The project a body names; one the caller cannot see is refused on the field."""
    if project_id is None:
        return None
    try:
        return project_for_user(member, project_id, write=write)
    except Http404:
        raise ValidationError({"project_id": _("Choose a project of your organisation.")}) from None


# --- support addresses ---------------------------------------------------------------------------


class MailboxOut(Schema):
    id: int
    address: str
    project_id: int | None
    priority: str
    is_active: bool
    verified_at: dt.datetime | None = Field(..., description="When the address was confirmed; null: waiting.")
    verification_sent_at: dt.datetime | None


class MailboxIn(Schema):
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]
    project_id: int | None = Field(None, description="Only this project's requests; null: all projects.")
    priority: Priority = Priority.NORMAL


@router.get("/support-addresses", response={200: list[MailboxOut], **ERRORS}, summary="Support addresses")
def mailbox_list(request):
    return selectors.mailbox_list(request.auth)


@router.post("/support-addresses", response={201: MailboxOut, **ERRORS}, summary="Add a support address")
def mailbox_create(request, payload: MailboxIn):
    member = request.auth
    services.require_mailbox_admin(member)
    box = _call(
        services.support_mailbox_create,
        actor=member,
        address=payload.address,
        project=_project_ref(member, payload.project_id),
        priority=str(payload.priority.value),
    )
    return Status(201, box)


@router.post(
    "/support-addresses/{mailbox_id}/resend",
    response={200: MailboxOut, **ERRORS},
    summary="Mail a new confirmation link",
)
def mailbox_resend(request, mailbox_id: int):
    member = request.auth
    box = org_get_for_admin(member, SupportMailbox.objects.all(), mailbox_id)
    return _call(services.support_mailbox_resend, actor=member, mailbox=box)


@router.delete(
    "/support-addresses/{mailbox_id}", response={204: None, **ERRORS}, summary="Remove a support address"
)
@versioned_by(
    lambda request, mailbox_id: org_get_for_admin(request.auth, SupportMailbox.objects.all(), mailbox_id)
)
def mailbox_delete(request, mailbox_id: int):
    member = request.auth
    box = org_get_for_admin(member, SupportMailbox.objects.all(), mailbox_id)
    services.support_mailbox_delete(actor=member, mailbox=box)
    return Status(204, None)


# --- mail waiting for the team -------------------------------------------------------------------


class MailOut(Schema):
    id: int
    state: str
    reason: str = Field(..., description="Why it waits: unknown_sender, no_project, other_client …")
    sender: str
    sender_name: str
    subject: str
    body_text: str
    received_at: dt.datetime | None
    mailbox_id: int | None
    project_id: int | None = Field(..., description="The project Accord suggests, if any.")
    refers_to_id: int | None = Field(..., description="The support request it seems to answer, if any.")
    request_id: int | None = Field(..., description="The request it was filed to.")


class MailQuery(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


class MailAttachIn(Schema):
    request_id: int = Field(..., description="The support request the mail answers.")


class MailOpenIn(Schema):
    project_id: int
    priority: Priority = Priority.NORMAL


def _mail_out(mail: SupportMail) -> dict:
    inbound = mail.inbound
    return {
        "id": mail.pk,
        "state": mail.state,
        "reason": mail.reason,
        "sender": inbound.sender if inbound else "",
        "sender_name": inbound.sender_name if inbound else "",
        "subject": inbound.subject if inbound else "",
        "body_text": inbound.body_text if inbound else "",
        "received_at": inbound.received_at if inbound else None,
        "mailbox_id": mail.mailbox_id,
        "project_id": mail.project_id,
        "refers_to_id": mail.refers_to_id,
        "request_id": mail.request_id,
    }


def _mail_for(member, pk) -> SupportMail:
    mail = org_get(member, SupportMail.objects.filter(direction="in").select_related("inbound"), pk)
    require_team(member)
    return mail


@router.get("/support-mail", response={200: list[MailOut], **ERRORS}, summary="Mail waiting for the team")
def unmatched_mail_list(request, query: Query[MailQuery]):
    member = require_team(request.auth)
    return [_mail_out(m) for m in selectors.unmatched_mail_list(member.organization_id)[: query.limit]]


@router.post(
    "/support-mail/{mail_id}/attach",
    response={200: MailOut, **ERRORS},
    summary="Add the mail to a support request as the client's reply",
)
def mail_attach(request, mail_id: int, payload: MailAttachIn):
    member = request.auth
    mail = _mail_for(member, mail_id)
    target = (
        SupportRequest.objects.filter(organization_id=member.organization_id, pk=payload.request_id)
        .select_related("project", "contact")
        .first()
    )
    if target is None or not projects_for_user(member).filter(pk=target.project_id).exists():
        raise ValidationError(
            {"request_id": _("There is no support request with this number that you can see.")}
        )
    if not can_write_project(member, target.project):
        raise ValidationError({"request_id": _("You are not on this request's project.")})
    _call(support_mail.support_mail_add_to_request, actor=member, mail=mail, request=target)
    mail.refresh_from_db()
    return _mail_out(mail)


@router.post(
    "/support-mail/{mail_id}/open",
    response={201: MailOut, **ERRORS},
    summary="Open a support request from the mail",
)
def mail_open(request, mail_id: int, payload: MailOpenIn):
    member = request.auth
    mail = _mail_for(member, mail_id)
    project = _project_ref(member, payload.project_id, write=True)
    _call(
        support_mail.support_mail_open_request,
        actor=member,
        mail=mail,
        project=project,
        priority=str(payload.priority.value),
    )
    mail.refresh_from_db()
    return Status(201, _mail_out(mail))


@router.post("/support-mail/{mail_id}/discard", response={200: MailOut, **ERRORS}, summary="Discard the mail")
def mail_discard(request, mail_id: int):
    member = request.auth
    mail = _mail_for(member, mail_id)
    mail = _call(support_mail.support_mail_discard, actor=member, mail=mail)
    return _mail_out(mail)
