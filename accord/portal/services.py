"""The client portal: inviting contacts, one-time sign-in links, telling the team what clients did."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.audit.models import AuditEntry
from accord.audit.services import audit_create, audit_event, update_fields
from accord.comms.services import notify, outbox_email
from accord.crm.models import Contact
from accord.crm.selectors import can_manage_client_access
from accord.tenancy.models import Invitation, Membership, Role, hash_token
from accord.tenancy.services import invitation_create

from .models import SignInLink

LINK_MINUTES = 15
# Requests for a sign-in link, per e-mail address and per client address, in a window.
RATE_WINDOW_SECONDS = 15 * 60
RATE_PER_EMAIL = 3
RATE_PER_IP = 20

User = get_user_model()


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


# --- what the portal's overview shows --------------------------------------------------------


def decisions_waiting(member: Membership, project_ids) -> dict[int, int]:
    """Change requests waiting for the client's decision, per project, counted only on the
    projects where ``member``'s contact is an approver stakeholder (sponsor, decision maker)."""
    from accord.changes.models import ChangeRequest, ChangeStatus
    from accord.crm.models import APPROVER_ROLES
    from accord.projects.models import Project

    project_ids = list(project_ids)
    if not project_ids:
        return {}
    approver_of = Project.contacts.through.objects.filter(
        project_id__in=project_ids,
        project__organization_id=member.organization_id,
        contact__organization_id=member.organization_id,
        contact__portal_user_id=member.user_id,
        contact__client_id=F("project__client_id"),
        contact__role__in=APPROVER_ROLES,
    ).values("project_id")
    rows = (
        ChangeRequest.objects.filter(
            organization_id=member.organization_id,
            project_id__in=Subquery(approver_of),
            status=ChangeStatus.ASSESSED,
        )
        .values("project_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["project_id"]: row["n"] for row in rows}


def portal_helpers(contact: Contact) -> list:
    """Who can share a project with this contact: the managers of their client's projects,
    else the organisation's owners and admins."""
    from accord.projects.models import Project

    managers = list(
        User.objects.filter(
            pk__in=Project.objects.filter(
                organization_id=contact.organization_id, client_id=contact.client_id, manager__isnull=False
            ).values("manager_id"),
            is_active=True,
            memberships__organization_id=contact.organization_id,
            memberships__is_active=True,
        )
        .distinct()
        .order_by("full_name", "email")
    )
    if managers:
        return managers
    return list(
        User.objects.filter(
            is_active=True,
            memberships__organization_id=contact.organization_id,
            memberships__is_active=True,
            memberships__role__in=(Role.OWNER, Role.ADMIN),
        )
        .distinct()
        .order_by("full_name", "email")
    )


UNSHARED_VERB = "portal_signin_unshared"


def portal_unshared_signin(*, member: Membership, contact: Contact) -> bool:
    """A portal user with no shared project signed in: tell the people who can share one, once
    per contact. Returns whether they were told now."""
    with transaction.atomic():
        # The lock makes two pages opened at once tell the team only once.
        Contact.objects.select_for_update().filter(pk=contact.pk).first()
        told = AuditEntry.objects.filter(
            organization_id=contact.organization_id,
            content_type=ContentType.objects.get_for_model(Contact),
            object_id=str(contact.pk),
            verb=UNSHARED_VERB,
        ).exists()
        if told:
            return False
        audit_event(member.user, contact, UNSHARED_VERB, {"client": contact.client_id})
        notify(
            organization=contact.organization,
            users=portal_helpers(contact),
            title=format_lazy(
                gettext_lazy("{name} signed in to the client portal but sees no project"),
                name=contact.display_name,
            ),
            body=format_lazy(
                gettext_lazy(
                    "{name} ({client}) has a portal account but is a stakeholder of none of the "
                    "client's projects. Add them on a project's form, under Client stakeholders."
                ),
                name=contact.display_name,
                client=contact.client.name,
            ),
            url=reverse("crm:contact_detail", args=[contact.pk]),
            related=contact,
        )
    return True


# --- invitations -----------------------------------------------------------------------------


def invite_refusal() -> str:
    return _(
        "Only an administrator or the manager of one of this client’s projects can invite "
        "its contacts to the portal. Ask one of them."
    )


def contact_invite(*, actor: Membership, contact: Contact):
    """Invite a client contact to the portal by e-mail (a client-role invitation for the contact).

    Whoever is invited speaks for the client (sees its projects, decides change requests): only
    an admin or a manager of one of the client's projects may invite (else PermissionDenied).
    """
    if not actor.is_team:
        raise ValidationError(_("Only team members can invite contacts to the portal."))
    if not can_manage_client_access(actor, contact.client):
        raise PermissionDenied(invite_refusal())
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


def user_sessions_end(user) -> int:
    """Sign ``user`` out everywhere: delete their stored sessions. Returns how many ended.

    Sessions are kept in the database (the default engine); each is decoded to find its user,
    which is fine for a rare event such as a contact's change of address.
    """
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        return 0
    model = store.get_model_class()
    ended = [
        row.pk
        for row in model.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(row.get_decoded().get("_auth_user_id", "")) == str(user.pk)
    ]
    model.objects.filter(pk__in=ended).delete()
    return len(ended)


def contact_portal_identity_changed(*, actor: Membership, contact: Contact, old_email: str) -> dict:
    """The e-mail address of a portal contact changed (called by ``crm.contact_update`` in its
    transaction): the old address loses access and is told.

    The portal account (which signs in with the old address) is detached from the contact and,
    if it speaks for no other contact here, its client membership ends; its sessions end; open
    sign-in links and invitations for the contact are revoked; the old address gets an e-mail in
    the contact's language. The new address needs a new invitation.
    """
    now = timezone.now()
    old_user = contact.portal_user
    sessions = 0
    membership_ended = False
    if old_user is not None:
        update_fields(actor.user, contact, {"portal_user": None})
        others = Contact.objects.filter(organization_id=contact.organization_id, portal_user=old_user)
        if not others.exists():
            for membership in Membership.objects.filter(
                organization_id=contact.organization_id, user=old_user, role=Role.CLIENT, is_active=True
            ):
                update_fields(actor.user, membership, {"is_active": False})
                membership_ended = True
        sessions = user_sessions_end(old_user)
    links = list(
        SignInLink.objects.filter(
            organization_id=contact.organization_id, contact=contact, used_at__isnull=True, expires_at__gt=now
        )
    )
    for link in links:
        link.expires_at = now
        link.save(update_fields=["expires_at", "updated_at"])
        audit_event(actor.user, link, "revoked", {"reason": "email_changed"})
    invitations = list(
        Invitation.objects.filter(
            organization_id=contact.organization_id,
            contact=contact,
            accepted_at__isnull=True,
            expires_at__gt=now,
        )
    )
    for invitation in invitations:
        invitation.expires_at = now
        invitation.save(update_fields=["expires_at", "updated_at"])
        audit_event(actor.user, invitation, "revoked", {"reason": "email_changed"})
    summary = {
        "old": old_email,
        "new": contact.email,
        "portal_user": old_user.pk if old_user else None,
        "membership_ended": membership_ended,
        "sessions_ended": sessions,
        "links_revoked": len(links),
        "invitations_revoked": len(invitations),
    }
    audit_event(actor.user, contact, "email_changed", summary)
    if old_email:
        organization = contact.organization
        language = contact.language or organization.default_language
        with translation.override(language):
            context = {"contact": contact, "organization": organization, "changed_by": actor.user}
            outbox_email(
                organization=organization,
                to=old_email,
                subject=_("Your address for the %(org)s client portal was changed")
                % {"org": organization.name},
                text=render_to_string("portal/email/identity_changed.txt", context),
                html=render_to_string("portal/email/identity_changed.html", context),
                related=contact,
            )
    return summary


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
