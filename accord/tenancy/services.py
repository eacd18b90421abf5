"""Organisations, people, invitations and API tokens."""

from __future__ import annotations

import copy
import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accord.audit.services import audit_create, audit_event, update_fields
from accord.lib.colour import HEX_COLOUR, MIN_TEXT_CONTRAST, contrast_with_white
from accord.lib.money import currency_for_locale

from .models import ApiToken, Invitation, Membership, Organization, Role, TokenScope, User, hash_token

INVITATION_DAYS = 14


@transaction.atomic
def organization_create(*, name: str, owner: User, slug: str = "", **fields) -> Organization:
    """A new organisation with ``owner`` as its owner.

    Language, time zone and currency not given are the creator's (their language, their zone, the
    currency of their language's region), so a team does not start in someone else's defaults.
    """
    if not fields.get("default_language"):
        fields["default_language"] = owner.language or settings.LANGUAGE_CODE
    if not fields.get("default_timezone"):
        fields["default_timezone"] = owner.timezone or "UTC"
    if not fields.get("default_currency"):
        guessed = currency_for_locale(fields["default_language"])
        if guessed:
            fields["default_currency"] = guessed
        else:
            fields.pop("default_currency", None)
    base = slugify(slug or name)[:50] or "org"
    candidate, n = base, 1
    while Organization.objects.filter(slug=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    org = Organization(name=name, slug=candidate, **fields)
    org.full_clean()
    org.save()
    Membership.objects.create(organization=org, user=owner, role=Role.OWNER)
    audit_create(owner, org)
    return org


def user_create(*, email: str, password: str | None, full_name: str = "", **fields) -> User:
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("A user with this e-mail address already exists.")})
    return User.objects.create_user(email=email, password=password, full_name=full_name, **fields)


@transaction.atomic
def user_update_preferences(*, user: User, **fields) -> User:
    allowed = {"full_name", "language", "timezone"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Not a preference: {', '.join(sorted(unknown))}")
    for key, value in fields.items():
        setattr(user, key, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=[*fields.keys(), "updated_at"])
    return user


@transaction.atomic
def invitation_create(*, actor: Membership, email: str, role: str, contact=None) -> tuple[Invitation, str]:
    """Invite ``email`` to the actor's organisation; the link is e-mailed. Returns the row and raw token."""
    if role not in Role.values:
        raise ValidationError({"role": _("Choose one of the listed roles.")})
    if role in (Role.OWNER, Role.ADMIN) and actor.role != Role.OWNER:
        raise ValidationError({"role": _("Only an owner can invite owners and administrators.")})
    if role == Role.CLIENT and contact is None:
        raise ValidationError({"contact": _("A client contact invitation needs the contact it is for.")})
    if contact is not None and contact.organization_id != actor.organization_id:
        raise ValidationError({"contact": _("Choose a contact of your organisation.")})
    email = User.objects.normalize_email(email).lower()
    existing = Membership.objects.filter(
        organization_id=actor.organization_id, user__email__iexact=email
    ).first()
    if existing and existing.is_active:
        raise ValidationError({"email": _("This person is already a member of the organisation.")})
    raw = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization_id=actor.organization_id,
        email=email,
        role=role,
        contact=contact,
        token_hash=hash_token(raw),
        invited_by=actor.user,
        expires_at=timezone.now() + dt.timedelta(days=INVITATION_DAYS),
    )
    audit_create(actor.user, invitation)
    _send_invitation(invitation, raw)
    return invitation, raw


def invitation_url(raw: str) -> str:
    return settings.BASE_URL + reverse("tenancy:accept_invitation", args=[raw])


def _send_invitation(invitation: Invitation, raw: str) -> None:
    from accord.core.hooks import outbox_email

    org = invitation.organization
    language = (invitation.contact.language if invitation.contact else "") or org.default_language
    with translation.override(language):
        context = {"invitation": invitation, "organization": org, "url": invitation_url(raw)}
        outbox_email(
            organization=org,
            to=invitation.email,
            subject=_("You are invited to %(org)s on Accord") % {"org": org.name},
            text=render_to_string("tenancy/email/invitation.txt", context),
            html=render_to_string("tenancy/email/invitation.html", context),
            related=invitation,
            secrets=[raw],
        )


def invitation_by_token(raw: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organization", "contact")
        .filter(token_hash=hash_token(raw))
        .first()
    )


def _invited_zone(invitation: Invitation) -> str:
    """The time zone a new account starts in: a client contact's own (or their client's), else the
    organisation's. Times the portal shows a contact are then theirs, not UTC."""
    contact = invitation.contact
    if contact is not None:
        zone = contact.timezone or contact.client.timezone
        if zone:
            return zone
    return invitation.organization.default_timezone or "UTC"


@transaction.atomic
def invitation_accept(
    *, raw: str, full_name: str, password: str | None, user: User | None = None
) -> Membership:
    """Turn a valid invitation into a membership, creating the user if needed."""
    invitation = (
        # Lock only the invitation: PostgreSQL cannot lock the nullable side of the contact join.
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organization", "contact")
        .filter(token_hash=hash_token(raw))
        .first()
    )
    if invitation is None or not invitation.is_usable:
        raise ValidationError(_("This invitation link is not valid any more. Ask for a new one."))
    if user is None:
        user = User.objects.filter(email__iexact=invitation.email).first()
        if user is None:
            user = user_create(
                email=invitation.email,
                password=password,
                full_name=full_name,
                timezone=_invited_zone(invitation),
            )
        elif password:
            raise ValidationError(
                _("An account with this e-mail exists already: sign in first, then open the link again.")
            )
    elif user.email.lower() != invitation.email.lower():
        raise ValidationError(_("This invitation is for another e-mail address."))
    membership, _created = Membership.objects.update_or_create(
        organization=invitation.organization, user=user, defaults={"role": invitation.role, "is_active": True}
    )
    if invitation.contact_id:
        update_fields(user, invitation.contact, {"portal_user": user})
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at", "updated_at"])
    audit_event(user, invitation, "accepted")
    return membership


def require_settings_editor(actor: Membership, organization: Organization) -> None:
    """The organisation's admins change its settings (the API asks before it checks an upload)."""
    if not actor.is_admin or actor.organization_id != organization.pk:
        raise PermissionDenied(_("Only administrators can change the organisation's settings."))


@transaction.atomic
def organization_update(*, actor: Membership, organization: Organization, **fields) -> Organization:
    """Change the organisation's settings (admins only), audited."""
    require_settings_editor(actor, organization)
    allowed = {"name", "default_language", "default_timezone", "default_currency", "brand_color", "logo"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Not an organisation setting: {sorted(unknown)}")
    if "logo" in fields and not fields["logo"]:
        fields["logo"] = ""  # cleared ("Clear" ticked gives False, the API gives None): no logo
    if "brand_color" in fields and fields["brand_color"] != organization.brand_color:
        _check_brand_color(fields["brand_color"])
    candidate = copy.copy(organization)  # checked as a whole before the write
    for key, value in fields.items():
        setattr(candidate, key, value)
    candidate.full_clean()
    update_fields(actor.user, organization, fields)
    return organization


def _check_brand_color(value: str) -> None:
    """The brand colour colours links on white and the background of white button text: it must
    be readable (WCAG AA, 4.5:1 against white)."""
    if not HEX_COLOUR.match(value or ""):
        raise ValidationError({"brand_color": _("Give a colour as #RRGGBB, for example #2952cc.")})
    ratio = contrast_with_white(value)
    if ratio < MIN_TEXT_CONTRAST:
        raise ValidationError(
            {
                "brand_color": _(
                    "This colour is too light to read on white (contrast %(ratio)s:1); choose a darker "
                    "one that reaches at least 4.5:1."
                )
                % {"ratio": f"{ratio:.1f}"}
            }
        )


# Who may change whose membership, in one table for every caller (web and API): the roles an
# actor may manage. To change a role, both the person's current role and the new one must be
# in the actor's set; to remove someone, their current role must be. Owners manage everyone;
# admins manage managers, members and client contacts, never admins or owners; nobody else
# manages memberships. Whatever the table says, the last active owner stays an owner.
ROLE_RULES: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(Role.values),
    Role.ADMIN: frozenset({Role.MANAGER, Role.MEMBER, Role.CLIENT}),
}


def manageable_roles(actor: Membership) -> frozenset[str]:
    """The roles ``actor`` may set, and whose holders they may change or remove."""
    return ROLE_RULES.get(actor.role, frozenset()) if actor.is_active else frozenset()


def can_manage_membership(actor: Membership, membership: Membership) -> bool:
    return actor.organization_id == membership.organization_id and membership.role in manageable_roles(actor)


def _role_refusal(actor: Membership) -> str:
    if actor.role == Role.ADMIN:
        return _(
            "Only an owner can change or remove owners and administrators, or make someone an "
            "owner or administrator. Ask an owner."
        )
    return _("Only owners and administrators can change roles or remove people.")


def _is_last_owner(membership: Membership) -> bool:
    if membership.role != Role.OWNER or not membership.is_active:
        return False
    owners = Membership.objects.select_for_update().filter(
        organization_id=membership.organization_id, role=Role.OWNER, is_active=True
    )
    return not any(owner.pk != membership.pk for owner in owners)


def _locked_membership(membership: Membership) -> Membership:
    # Two owners demoting each other at once: the second sees the first's change.
    return Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)


@transaction.atomic
def membership_update_role(*, actor: Membership, membership: Membership, role: str) -> Membership:
    """Give ``membership`` another role, by :data:`ROLE_RULES`; the last owner stays an owner."""
    if role not in Role.values:
        raise ValidationError({"role": _("Choose one of the listed roles.")})
    membership = _locked_membership(membership)
    allowed = manageable_roles(actor)
    if not can_manage_membership(actor, membership) or role not in allowed:
        raise ValidationError({"role": _role_refusal(actor)}, code="forbidden")
    if role != Role.OWNER and _is_last_owner(membership):
        raise ValidationError(
            {"role": _("The organisation needs at least one owner: make someone else an owner first.")}
        )
    update_fields(actor.user, membership, {"role": role})
    return membership


@transaction.atomic
def membership_remove(*, actor: Membership, membership: Membership) -> Membership:
    """Take someone out of the organisation (the membership is deactivated, its history kept),
    by :data:`ROLE_RULES`; the last owner cannot be removed."""
    membership = _locked_membership(membership)
    if not can_manage_membership(actor, membership):
        raise ValidationError(_role_refusal(actor), code="forbidden")
    if _is_last_owner(membership):
        raise ValidationError(
            _("The organisation needs at least one owner: make someone else an owner first.")
        )
    if not membership.is_active:
        return membership
    update_fields(actor.user, membership, {"is_active": False})
    audit_event(actor.user, membership, "removed", {"role": membership.role})
    return membership


@transaction.atomic
def api_token_create(
    *,
    membership: Membership,
    name: str,
    scope: str = TokenScope.WRITE,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A personal API token; the raw value is shown once and only its hash is kept."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, for example the tool that will use it.")})
    if scope not in TokenScope.values:
        raise ValidationError({"scope": _("Choose read only or read and write.")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("Choose an expiry date in the future, or none.")})
    raw, prefix, digest = ApiToken.generate()
    token = ApiToken.objects.create(
        organization_id=membership.organization_id,
        user=membership.user,
        name=name[:100],
        prefix=prefix,
        token_hash=digest,
        scope=scope,
        expires_at=expires_at,
    )
    audit_create(membership.user, token)
    return token, raw


@transaction.atomic
def api_token_revoke(*, membership: Membership, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_event(membership.user, token, "revoked")
    return token


def api_token_authenticate(raw: str, *, ip: str | None = None) -> tuple[ApiToken, Membership] | None:
    """The token and membership for a raw bearer token; None when unknown, revoked, expired or
    its person left. Records when (to 5 minutes) and from which address it was last used."""
    token = ApiToken.objects.filter(token_hash=hash_token(raw), revoked_at__isnull=True).first()
    if token is None or token.is_expired:
        return None
    # The person and the organisation come with the membership (read once, for every request).
    membership = (
        Membership.objects.select_related("organization", "user")
        .filter(
            organization_id=token.organization_id, user_id=token.user_id, is_active=True, user__is_active=True
        )
        .first()
    )
    if membership is None:
        return None
    token.user, token.organization = membership.user, membership.organization
    now = timezone.now()
    ip = ip or None
    stale = token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5)
    if stale or ip != token.last_used_ip:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip)
        token.last_used_at, token.last_used_ip = now, ip
    return token, membership


@transaction.atomic
def invitation_revoke(*, actor: Membership, invitation: Invitation) -> Invitation:
    """Make a pending invitation unusable (administrators); the row and its history are kept."""
    if not actor.is_admin or actor.organization_id != invitation.organization_id:
        raise ValidationError(_("Only administrators can revoke invitations."), code="forbidden")
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation was accepted already: remove the member instead."))
    if invitation.expires_at <= timezone.now():
        return invitation
    invitation.expires_at = timezone.now()
    invitation.save(update_fields=["expires_at", "updated_at"])
    audit_event(actor.user, invitation, "revoked")
    return invitation
