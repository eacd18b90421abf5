"""Writes to the CRM: clients, contacts and interactions.

Every function validates, writes, audits and (for interactions) tells the communication
plan, all in one transaction. ``actor`` is the caller's :class:`Membership`; the objects
passed in were fetched through ``accord.tenancy.access``. Each function still checks its own
rule: any team member of the record's organisation may change the CRM (:func:`require_crm_write`);
deleting a client takes someone who may create projects.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accord.audit.services import audit_create, audit_delete, audit_event, update_fields, with_values
from accord.core.hooks import contact_portal_identity_changed, interaction_event, interaction_logged
from accord.lib.dates import validate_plausible
from accord.tenancy.access import require_project_manager, require_team
from accord.tenancy.members import team_members
from accord.tenancy.models import Membership

from .models import Client, Contact, Interaction, Language, MailKind, MailOptOut
from .selectors import can_manage_client_access, contact_has_portal_access

CLIENT_FIELDS = frozenset(
    {
        "name",
        "status",
        "industry",
        "size",
        "website",
        "address",
        "language",
        "timezone",
        "currency",
        "tags",
        "owner",
        "business",
        "goals",
        "priorities",
        "preferred_channel",
        "report_cadence",
        "notes",
    }
)
CONTACT_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "name_local",
        "title",
        "role",
        "email",
        "email_secondary",
        "phone",
        "mobile",
        "wechat",
        "wecom",
        "dingtalk",
        "feishu",
        "slack",
        "teams",
        "preferred_channel",
        "language",
        "timezone",
        "notes",
        "is_active",
    }
)
INTERACTION_FIELDS = frozenset(
    {
        "project",
        "kind",
        "channel",
        "direction",
        "occurred_at",
        "summary",
        "body",
        "sentiment",
        "follow_up_on",
        "follow_up_owner",
    }
)


def language_for(language: str) -> str:
    """The client language (en or zh-hans) closest to an interface language (en-gb, zh-hans, …)."""
    return Language.ZH if (language or "").lower().startswith("zh") else Language.EN


def require_crm_write(actor: Membership | None, record=None) -> Membership:
    """The CRM's rule: a team member (not a client contact) of the record's organisation."""
    require_team(actor)
    if record is not None and record.organization_id != actor.organization_id:
        raise PermissionDenied
    return actor


def require_client_remover(actor: Membership | None, client: Client | None = None) -> Membership:
    """Who may delete a client: a team member who may create projects (the view asks before it
    shows the confirmation)."""
    require_crm_write(actor, client)
    return require_project_manager(actor)


def _check_fields(fields: dict, allowed: frozenset[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        # A programming error, not user input: callers pass only known fields.
        raise TypeError(f"Unknown fields: {', '.join(sorted(unknown))}")


def _strip(fields: dict) -> dict:
    return {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}


def _check_team_user(actor: Membership, user, field: str) -> None:
    """``user`` (may be None) must be a team member of the actor's organisation."""
    if user is None:
        return
    if not team_members(actor.organization_id).filter(pk=user.pk).exists():
        raise ValidationError({field: _("Choose a member of your team.")})


def normalize_tags(tags: str) -> str:
    """Comma-separated, trimmed, without duplicates (case-insensitive), in the order given."""
    seen: dict[str, str] = {}
    for tag in (tags or "").replace("，", ",").split(","):
        tag = tag.strip()
        if tag and tag.lower() not in seen:
            seen[tag.lower()] = tag
    return ", ".join(seen.values())


# --- clients ------------------------------------------------------------------------------------


def _client_validate(actor: Membership, client: Client) -> None:
    client.tags = normalize_tags(client.tags)
    client.full_clean()
    if client.owner_id is not None:
        _check_team_user(actor, client.owner, "owner")


@transaction.atomic
def client_create(*, actor: Membership, **fields) -> Client:
    """A new client of the actor's organisation; its language is the organisation's unless given."""
    require_crm_write(actor)
    _check_fields(fields, CLIENT_FIELDS)
    if not fields.get("language"):
        fields["language"] = language_for(actor.organization.default_language)
    client = Client(organization_id=actor.organization_id, **_strip(fields))
    _client_validate(actor, client)
    client.save()
    audit_create(actor.user, client)
    return client


@transaction.atomic
def client_update(*, actor: Membership, client: Client, **fields) -> Client:
    """Change the given fields of ``client``; the rest stay as they are."""
    require_crm_write(actor, client)
    _check_fields(fields, CLIENT_FIELDS)
    values = _strip(fields)
    candidate = with_values(client, values)
    _client_validate(actor, candidate)  # cleans and normalises the values on the candidate
    update_fields(actor.user, client, {key: getattr(candidate, key) for key in values})
    return client


@transaction.atomic
def client_delete(*, actor: Membership, client: Client) -> None:
    """Delete a client with its contacts and interactions; refused while it has projects."""
    require_client_remover(actor, client)
    projects = client.projects.count()
    if projects:
        raise ValidationError(
            ngettext(
                "“%(name)s” has %(count)d project, so it cannot be deleted. "
                "Delete the project first, or set the client’s status to “Former”.",
                "“%(name)s” has %(count)d projects, so it cannot be deleted. "
                "Delete the projects first, or set the client’s status to “Former”.",
                projects,
            )
            % {"name": client.name, "count": projects},
            code="protected",
        )
    audit_delete(actor.user, client)
    client.delete()


# --- contacts -----------------------------------------------------------------------------------


def _contact_validate(contact: Contact) -> None:
    if not (contact.first_name or contact.last_name or contact.name_local):
        raise ValidationError({"last_name": _("Enter a name: a first or last name, or the name in Chinese.")})
    contact.full_clean()


@transaction.atomic
def contact_create(*, actor: Membership, client: Client, **fields) -> Contact:
    """A new contact person at ``client``; their language is the client's (itself the organisation's
    unless chosen) unless given."""
    require_crm_write(actor)
    _check_fields(fields, CONTACT_FIELDS)
    if client.organization_id != actor.organization_id:
        raise ValidationError({"client": _("Choose a client of your organisation.")})
    if not fields.get("language"):
        fields["language"] = client.language or language_for(actor.organization.default_language)
    contact = Contact(organization_id=actor.organization_id, client=client, **_strip(fields))
    if "email" in fields:
        contact.email = (contact.email or "").lower()
    _contact_validate(contact)
    contact.save()
    audit_create(actor.user, contact)
    return contact


class IdentityChangeRefused(PermissionDenied):
    """A portal contact's e-mail may only be changed by whoever manages the client's access."""


def identity_change_refusal() -> str:
    return _(
        "This contact can sign in to the client portal, so only an administrator or the manager "
        "of one of this client’s projects can change their e-mail address. Ask one of them."
    )


@transaction.atomic
def contact_update(*, actor: Membership, contact: Contact, **fields) -> Contact:
    """Change the given fields of ``contact``.

    The e-mail address of a contact with portal access (or an open invitation) is who signs in
    as the client: only :func:`can_manage_client_access` may change it (else
    :class:`IdentityChangeRefused`), and the change ends the old address's portal access.
    """
    require_crm_write(actor, contact)
    _check_fields(fields, CONTACT_FIELDS)
    old_email = contact.email or ""
    values = _strip(fields)
    if "email" in values:
        values["email"] = (values["email"] or "").lower()
    candidate = with_values(contact, values)
    identity_changed = candidate.email.lower() != old_email.lower() and contact_has_portal_access(contact)
    if identity_changed and not can_manage_client_access(actor, contact.client):
        raise IdentityChangeRefused(identity_change_refusal())
    _contact_validate(candidate)
    update_fields(actor.user, contact, {key: getattr(candidate, key) for key in values})
    if identity_changed:
        # The portal stands above the CRM: it registers its part as a hook (accord.core.hooks).
        contact_portal_identity_changed(actor=actor, contact=contact, old_email=old_email)
    return contact


@transaction.atomic
def contact_delete(*, actor: Membership, contact: Contact) -> None:
    """Delete a contact; interactions with them stay on the client's timeline."""
    require_crm_write(actor, contact)
    audit_delete(actor.user, contact)
    contact.delete()


# --- interactions -------------------------------------------------------------------------------


def _interaction_validate(
    actor: Membership, interaction: Interaction, contacts: list[Contact] | None
) -> None:
    from accord.tenancy.access import projects_for_user

    if interaction.occurred_at is None:
        raise ValidationError({"occurred_at": _("Enter when it happened.")})
    validate_plausible(interaction.occurred_at, "occurred_at")
    validate_plausible(interaction.follow_up_on, "follow_up_on")
    interaction.full_clean(exclude=["contacts"])
    if interaction.project_id is not None:
        visible = projects_for_user(actor).filter(pk=interaction.project_id, client_id=interaction.client_id)
        if not visible.exists():
            raise ValidationError({"project": _("Choose one of this client’s projects.")})
    if contacts is not None:
        for contact in contacts:
            if contact.organization_id != actor.organization_id or contact.client_id != interaction.client_id:
                raise ValidationError({"contacts": _("Choose contacts of this client only.")})
    if interaction.follow_up_on is None:
        # No follow-up: nobody owns one and nothing is done.
        interaction.follow_up_owner = None
        interaction.follow_up_done_at = None
    elif interaction.follow_up_owner_id is not None:
        _check_team_user(actor, interaction.follow_up_owner, "follow_up_owner")


@transaction.atomic
def interaction_create(
    *, actor: Membership, client: Client, contacts: Iterable[Contact] = (), source: str = "manual", **fields
) -> Interaction:
    """Log a call, meeting, message, visit or note with ``client``; meets plan obligations."""
    require_crm_write(actor)
    _check_fields(fields, INTERACTION_FIELDS)
    if client.organization_id != actor.organization_id:
        raise ValidationError({"client": _("Choose a client of your organisation.")})
    contacts = list(contacts)
    fields = _strip(fields)
    fields.setdefault("occurred_at", timezone.now())
    interaction = Interaction(
        organization_id=actor.organization_id,
        client=client,
        created_by=actor.user,
        source=source,
        **fields,
    )
    _interaction_validate(actor, interaction, contacts)
    interaction.save()
    interaction.contacts.set(contacts)
    audit_create(actor.user, interaction)
    if contacts:
        audit_event(actor.user, interaction, "contacts", {"contacts": [c.display_name for c in contacts]})
    interaction_logged(interaction)
    interaction_event(interaction, contacts)
    return interaction


@transaction.atomic
def interaction_update(
    *, actor: Membership, interaction: Interaction, contacts: Iterable[Contact] | None = None, **fields
) -> Interaction:
    """Change an interaction; ``contacts=None`` keeps who took part as it is."""
    require_crm_write(actor, interaction)
    _check_fields(fields, INTERACTION_FIELDS)
    values = _strip(fields)
    candidate = with_values(interaction, values)
    if "follow_up_on" in values:
        new, old = candidate.follow_up_on, interaction.follow_up_on
        if (new.isoformat() if hasattr(new, "isoformat") else new) != (old.isoformat() if old else None):
            candidate.follow_up_done_at = None  # a rescheduled follow-up is open again
    contacts = list(contacts) if contacts is not None else None
    _interaction_validate(actor, candidate, contacts)  # may clear the follow-up's owner and done time
    written = [*values, "follow_up_owner", "follow_up_done_at"]
    update_fields(actor.user, interaction, {key: getattr(candidate, key) for key in written})
    if contacts is not None:
        old = set(interaction.contacts.values_list("pk", flat=True))
        if old != {c.pk for c in contacts}:
            interaction.contacts.set(contacts)
            audit_event(actor.user, interaction, "contacts", {"contacts": [c.display_name for c in contacts]})
    interaction_logged(interaction)
    return interaction


@transaction.atomic
def interaction_delete(*, actor: Membership, interaction: Interaction) -> None:
    require_crm_write(actor, interaction)
    audit_delete(actor.user, interaction)
    interaction.delete()


@transaction.atomic
def interaction_follow_up_done(*, actor: Membership, interaction: Interaction) -> Interaction:
    """Mark the interaction's follow-up done (once; doing it again changes nothing)."""
    require_crm_write(actor, interaction)
    if interaction.follow_up_on is None:
        raise ValidationError({"follow_up_on": _("This interaction has no follow-up to mark done.")})
    if interaction.follow_up_done_at is not None:
        return interaction
    update_fields(actor.user, interaction, {"follow_up_done_at": timezone.now()})
    return interaction


# --- one-click unsubscribe (RFC 8058) -------------------------------------------------------------

UNSUBSCRIBE_SALT = "accord.crm.unsubscribe"


def unsubscribe_token(contact: Contact, kind: str) -> str:
    """A signed token naming the contact, their organisation and the kind of mail: the link's
    only credential (it cannot be guessed or altered without the installation's secret key)."""
    return signing.dumps({"o": contact.organization_id, "c": contact.pk, "k": kind}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(contact: Contact, kind: str) -> str:
    return settings.BASE_URL + reverse("crm:unsubscribe", args=[unsubscribe_token(contact, kind)])


def unsubscribe_target(token: str) -> tuple[Contact, str] | None:
    """The (contact, kind) a token from a mail names, or None for a token that is not ours."""
    try:
        data = signing.loads(token or "", salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in MailKind.values:
        return None
    contact = (
        Contact.objects.filter(organization_id=data.get("o"), pk=data.get("c"))
        .select_related("client", "organization")
        .first()
    )
    return (contact, data["k"]) if contact is not None else None


def mail_list_headers(contact: Contact, kind: str, organization=None) -> dict[str, str]:
    """``List-Id`` (RFC 2919), ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` (RFC 2369,
    RFC 8058) for a bulk mail of ``kind`` to ``contact``: mail providers then offer the
    recipient a one-click unsubscribe that reaches :func:`contact_unsubscribe`."""
    domain = settings.ACCORD_LIST_ID_DOMAIN or urlsplit(settings.BASE_URL).hostname or "accord.invalid"
    return {
        "List-Id": f"<{kind}.{(organization or contact.organization).slug}.{domain}>",
        "List-Unsubscribe": f"<{unsubscribe_url(contact, kind)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def opted_out(contact_ids: Iterable[int], kind: str) -> set[int]:
    """Which of ``contact_ids`` unsubscribed from mail of ``kind``."""
    return set(
        MailOptOut.objects.filter(contact_id__in=list(contact_ids), kind=kind).values_list(
            "contact_id", flat=True
        )
    )


@transaction.atomic
def contact_unsubscribe(*, contact: Contact, kind: str) -> MailOptOut:
    """The contact wants no more mail of ``kind`` (from the link in a mail: no sign-in). Asking
    twice changes nothing."""
    if kind not in MailKind.values:
        raise ValidationError({"kind": _("Choose a kind of mail.")})
    opt_out, created = MailOptOut.objects.get_or_create(
        organization_id=contact.organization_id, contact=contact, kind=kind
    )
    if created:
        audit_event(None, contact, "unsubscribed", {"kind": kind})
    return opt_out


@transaction.atomic
def contact_resubscribe(*, actor: Membership, contact: Contact, kind: str) -> None:
    """The team sends mail of ``kind`` to the contact again (they asked for it back)."""
    require_crm_write(actor, contact)
    deleted, _rows = MailOptOut.objects.filter(contact=contact, kind=kind).delete()
    if not deleted:
        raise ValidationError({"kind": _("This contact receives this kind of mail already.")})
    audit_event(actor.user, contact, "resubscribed", {"kind": kind})
