"""Messages out, notifications and events.

Every outgoing message goes through the outbox: the row is written in the caller's
transaction and delivered after commit by the worker, so a rolled-back change sends
nothing and an accepted message is never lost.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets as _secrets
from collections.abc import Iterable, Sequence

from dateutil.rrule import rrulestr
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticValidationError

from accord.audit.services import (
    audit_create,
    audit_delete,
    audit_event,
    update_fields,
    with_values,
)
from accord.core import events as event_catalogue
from accord.lib import crypto, netguard
from accord.tenancy.access import require_admin, require_project_manage, require_project_setup, require_team
from accord.tenancy.members import team_members
from accord.tenancy.models import Membership

from .models import (
    CadenceKind,
    ChannelConfig,
    ChannelKind,
    CommsSettings,
    DeliveryCircuit,
    Event,
    Notification,
    Obligation,
    ObligationStatus,
    OutboxAttachment,
    OutboxMessage,
    OutboxStatus,
    PlanItem,
    ProjectMailbox,
    ReminderPreference,
    Responsibility,
    WebhookSubscription,
    secret_mask,
)

logger = logging.getLogger(__name__)


def _enqueue_delivery(message_id: int) -> None:
    from .tasks import deliver_message

    transaction.on_commit(lambda: deliver_message.enqueue(message_id), robust=True)


def outbox_email(
    *,
    organization,
    to: Sequence[str] | str,
    subject: str,
    text: str,
    html: str = "",
    attachments: Iterable[tuple[str, bytes, str]] = (),
    headers: dict[str, str] | None = None,
    reply_to: str = "",
    related: models.Model | None = None,
    project=None,
    alternatives: Iterable[tuple[str, str]] = (),
    secrets: Sequence[str] = (),
    auto_submitted: str = "auto-generated",
) -> OutboxMessage:
    """Queue one e-mail (to one or more addresses) for delivery after the current transaction commits.

    Every mail Accord writes itself (notifications, reminders, reports, invitations, surveys,
    sign-in links) says ``Auto-Submitted: auto-generated`` (RFC 3834), so out-of-office replies
    and other responders leave it alone; an automatic answer to a mail passes ``"auto-replied"``.
    A mail a person wrote and sent by hand (a team member's answer to a support request, an
    obligation's message the manager edited and sent) passes ``""``: it carries no such header
    and is answered like any personal mail.

    ``attachments`` are ``(filename, content, mimetype)``; ``alternatives`` are further text
    parts ``(content, mimetype)`` next to the plain text and HTML in the multipart/alternative
    (a calendar invitation: ``text/calendar; method=REQUEST``). ``secrets`` are one-time tokens
    in the text (sign-in, invitation, survey links): the stored message shows a mask in their
    place and keeps them encrypted; only the mail sent carries them. Returns the outbox row.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    message_headers = dict(headers or {})
    if auto_submitted:
        message_headers.setdefault("Auto-Submitted", auto_submitted)
    if reply_to:
        message_headers["Reply-To"] = reply_to
    text, html = str(text), str(html)
    secrets = [secret for secret in secrets if secret]
    alternatives = list(alternatives)
    for index, secret in enumerate(secrets):
        mask = secret_mask(index)
        text, html = text.replace(secret, mask), html.replace(secret, mask)
        alternatives = [(content.replace(secret, mask), mimetype) for content, mimetype in alternatives]
    parts = [{"content": content, "mimetype": mimetype} for content, mimetype in alternatives]
    message = OutboxMessage.objects.create(
        organization=organization,
        channel="email",
        recipient=", ".join(recipients),
        subject=str(subject)[:500],
        body_text=text,
        body_html=html,
        secrets_encrypted=crypto.encrypt(json.dumps(secrets)) if secrets else "",
        headers=message_headers,
        related_type=related._meta.label_lower if related is not None else "",
        related_id=str(related.pk) if related is not None else "",
        project=project,
        payload={"alternatives": parts} if parts else {},
    )
    for filename, content, mimetype in attachments:
        OutboxAttachment.objects.create(
            organization=organization, message=message, filename=filename, mimetype=mimetype, content=content
        )
    _enqueue_delivery(message.pk)
    return message


def notify(
    *,
    organization,
    users: Iterable,
    title,
    body="",
    url: str = "",
    email: bool = True,
    related: models.Model | None = None,
) -> list[Notification]:
    """Tell team members about something: a notice in the app and, by default, an e-mail.

    ``title`` and ``body`` may be lazy translations (``format_lazy``): each user gets them in
    their own language.
    """
    created: list[Notification] = []
    seen: set[int] = set()
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        with translation.override(user.language or organization.default_language or settings.LANGUAGE_CODE):
            title_text, body_text = str(title), str(body)
            created.append(
                Notification.objects.create(
                    organization=organization, user=user, title=title_text[:300], body=body_text, url=url
                )
            )
            if email and user.email:
                link = f"{settings.BASE_URL}{url}" if url.startswith("/") else url
                context = {"title": title_text, "body": body_text, "link": link, "organization": organization}
                outbox_email(
                    organization=organization,
                    to=user.email,
                    subject=title_text,
                    text=render_to_string("comms/email/notification.txt", context),
                    html=render_to_string("comms/email/notification.html", context),
                    related=related,
                )
    return created


def event_emit(*, organization, name: str, payload: dict) -> Event:
    """Record a domain event; subscribers' webhooks are queued in the same transaction (and so
    delivered only after it commits). ``name`` must be in the catalogue (``events.EVENTS``)."""
    if name not in event_catalogue.EVENTS:
        raise ValueError(f"Event {name!r} is not in the catalogue (accord/core/events.py)")
    try:
        event_catalogue.check_payload(name, payload)
    except PydanticValidationError:
        # The action itself went through; the payload drifted from its documented schema.
        logger.exception("Event %s has a payload that does not match its schema", name)
    event = Event.objects.create(organization=organization, name=name, payload=payload)
    from . import webhooks

    webhooks.fan_out(event)
    return event


# --- hooks other areas call; the communication plan implements them ------------------------


def interaction_logged(interaction) -> list:
    """Called by the CRM after an interaction is created or changed (same transaction).

    Marks matching communication-plan obligations met. Returns the obligations it met.
    """
    from . import obligations

    return obligations.meet_for_interaction(interaction)


def interaction_event(interaction, contacts) -> Event:
    """Emit ``interaction.logged`` for a newly created interaction (same transaction)."""
    return event_emit(
        organization=interaction.client.organization,
        name="interaction.logged",
        payload={
            "interaction_id": interaction.pk,
            "client_id": interaction.client_id,
            "project_id": interaction.project_id,
            "kind": interaction.kind,
            "channel": interaction.channel,
            "direction": interaction.direction,
            "occurred_at": interaction.occurred_at.isoformat(),
            "summary": interaction.summary,
            "contact_ids": [c.pk for c in contacts],
            "source": interaction.source,
        },
    )


def interactions_logged(interactions: list, *, contacts: dict[int, set[int]]) -> list:
    """``interaction_logged`` for many interactions created at once (an import), with the
    contact ids of each by interaction id; a fixed number of queries however many there are."""
    from . import obligations

    return obligations.meet_for_interactions(interactions, contacts)


def obligations_reopen(*, ids) -> int:
    """Obligations met by interactions that are being taken back (a failed import's), open
    again as they were before they were met; returns how many."""
    return Obligation.objects.filter(pk__in=ids, status=ObligationStatus.MET).update(
        status=ObligationStatus.OPEN,
        met_at=None,
        met_on_time=False,
        met_by=None,
        met_source="",
        met_note="",
        interaction=None,
        updated_at=timezone.now(),
    )


def obligations_meet(*, project, channel: str, contacts=(), when=None, source=None, note: str = "") -> list:
    """Called when something was delivered to the client outside an interaction (a report
    published and e-mailed, minutes sent): marks the matching open obligations met."""
    from . import obligations

    return obligations.meet(
        project=project, channel=channel, contacts=contacts, when=when, source=source, note=note
    )


# === the communication hub's own services ====================================================

RRULE_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]

# Events integrations may subscribe to: the catalogue's names and labels.
KNOWN_EVENTS = event_catalogue.choices()


# --- communication plan -------------------------------------------------------------------


def build_rrule(*, cadence: str, weekday: int | None = None, interval: int = 1, start_date=None) -> str:
    """The RFC 5545 RRULE for one of the simple cadence choices ("" for milestones)."""
    if cadence == CadenceKind.WEEKLY:
        if weekday is None:
            raise ValidationError({"weekday": _("Choose the weekday.")})
        return f"FREQ=WEEKLY;INTERVAL=1;BYDAY={RRULE_DAYS[weekday]}"
    if cadence == CadenceKind.WEEKS:
        if not interval or interval < 1 or interval > 52:
            raise ValidationError({"interval": _("Enter a number of weeks between 1 and 52.")})
        day = RRULE_DAYS[weekday if weekday is not None else (start_date.weekday() if start_date else 0)]
        return f"FREQ=WEEKLY;INTERVAL={interval};BYDAY={day}"
    if cadence == CadenceKind.MONTHLY:
        day = start_date.day if start_date else 1
        # Months without that day (the 31st) fall back to their last day.
        return f"FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY={day}" if day <= 28 else "FREQ=MONTHLY;BYMONTHDAY=-1"
    if cadence == CadenceKind.ONCE:
        return "FREQ=DAILY;COUNT=1"
    if cadence == CadenceKind.MILESTONE:
        return ""
    raise ValidationError({"cadence": _("Choose how often.")})


def validate_rrule(value: str) -> str:
    """Check an RRULE string; a clear message for anything python-dateutil cannot read."""
    value = (value or "").strip()
    if value.upper().startswith("RRULE:"):
        value = value[6:]
    if not value:
        return ""
    if len(value) > 500 or "\n" in value:
        raise ValidationError({"rrule": _("The recurrence rule is too long or has several lines.")})
    try:
        rule = rrulestr(value, dtstart=dt.datetime(2000, 1, 3, 9, 0))
        rule.after(dt.datetime(2000, 1, 1))
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        raise ValidationError(
            {"rrule": _("This is not a valid RFC 5545 recurrence rule, e.g. FREQ=WEEKLY;BYDAY=MO.")}
        ) from None
    return value


PLAN_FIELDS = frozenset(
    {
        "purpose",
        "content_template",
        "channel",
        "audience_roles",
        "cadence",
        "weekday",
        "interval",
        "owner",
        "start_date",
        "end_date",
        "is_active",
        "rrule",
    }
)


def _plan_item_validate(actor, item: PlanItem, contacts) -> None:
    from accord.crm.models import ContactRole

    errors = {}
    if item.end_date and item.start_date and item.end_date < item.start_date:
        errors["end_date"] = _("The end must be on or after the start.")
    if item.owner_id and not team_members(item.organization_id).filter(pk=item.owner_id).exists():
        errors["owner"] = _("Choose someone on your team.")
    bad_roles = [r for r in item.audience_roles or [] if r not in ContactRole.values]
    if bad_roles:
        errors["audience_roles"] = _("Choose roles from the list.")
    for contact in contacts:
        if contact.client_id != item.project.client_id:
            errors["audience_contacts"] = _("Choose contacts of this project's client.")
            break
    if errors:
        raise ValidationError(errors)
    item.full_clean(exclude=["project", "owner", "organization", "audience_contacts"])


def _plan_item_schedule(item: PlanItem) -> None:
    if item.rrule and item.cadence not in CadenceKind.values:
        raise ValidationError({"cadence": _("Choose how often.")})
    item.rrule = validate_rrule(
        build_rrule(
            cadence=item.cadence,
            weekday=item.weekday,
            interval=item.interval or 1,
            start_date=item.start_date,
        )
    )


def plan_item_create(*, actor: Membership, project, contacts=(), **fields) -> PlanItem:
    """Add an item to ``project``'s communication plan and generate its obligations; the project's
    manager (or an admin) only."""
    require_project_manage(actor, project)
    return _plan_item_create(actor=actor, project=project, contacts=contacts, **fields)


def plan_item_create_for_new_project(*, actor: Membership, project, contacts=(), **fields) -> PlanItem:
    """A plan item of a project the actor is creating (from a template)."""
    require_project_setup(actor, project)
    return _plan_item_create(actor=actor, project=project, contacts=contacts, **fields)


@transaction.atomic
def _plan_item_create(*, actor: Membership, project, contacts=(), **fields) -> PlanItem:
    from . import obligations

    unknown = set(fields) - PLAN_FIELDS
    if unknown:
        raise ValidationError({"__all__": _("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}})
    fields.pop("rrule", None)
    contacts = list(contacts)
    item = PlanItem(organization_id=project.organization_id, project=project, **fields)
    if item.start_date is None:
        item.start_date = max(project.start_date, timezone.localdate())
    _plan_item_schedule(item)
    _plan_item_validate(actor, item, contacts)
    item.save()
    item.audience_contacts.set(contacts)
    audit_create(actor.user, item)
    obligations.generate(item)
    return item


@transaction.atomic
def plan_item_update(*, actor: Membership, item: PlanItem, contacts=None, **fields) -> PlanItem:
    from . import obligations

    require_project_manage(actor, item.project)

    unknown = set(fields) - PLAN_FIELDS
    if unknown:
        raise ValidationError({"__all__": _("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}})
    fields.pop("rrule", None)
    candidate = with_values(item, fields)
    _plan_item_schedule(candidate)
    contacts = list(contacts) if contacts is not None else list(item.audience_contacts.all())
    _plan_item_validate(actor, candidate, contacts)
    update_fields(actor.user, item, {**fields, "rrule": candidate.rrule})
    item.audience_contacts.set(contacts)
    obligations.generate(item)
    return item


@transaction.atomic
def plan_item_delete(*, actor: Membership, item: PlanItem) -> None:
    require_project_manage(actor, item.project)
    audit_delete(actor.user, item)
    item.delete()


@transaction.atomic
def responsibility_create(
    *, actor: Membership, project, user, contact, channel: str, note: str = ""
) -> Responsibility:
    require_project_manage(actor, project)
    errors = {}
    if not team_members(project.organization_id).filter(pk=user.pk).exists():
        errors["user"] = _("Choose someone on your team.")
    if contact.client_id != project.client_id:
        errors["contact"] = _("Choose a contact of this project's client.")
    if Responsibility.objects.filter(project=project, user=user, contact=contact, channel=channel).exists():
        errors["channel"] = _("This line is already in the matrix.")
    if errors:
        raise ValidationError(errors)
    row = Responsibility(
        organization_id=project.organization_id,
        project=project,
        user=user,
        contact=contact,
        channel=channel,
        note=note,
    )
    row.full_clean(exclude=["project", "user", "contact", "organization"])
    row.save()
    audit_create(actor.user, row)
    return row


@transaction.atomic
def responsibility_delete(*, actor: Membership, row: Responsibility) -> None:
    require_project_manage(actor, row.project)
    audit_delete(actor.user, row)
    row.delete()


@transaction.atomic
def plan_copy(*, actor: Membership, source, target) -> int:
    """Copy ``source``'s plan items (and, for the same client, its matrix) into ``target``, whose
    manager (or an admin) the actor is. Dates move with the target's start. Returns how many
    items were copied."""
    from . import obligations

    require_project_manage(actor, target)

    if source.pk == target.pk:
        raise ValidationError({"source": _("Choose another project to copy from.")})
    if source.organization_id != target.organization_id:
        raise ValidationError({"source": _("Choose a project of your organisation.")})
    shift = target.start_date - source.start_date
    same_client = source.client_id == target.client_id
    copied = 0
    for item in source.plan_items.prefetch_related("audience_contacts"):
        start = max(item.start_date + shift, target.start_date)
        end = item.end_date + shift if item.end_date else None
        if end and end < start:
            end = None
        new = PlanItem.objects.create(
            organization_id=target.organization_id,
            project=target,
            purpose=item.purpose,
            content_template=item.content_template,
            channel=item.channel,
            audience_roles=item.audience_roles,
            cadence=item.cadence,
            weekday=item.weekday,
            interval=item.interval,
            rrule=item.rrule,
            owner_id=item.owner_id,
            start_date=start,
            end_date=end,
            is_active=item.is_active,
        )
        if same_client:
            new.audience_contacts.set(item.audience_contacts.all())
        audit_create(actor.user, new)
        obligations.generate(new)
        copied += 1
    if same_client:
        for row in source.responsibilities.all():
            Responsibility.objects.get_or_create(
                organization_id=target.organization_id,
                project=target,
                user_id=row.user_id,
                contact_id=row.contact_id,
                channel=row.channel,
                defaults={"note": row.note},
            )
    audit_event(actor.user, target, "plan_copied", {"from": str(source), "items": copied})
    return copied


@transaction.atomic
def obligation_tick(*, actor: Membership, obligation: Obligation, note: str = "") -> Obligation:
    """The manager marks an obligation met, with a note saying how."""
    from . import obligations

    require_project_manage(actor, obligation.project)

    if obligation.status != ObligationStatus.OPEN:
        raise ValidationError({"__all__": _("This obligation is already met.")})
    if not note.strip():
        raise ValidationError({"note": _("Say how the client was reached.")})
    obligations.tick_off(obligation=obligation, user=actor.user, note=note.strip()[:2000])
    obligation.refresh_from_db()
    audit_event(actor.user, obligation, "met", {"note": note.strip()[:300]})
    return obligation


def remind_owner(*, obligation: Obligation, title) -> None:
    """Remind the obligation's owner on their preferred channel (e-mail unless they chose one)."""
    url = f"/communication/?project={obligation.project_id}"
    pref = (
        ReminderPreference.objects.filter(
            organization_id=obligation.organization_id, user_id=obligation.owner_id
        )
        .select_related("channel_config")
        .first()
    )
    config = pref.channel_config if pref else None
    if config is not None and config.is_active and config.kind != ChannelKind.EMAIL:
        with translation.override(
            obligation.owner.language or obligation.organization.default_language or "en"
        ):
            text = str(title)
            if pref.mention:
                text = f"{pref.mention} {text}"
            outbox_channel_message(
                organization=obligation.organization,
                channel_config=config,
                title=str(title),
                text=text,
                link=f"{settings.BASE_URL}{url}",
                related=obligation,
                project=obligation.project,
            )
        notify(
            organization=obligation.organization, users=[obligation.owner], title=title, url=url, email=False
        )
    else:
        notify(organization=obligation.organization, users=[obligation.owner], title=title, url=url)


# --- channels out -----------------------------------------------------------------------------


def outbox_channel_message(
    *,
    organization,
    channel_config: ChannelConfig,
    title: str,
    text: str,
    link: str = "",
    related: models.Model | None = None,
    project=None,
) -> OutboxMessage:
    """Queue one post to a configured IM channel (Slack, Teams, WeCom, DingTalk, Feishu, webhook)."""
    if channel_config.organization_id != organization.pk:
        raise ValidationError({"channel": _("Choose a channel of your organisation.")})
    if channel_config.kind == ChannelKind.EMAIL:
        raise ValidationError({"channel": _("Use an e-mail for the SMTP channel.")})
    message = OutboxMessage.objects.create(
        organization=organization,
        channel=channel_config.kind,
        channel_config=channel_config,
        recipient=channel_config.name[:300],
        subject=str(title)[:500],
        body_text=str(text),
        payload={"link": link},
        project=project,
        related_type=related._meta.label_lower if related is not None else "",
        related_id=str(related.pk) if related is not None else "",
    )
    _enqueue_delivery(message.pk)
    return message


def comms_settings_for(organization) -> CommsSettings:
    obj, _created = CommsSettings.objects.get_or_create(organization=organization)
    return obj


CHANNEL_FIELDS = frozenset(
    {
        "kind",
        "name",
        "url",
        "smtp_host",
        "smtp_port",
        "smtp_user",
        "smtp_security",
        "from_email",
        "project",
        "is_active",
    }
)


def require_org_admin(actor: Membership, obj=None) -> None:
    """Channels, the outbox and webhook subscriptions are the organisation's admins' business
    (``obj``, when given, is the organisation's). The API asks it before it validates a body."""
    require_admin(actor)
    if obj is not None and obj.organization_id != actor.organization_id:
        raise PermissionDenied


def _channel_validate(actor, config: ChannelConfig) -> None:
    errors = {}
    if config.kind == ChannelKind.EMAIL:
        if not config.smtp_host:
            errors["smtp_host"] = _("Enter the SMTP server's host name.")
        else:
            try:
                netguard.check_smtp_port(config.smtp_port or 25)
            except netguard.UnsafeURL as exc:
                errors["smtp_port"] = str(exc)
            else:
                try:
                    netguard.validate_smtp(config.smtp_host, config.smtp_port or 25)
                except netguard.UnsafeURL as exc:
                    errors["smtp_host"] = str(exc)
    else:
        if not config.url:
            errors["url"] = _("Enter the webhook URL the provider gave you.")
        else:
            try:
                netguard.validate_url(config.url)
            except netguard.UnsafeURL as exc:
                errors["url"] = str(exc)
    if config.project_id and config.project.organization_id != config.organization_id:
        errors["project"] = _("Choose a project of your organisation.")
    if errors:
        raise ValidationError(errors)
    config.full_clean(exclude=["organization", "project", "secret_encrypted", "inbound_secret_encrypted"])


@transaction.atomic
def channel_config_create(
    *, actor: Membership, secret: str = "", inbound_secret: str = "", **fields
) -> ChannelConfig:
    require_org_admin(actor)
    unknown = set(fields) - CHANNEL_FIELDS
    if unknown:
        raise ValidationError({"__all__": _("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}})
    config = ChannelConfig(organization=actor.organization, **fields)
    config.secret_encrypted = crypto.encrypt(secret.strip())
    config.inbound_secret_encrypted = crypto.encrypt(inbound_secret.strip())
    if config.kind in (ChannelKind.SLACK, ChannelKind.FEISHU, ChannelKind.DINGTALK):
        config.inbound_token = _secrets.token_urlsafe(24)
    _channel_validate(actor, config)
    config.save()
    audit_create(actor.user, config)
    return config


@transaction.atomic
def channel_config_update(
    *, actor: Membership, config: ChannelConfig, secret: str = "", inbound_secret: str = "", **fields
) -> ChannelConfig:
    """Change a channel; an empty ``secret`` keeps the stored one."""
    require_org_admin(actor, config)
    unknown = set(fields) - CHANNEL_FIELDS - {"clear_secret"}
    if unknown:
        raise ValidationError({"__all__": _("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}})
    clear = fields.pop("clear_secret", False)
    if secret.strip():
        fields["secret_encrypted"] = crypto.encrypt(secret.strip())
    elif clear:
        fields["secret_encrypted"] = ""
    if inbound_secret.strip():
        fields["inbound_secret_encrypted"] = crypto.encrypt(inbound_secret.strip())
    candidate = with_values(config, fields)
    if (
        candidate.kind in (ChannelKind.SLACK, ChannelKind.FEISHU, ChannelKind.DINGTALK)
        and not candidate.inbound_token
    ):
        fields["inbound_token"] = candidate.inbound_token = _secrets.token_urlsafe(24)
    _channel_validate(actor, candidate)
    update_fields(actor.user, config, fields)
    return config


@transaction.atomic
def channel_config_delete(*, actor: Membership, config: ChannelConfig) -> None:
    require_org_admin(actor, config)
    audit_delete(actor.user, config)
    config.delete()


@transaction.atomic
def channel_config_test(*, actor: Membership, config: ChannelConfig) -> OutboxMessage:
    """Queue a test message through ``config`` (to the admin's own address for SMTP)."""
    require_org_admin(actor, config)
    with translation.override(actor.user.language or actor.organization.default_language or "en"):
        title = _("Test message from Accord")
        text = _("If you can read this, the channel “%(name)s” works.") % {"name": config.name}
    audit_event(actor.user, config, "test_sent")
    if config.kind == ChannelKind.EMAIL:
        message = OutboxMessage.objects.create(
            organization=actor.organization,
            channel="email",
            channel_config=config,
            recipient=actor.user.email,
            subject=title,
            body_text=text,
            headers={"Auto-Submitted": "auto-generated"},
            related_type=config._meta.label_lower,
            related_id=str(config.pk),
        )
        _enqueue_delivery(message.pk)
        return message
    return outbox_channel_message(
        organization=actor.organization,
        channel_config=config,
        title=title,
        text=text,
        link=settings.BASE_URL,
        related=config,
    )


@transaction.atomic
def reminder_preference_set(
    *, actor: Membership, channel_config: ChannelConfig | None, mention: str = ""
) -> ReminderPreference:
    """Where the actor's own reminders go (a team member's setting)."""
    require_team(actor)
    if channel_config is not None and channel_config.organization_id != actor.organization_id:
        raise ValidationError({"channel_config": _("Choose a channel of your organisation.")})
    pref, _created = ReminderPreference.objects.update_or_create(
        organization=actor.organization,
        user=actor.user,
        defaults={"channel_config": channel_config, "mention": mention.strip()[:100]},
    )
    return pref


# --- outbox -------------------------------------------------------------------------------------


@transaction.atomic
def outbox_retry(*, actor: Membership, message: OutboxMessage) -> OutboxMessage:
    """Make a failed or dead message due now ("retry now"); admins only."""
    from . import delivery

    require_org_admin(actor, message)

    if message.status not in (OutboxStatus.FAILED, OutboxStatus.DEAD, OutboxStatus.PENDING):
        raise ValidationError({"__all__": _("Only a waiting, failed or dead message can be retried.")})
    delivery.retry_now(message)
    audit_event(actor.user, message, "retry")
    message.refresh_from_db()
    return message


def delivery_circuit_retry(*, actor: Membership, circuit: DeliveryCircuit) -> int:
    """Retry every failed, dead or waiting message of one delivery route now (admins only).
    Returns how many messages were queued."""
    from . import delivery

    if not actor.is_admin or circuit.organization_id != actor.organization_id:
        raise PermissionDenied(_("Only an administrator can retry an organisation's messages."))
    with transaction.atomic():
        count = delivery.retry_route(circuit)
        audit_event(actor.user, circuit, "retry_failed", {"messages": count})
    return count


# --- outgoing event webhooks ----------------------------------------------------------------


def _subscription_validate(actor, sub: WebhookSubscription) -> None:
    errors = {}
    try:
        netguard.validate_url(sub.url)
    except netguard.UnsafeURL as exc:
        errors["url"] = str(exc)
    if not isinstance(sub.events, list) or not sub.events:
        errors["events"] = _("Choose at least one event.")
    else:
        unknown = [e for e in sub.events if e not in KNOWN_EVENTS]
        if unknown:
            errors["events"] = _("Unknown events: %(e)s") % {"e": ", ".join(map(str, unknown))}
    if errors:
        raise ValidationError(errors)
    sub.full_clean(exclude=["organization", "created_by", "secret_encrypted"])


@transaction.atomic
def webhook_subscription_create(*, actor: Membership, url: str, events: list, description: str = "") -> tuple:
    """Subscribe ``url`` to ``events`` (admins). Returns (subscription, its whsec_ secret shown once)."""
    from .providers import new_webhook_secret

    require_org_admin(actor)

    secret = new_webhook_secret()
    sub = WebhookSubscription(
        organization=actor.organization,
        url=(url or "").strip(),
        events=list(dict.fromkeys(events or [])),
        description=description.strip(),
        secret_encrypted=crypto.encrypt(secret),
        created_by=actor.user,
    )
    _subscription_validate(actor, sub)
    sub.save()
    audit_create(actor.user, sub)
    return sub, secret


@transaction.atomic
def webhook_subscription_update(
    *, actor: Membership, sub: WebhookSubscription, **fields
) -> WebhookSubscription:
    require_org_admin(actor, sub)
    values = {key: fields[key] for key in ("url", "events", "description", "is_active") if key in fields}
    _subscription_validate(actor, with_values(sub, values))
    update_fields(actor.user, sub, values)
    return sub


@transaction.atomic
def webhook_subscription_delete(*, actor: Membership, sub: WebhookSubscription) -> None:
    require_org_admin(actor, sub)
    audit_delete(actor.user, sub)
    sub.delete()


# --- mail in ---------------------------------------------------------------------------------------


def project_reply_address(project) -> str:
    """``reply+<token>@<domain>``: mail sent there lands on ``project``'s timeline."""
    box = ProjectMailbox.objects.filter(project=project).first()
    if box is None:
        box, _created = ProjectMailbox.objects.get_or_create(
            project=project,
            defaults={"organization_id": project.organization_id, "token": _secrets.token_hex(10)},
        )
    domain = getattr(settings, "ACCORD_REPLY_DOMAIN", "") or settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[
        -1
    ].strip(" >")
    return f"reply+{box.token}@{domain}"
