"""Doing what an obligation asks: a message drafted from its plan item's content, sent to its audience.

The plan item's content (Markdown) may name ``{project}``, ``{client}``, ``{due}``, ``{progress}``,
``{next_milestone}`` and ``{manager}``; they are filled from the project's live data. The draft is
the manager's to edit. E-mail goes to the audience contacts who have an address (replies come
back to the project's timeline); an IM obligation posts to one of the organisation's channels
of that kind. The obligation is met when the outbox delivers the message.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accord.audit.services import audit_event
from accord.lib.text import render_markdown
from accord.tenancy.access import require_project_write
from accord.tenancy.models import Membership

from .models import SENDABLE_CHANNELS, ChannelConfig, Obligation, OutboxMessage
from .selectors import plan_item_audience

PLACEHOLDER = re.compile(r"\{(\w+)\}")
SUBJECT_MAX = 300
BODY_MAX = 20_000


def audience(obligation: Obligation) -> list:
    """The contacts the obligation's plan item addresses, by name."""
    return sorted(
        plan_item_audience(obligation.plan_item, obligation.project), key=lambda c: (str(c).lower(), c.pk)
    )


def channel_choices(obligation: Obligation):
    """Active channels of the obligation's kind: this project's first, then organisation-wide."""
    return (
        ChannelConfig.objects.filter(
            organization_id=obligation.organization_id, kind=obligation.channel, is_active=True
        )
        .filter(Q(project=obligation.project_id) | Q(project__isnull=True))
        .order_by("project_id", "name", "id")
    )


def placeholders(obligation: Obligation) -> dict[str, str]:
    from accord.projects.models import MilestoneStatus
    from accord.projects.selectors import project_stats

    project = obligation.project
    stats = project_stats(project)
    upcoming = (
        project.milestones.exclude(status=MilestoneStatus.DONE)
        .filter(due_date__gte=timezone.localdate())
        .order_by("due_date", "id")
        .first()
    )
    next_milestone = ""
    if upcoming is not None:
        next_milestone = f"{upcoming.name} ({formats.date_format(upcoming.due_date, 'SHORT_DATE_FORMAT')})"
    return {
        "project": project.name,
        "client": project.client.name,
        "due": formats.date_format(obligation.due_date, "SHORT_DATE_FORMAT"),
        "progress": f"{stats.progress}%",
        "next_milestone": next_milestone,
        "manager": str(project.manager) if project.manager_id else "",
    }


def fill(template: str, values: dict[str, str]) -> str:
    """Replace the known ``{name}`` placeholders; anything else in braces stays as written."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template or "")


def draft(obligation: Obligation) -> dict[str, str]:
    item = obligation.plan_item
    values = placeholders(obligation)
    body = fill(item.content_template, values).strip()
    return {
        "subject": f"{values['project']}: {item.purpose}"[:SUBJECT_MAX],
        "body": body or item.purpose,
    }


def _check_text(subject: str, body: str) -> tuple[str, str]:
    subject, body = (subject or "").strip(), (body or "").strip()
    errors = {}
    if not subject:
        errors["subject"] = _("Write a subject.")
    elif len(subject) > SUBJECT_MAX or "\n" in subject or "\r" in subject:
        errors["subject"] = _("The subject must be one line of at most %(n)s characters.") % {
            "n": SUBJECT_MAX
        }
    if not body:
        errors["body"] = _("Write the message.")
    elif len(body) > BODY_MAX:
        errors["body"] = _("The message is too long: at most %(n)s characters.") % {"n": BODY_MAX}
    if errors:
        raise ValidationError(errors)
    return subject, body


def obligation_send(
    *,
    actor: Membership,
    obligation: Obligation,
    subject: str,
    body: str,
    contact_ids=(),
    channel_config=None,
) -> OutboxMessage:
    """Queue the message an obligation asks for; it is met when the message is delivered. The
    actor may change the obligation's project."""
    from . import services

    require_project_write(actor, obligation.project)

    if obligation.channel not in SENDABLE_CHANNELS:
        raise ValidationError(
            _("A %(channel)s obligation is met by logging the conversation as an interaction.")
            % {"channel": obligation.get_channel_display()}
        )
    subject, body = _check_text(subject, body)
    project = obligation.project
    with transaction.atomic():
        if obligation.channel == "email":
            wanted = {int(pk) for pk in contact_ids}
            recipients = [c for c in audience(obligation) if c.pk in wanted and c.email]
            if not recipients:
                raise ValidationError(
                    {"contacts": _("Choose at least one recipient with an e-mail address.")}
                )
            message = services.outbox_email(
                organization=project.organization,
                to=[c.email for c in recipients],
                subject=subject,
                text=body,
                html=str(render_markdown(body)),
                reply_to=services.project_reply_address(project),
                related=obligation,
                project=project,
                auto_submitted="",  # the manager's own message, answered like any personal mail
            )
            detail = {"to": ", ".join(c.email for c in recipients)}
        else:
            if (
                channel_config is None
                or not channel_choices(obligation).filter(pk=channel_config.pk).exists()
            ):
                raise ValidationError(
                    {"channel_config": _("Choose one of your organisation's channels of this kind.")}
                )
            message = services.outbox_channel_message(
                organization=project.organization,
                channel_config=channel_config,
                title=subject,
                text=body,
                related=obligation,
                project=project,
            )
            detail = {"channel": channel_config.name}
        audit_event(actor.user, obligation, "sent", {"subject": subject, **detail})
    return message
