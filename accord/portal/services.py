"""The client portal: inviting contacts, one-time sign-in links, telling the team what clients did."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accord.audit.services import audit_create, audit_event
from accord.comms.services import notify, outbox_email
from accord.crm.models import Contact
from accord.tenancy.models import Membership, Role, hash_token
from accord.tenancy.services import invitation_create

from .models import SignInLink

LINK_MINUTES = 15
# Requests for a sign-in link, per e-mail address and per client address, in a window.
RATE_WINDOW_SECONDS = 15 * 60
RATE_PER_EMAIL = 3
RATE_PER_IP = 20


class RateLimited(Exception):
    """Too many sign-in link requests; the caller answers 429."""


def project_team(project) -> list:
    """The people told about what a client does on a project: its manager and team."""
    users = [project.manager] if project.manager_id else []
    users.extend(project.team.filter(is_active=True))
    return users


def team_notify(*, project, title, body="", url: str = "") -> None:
    """Notify the project's manager and team (in-app and e-mail, each in their language)."""
    notify(organization=project.organization, users=project_team(project), title=title, body=body, url=url)


# --- invitations -----------------------------------------------------------------------------


def contact_invite(*, actor: Membership, contact: Contact):
    """Invite a client contact to the portal by e-mail (a client-role invitation for the contact)."""
    if not actor.is_team:
        raise ValidationError(_("Only team members can invite contacts to the portal."))
    if not contact.email:
        raise ValidationError({"email": _("Add the contact's e-mail address first, then invite them.")})
    if (
        contact.portal_user_id
        and Membership.objects.filter(
            organization_id=contact.organization_id, user_id=contact.portal_user_id, is_active=True
        ).exists()
    ):
        raise ValidationError({"email": _("This contact already has a portal account.")})
    invitation, _raw = invitation_create(actor=actor, email=contact.email, role=Role.CLIENT, contact=contact)
    return invitation


# --- one-time sign-in links -------------------------------------------------------------------


def _rate_key(kind: str, value: str) -> str:
    return f"accord:portal:link:{kind}:{hash_token(value)[:32]}"


def _hit(key: str, limit: int) -> bool:
    """Count one request; True when the limit is exceeded."""
    cache.add(key, 0, RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, RATE_WINDOW_SECONDS)
        count = 1
    return count > limit


def _portal_contact_for_email(email: str) -> Contact | None:
    """The contact with an active portal account for this address (None: no such account)."""
    client_memberships = Membership.objects.filter(role=Role.CLIENT, is_active=True, user__is_active=True)
    return (
        Contact.objects.filter(
            portal_user__email__iexact=email,
            portal_user__memberships__in=client_memberships,
            is_active=True,
        )
        .select_related("organization", "portal_user")
        .order_by("id")
        .first()
    )


def signin_link_request(*, email: str, ip: str | None = None) -> SignInLink | None:
    """E-mail a single-use sign-in link if ``email`` belongs to a portal account.

    Returns the link row (or None) for tests; callers must answer the same either way.
    Raises RateLimited when this address or this client asked too often.
    """
    email = (email or "").strip().lower()
    limited = _hit(_rate_key("email", email), RATE_PER_EMAIL)
    if ip:
        limited = _hit(_rate_key("ip", ip), RATE_PER_IP) or limited
    if limited:
        raise RateLimited
    contact = _portal_contact_for_email(email)
    if contact is None:
        return None
    return _signin_link_send(contact=contact, ip=ip)


@transaction.atomic
def _signin_link_send(*, contact: Contact, ip: str | None) -> SignInLink:
    raw = secrets.token_urlsafe(32)
    link = SignInLink.objects.create(
        organization=contact.organization,
        user=contact.portal_user,
        contact=contact,
        token_hash=hash_token(raw),
        expires_at=timezone.now() + dt.timedelta(minutes=LINK_MINUTES),
        requested_ip=ip or None,
    )
    audit_create(None, link)
    user = contact.portal_user
    language = user.language or contact.language or contact.organization.default_language
    with translation.override(language):
        context = {
            "contact": contact,
            "organization": contact.organization,
            "url": settings.BASE_URL + reverse("portal:link_signin", args=[raw]),
            "minutes": LINK_MINUTES,
        }
        outbox_email(
            organization=contact.organization,
            to=user.email,
            subject=_("Your sign-in link for %(org)s") % {"org": contact.organization.name},
            text=render_to_string("portal/email/signin_link.txt", context),
            html=render_to_string("portal/email/signin_link.html", context),
            related=link,
            secrets=[raw],
        )
    link.raw_token = raw
    return link


def signin_link_by_token(raw: str) -> SignInLink | None:
    return (
        SignInLink.objects.select_related("organization", "user", "contact")
        .filter(token_hash=hash_token(raw or ""))
        .first()
    )


def signin_link_use(*, raw: str, ip: str | None = None) -> SignInLink:
    """Mark a link used and return it; a used or expired link is refused (and the refusal audited)."""
    with transaction.atomic():
        link = (
            SignInLink.objects.select_for_update()
            .select_related("organization", "user", "contact")
            .filter(token_hash=hash_token(raw or ""))
            .first()
        )
        if link is None:
            raise ValidationError(_("This sign-in link is not valid. Ask for a new one."), code="unknown")
        reason = ""
        if link.used_at is not None:
            reason = "used"
        elif link.is_expired:
            reason = "expired"
        elif (
            not link.user.is_active
            or not Membership.objects.filter(
                organization_id=link.organization_id, user_id=link.user_id, role=Role.CLIENT, is_active=True
            ).exists()
        ):
            reason = "inactive"
        if not reason:
            link.used_at = timezone.now()
            link.save(update_fields=["used_at", "updated_at"])
            audit_event(link.user, link, "used", {"ip": ip or ""})
            return link
    # Outside the refused transaction so that the audit entry stays.
    audit_event(None, link, "refused", {"reason": reason, "ip": ip or ""}, denied=True)
    if reason == "used":
        raise ValidationError(_("This sign-in link was used already. Ask for a new one."), code="used")
    if reason == "expired":
        raise ValidationError(
            _("This sign-in link expired (links work for %(minutes)s minutes). Ask for a new one.")
            % {"minutes": LINK_MINUTES},
            code="expired",
        )
    raise ValidationError(
        _("This portal account is disabled. Contact your project manager."), code="inactive"
    )
