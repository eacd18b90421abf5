"""REST API for the organisation's people and settings: members and their roles, invitations, and
the organisation's settings (administrators only, as on the web). Who may change whose role is
decided by the services' one rule table (ROLE_RULES), never here."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import StringConstraints

from accord.core.conditional import versioned_by
from accord.lib.versioning import Versioned
from accord.tenancy.access import contact_for_user, org_get_for_admin, require_admin

from . import services
from .forms import INTERFACE_LANGUAGES, LogoForm
from .models import Invitation, Membership, Role

router = Router(tags=["organisation"])

LanguageCode = Literal[tuple(code for code, _label in INTERFACE_LANGUAGES) + ("en",)]  # type: ignore[valid-type]


def _refused_by_rules(actor, membership, role: str | None = None) -> bool:
    """Whether the one rule table (ROLE_RULES) refuses ``actor`` this change of ``membership``."""
    if not services.can_manage_membership(actor, membership):
        return True
    return role is not None and role not in services.manageable_roles(actor)


def _membership_call(fn, *, actor, membership, **kwargs):
    """Run a membership service; a refusal by the role rules is a 403 with the service's message,
    anything else the service refuses (the last owner …) a 422."""
    try:
        return fn(actor=actor, membership=membership, **kwargs)
    except ValidationError as exc:
        if _refused_by_rules(actor, membership, kwargs.get("role")):
            raise HttpError(403, " ".join(exc.messages)) from None
        raise


# --- members ------------------------------------------------------------------------------------


class MemberOut(Schema):
    id: int
    user_id: int
    email: str
    full_name: str
    role: str
    is_active: bool
    can_manage: bool = Field(..., description="Whether you may change this person's role or remove them.")


class MemberRoleIn(Schema):
    role: Role


def _member_out(actor, membership) -> dict:
    data = {
        "id": membership.pk,
        "user_id": membership.user_id,
        "email": membership.user.email,
        "full_name": membership.user.full_name,
        "role": membership.role,
        "is_active": membership.is_active,
        "can_manage": services.can_manage_membership(actor, membership),
    }
    return Versioned(membership, data)  # so that the answer carries its ETag


def _membership(request, membership_id: int) -> Membership:
    """The membership a write names (If-Match is checked against it)."""
    return org_get_for_admin(request.auth, Membership.objects.all(), membership_id)


@router.get("/members", response=list[MemberOut], summary="The organisation's members")
def member_list(request):
    actor = require_admin(request.auth)
    memberships = (
        Membership.objects.filter(organization_id=actor.organization_id)
        .select_related("user")
        .order_by("role", "user__email")
    )
    return [_member_out(actor, m) for m in memberships]


@router.patch("/members/{membership_id}", response=MemberOut, summary="Change a member's role")
@versioned_by(_membership)
def member_update(request, membership_id: int, payload: MemberRoleIn):
    actor = request.auth
    target = org_get_for_admin(actor, Membership.objects.select_related("user"), membership_id)
    target = _membership_call(
        services.membership_update_role, actor=actor, membership=target, role=str(payload.role.value)
    )
    return _member_out(actor, target)


@router.delete(
    "/members/{membership_id}", response={204: None}, summary="Remove someone from the organisation"
)
@versioned_by(_membership)
def member_remove(request, membership_id: int):
    actor = request.auth
    target = org_get_for_admin(actor, Membership.objects.select_related("user"), membership_id)
    _membership_call(services.membership_remove, actor=actor, membership=target)
    return Status(204, None)


# --- invitations --------------------------------------------------------------------------------


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    contact_id: int | None
    invited_by_id: int | None
    created_at: dt.datetime
    expires_at: dt.datetime
    is_usable: bool


class InvitationIn(Schema):
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]
    role: Role
    contact_id: int | None = Field(None, description="For a client contact invitation: the contact.")


def _invitation_out(invitation) -> dict:
    data = {
        "id": invitation.pk,
        "email": invitation.email,
        "role": invitation.role,
        "contact_id": invitation.contact_id,
        "invited_by_id": invitation.invited_by_id,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "is_usable": invitation.is_usable,
    }
    return Versioned(invitation, data)  # so that the answer carries its ETag


@router.get("/invitations", response=list[InvitationOut], summary="Invitations not accepted yet")
def invitation_list(request):
    actor = require_admin(request.auth)
    invitations = Invitation.objects.filter(
        organization_id=actor.organization_id, accepted_at__isnull=True
    ).order_by("-created_at", "-id")
    return [_invitation_out(i) for i in invitations]


@router.post("/invitations", response={201: InvitationOut}, summary="Invite someone by e-mail")
def invitation_create(request, payload: InvitationIn):
    actor = require_admin(request.auth)
    try:
        validate_email(payload.email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}) from None
    contact = None
    if payload.contact_id is not None:
        try:
            contact = contact_for_user(actor, payload.contact_id)
        except Http404:
            raise ValidationError(
                {"contact_id": _("No contact with this id in your organisation.")}
            ) from None
    try:
        invitation, _raw = services.invitation_create(
            actor=actor, email=payload.email, role=str(payload.role.value), contact=contact
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "contact" in exc.error_dict:
            raise ValidationError(
                {("contact_id" if k == "contact" else k): v for k, v in exc.error_dict.items()}
            ) from None
        raise
    return Status(201, _invitation_out(invitation))


@router.delete("/invitations/{invitation_id}", response={204: None}, summary="Revoke an invitation")
@versioned_by(
    lambda request, invitation_id: org_get_for_admin(request.auth, Invitation.objects.all(), invitation_id)
)
def invitation_revoke(request, invitation_id: int):
    actor = request.auth
    invitation = org_get_for_admin(actor, Invitation.objects.all(), invitation_id)
    services.invitation_revoke(actor=actor, invitation=invitation)
    return Status(204, None)


# --- organisation settings -----------------------------------------------------------------------


class OrganizationOut(Schema):
    id: int
    name: str
    slug: str
    default_language: str
    default_timezone: str
    default_currency: str
    brand_color: str
    require_two_factor: bool
    has_logo: bool = Field(False, description="Whether a logo is set; GET /organization/logo returns it.")

    @staticmethod
    def resolve_has_logo(obj) -> bool:
        return bool(obj.logo)


class OrganizationPatch(Schema):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    default_language: LanguageCode | None = None
    default_timezone: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        None, description="IANA name, e.g. Asia/Shanghai."
    )
    default_currency: Annotated[str, StringConstraints(max_length=3)] | None = Field(
        None, description="ISO 4217 code, e.g. CNY."
    )
    brand_color: Annotated[str, StringConstraints(strip_whitespace=True, max_length=7)] | None = Field(
        None, description="#RRGGBB."
    )


@router.get("/organization", response=OrganizationOut, summary="The organisation's settings")
def organization_get(request):
    return require_admin(request.auth).organization


@router.patch("/organization", response=OrganizationOut, summary="Change the organisation's settings")
def organization_patch(request, payload: OrganizationPatch):
    actor = request.auth
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.organization_update(actor=actor, organization=actor.organization, **fields)


@router.post(
    "/organization/logo",
    response=OrganizationOut,
    summary="Upload the organisation's logo",
    description="A PNG, JPEG, GIF or WebP image of at most 1 MB, as multipart/form-data field `logo`; "
    "it replaces the current logo on pages, e-mails and PDFs.",
)
def organization_logo_upload(request, logo: File[UploadedFile]):
    actor = request.auth
    services.require_settings_editor(actor, actor.organization)
    form = LogoForm(files={"logo": logo})
    if not form.is_valid():
        raise ValidationError({"logo": form.errors["logo"]})
    return services.organization_update(
        actor=actor, organization=actor.organization, logo=form.cleaned_data["logo"]
    )


@router.delete("/organization/logo", response=OrganizationOut, summary="Remove the organisation's logo")
def organization_logo_delete(request):
    actor = request.auth
    return services.organization_update(actor=actor, organization=actor.organization, logo=None)
