"""REST API for the organisation's IM and e-mail channels (/api/v1/channels), administrators only,
through the services the channel pages use. Secrets (signing secret, SMTP password, inbound
signing secret) are write-only: a response says whether one is stored, never what it is."""

from __future__ import annotations

from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import StringConstraints

from accord.core.apikit import ERRORS, service_call
from accord.core.conditional import versioned_by
from accord.lib.versioning import Versioned
from accord.tenancy.access import org_get_for_admin, project_for_user

from . import selectors, services
from .api import OutboxOut
from .models import ChannelConfig, ChannelKind

router = Router(tags=["channels"])


def _text(n: int):
    return Annotated[str, StringConstraints(strip_whitespace=True, max_length=n)]


class ChannelOut(Schema):
    id: int
    kind: str
    name: str
    url: str
    smtp_host: str
    smtp_port: int | None
    smtp_user: str
    smtp_security: str
    from_email: str
    project_id: int | None
    is_active: bool
    has_secret: bool = Field(..., description="A signing secret or SMTP password is stored.")
    has_inbound_secret: bool
    inbound_path: str | None = Field(None, description="Where the provider posts replies, if it can.")


class ChannelFields(Schema):
    url: _text(1000) | None = Field(None, description="The webhook URL (not for SMTP).")
    smtp_host: _text(255) | None = None
    smtp_port: int | None = Field(None, ge=1, le=65535)
    smtp_user: _text(255) | None = None
    smtp_security: Literal["", "starttls", "ssl"] | None = None
    from_email: _text(255) | None = None
    project_id: int | None = Field(None, description="The project replies are filed to.")
    is_active: bool | None = None
    secret: _text(1000) | None = Field(None, description="Write-only. Empty or absent keeps the stored one.")
    inbound_secret: _text(1000) | None = Field(None, description="Write-only.")


class ChannelIn(ChannelFields):
    kind: ChannelKind
    name: _text(100) = Field(..., min_length=1)


class ChannelPatch(ChannelFields):
    kind: ChannelKind | None = None
    name: _text(100) | None = Field(None, min_length=1)
    clear_secret: bool | None = Field(None, description="Remove the stored secret.")


# Service field names → the names the API uses for them.
API_FIELD = {"project": "project_id"}


def _out(config: ChannelConfig) -> dict:
    data = {
        "id": config.pk,
        "kind": config.kind,
        "name": config.name,
        "url": config.url,
        "smtp_host": config.smtp_host,
        "smtp_port": config.smtp_port,
        "smtp_user": config.smtp_user,
        "smtp_security": config.smtp_security,
        "from_email": config.from_email,
        "project_id": config.project_id,
        "is_active": config.is_active,
        "has_secret": bool(config.secret_encrypted),
        "has_inbound_secret": bool(config.inbound_secret_encrypted),
        "inbound_path": reverse("comms:inbound_hook", args=[config.inbound_token])
        if config.inbound_token
        else None,
    }
    return Versioned(config, data)  # so that the answer carries its ETag


def _channel(request, channel_id: int) -> ChannelConfig:
    """The channel a write names (If-Match is checked against it)."""
    return org_get_for_admin(request.auth, ChannelConfig.objects.all(), channel_id)


def _fields(member, payload: Schema) -> dict:
    """The body as the service's keyword arguments: null text is empty, a project is looked up."""
    data = payload.dict(exclude_unset=True)
    if "project_id" in data:
        project_id = data.pop("project_id")
        try:
            data["project"] = project_for_user(member, project_id) if project_id is not None else None
        except Http404:
            raise ValidationError({"project_id": _("Choose a project of your organisation.")}) from None
    for key in ("url", "smtp_host", "smtp_user", "smtp_security", "from_email", "secret", "inbound_secret"):
        if key in data and data[key] is None:
            data[key] = ""
    for key in ("is_active", "clear_secret", "kind", "name"):
        if key in data and data[key] is None:
            del data[key]
    if "kind" in data:
        data["kind"] = str(data["kind"].value if hasattr(data["kind"], "value") else data["kind"])
    return data


def _call(fn, **kwargs):
    return service_call(fn, rename=API_FIELD, **kwargs)


@router.get("/channels", response={200: list[ChannelOut], **ERRORS}, summary="IM and e-mail channels")
def channel_list(request):
    return [_out(c) for c in selectors.channel_list(request.auth)]


@router.post("/channels", response={201: ChannelOut, **ERRORS}, summary="Add a channel")
def channel_create(request, payload: ChannelIn):
    member = request.auth
    services.require_org_admin(member)  # before the project named in the body is looked up
    config = _call(services.channel_config_create, actor=member, **_fields(member, payload))
    return Status(201, _out(config))


@router.patch("/channels/{channel_id}", response={200: ChannelOut, **ERRORS}, summary="Change a channel")
@versioned_by(_channel)
def channel_update(request, channel_id: int, payload: ChannelPatch):
    member = request.auth
    config = org_get_for_admin(member, ChannelConfig.objects.select_related("project"), channel_id)
    config = _call(services.channel_config_update, actor=member, config=config, **_fields(member, payload))
    return _out(config)


@router.delete("/channels/{channel_id}", response={204: None, **ERRORS}, summary="Delete a channel")
@versioned_by(_channel)
def channel_delete(request, channel_id: int):
    member = request.auth
    config = org_get_for_admin(member, ChannelConfig.objects.all(), channel_id)
    services.channel_config_delete(actor=member, config=config)
    return Status(204, None)


@router.post(
    "/channels/{channel_id}/test",
    response={202: OutboxOut, **ERRORS},
    summary="Send a test message through a channel",
    description="Queues a short test message (for an e-mail channel, to the caller's own address); "
    "its delivery shows in the outbox.",
)
def channel_test(request, channel_id: int):
    member = request.auth
    config = org_get_for_admin(member, ChannelConfig.objects.all(), channel_id)
    return Status(202, services.channel_config_test(actor=member, config=config))
