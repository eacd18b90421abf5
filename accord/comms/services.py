"""Messages out, notifications and events.

Every outgoing message goes through the outbox: the row is written in the caller's
transaction and delivered after commit by the worker, so a rolled-back change sends
nothing and an accepted message is never lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import translation

from .models import Event, Notification, OutboxAttachment, OutboxMessage


def _enqueue_delivery(message_id: int) -> None:
    from .tasks import deliver_message

    transaction.on_commit(lambda: deliver_message.enqueue(message_id))


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
) -> OutboxMessage:
    """Queue one e-mail (to one or more addresses) for delivery after the current transaction commits.

    ``attachments`` are ``(filename, content, mimetype)``. Returns the outbox row.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    message_headers = dict(headers or {})
    if reply_to:
        message_headers["Reply-To"] = reply_to
    message = OutboxMessage.objects.create(
        organization=organization,
        channel="email",
        recipient=", ".join(recipients),
        subject=str(subject)[:500],
        body_text=str(text),
        body_html=str(html),
        headers=message_headers,
        related_type=related._meta.label_lower if related is not None else "",
        related_id=str(related.pk) if related is not None else "",
        project=project,
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
                )
    return created


def event_emit(*, organization, name: str, payload: dict) -> Event:
    """Record a domain event; subscribers' webhooks are queued in the same transaction."""
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


def obligations_meet(*, project, channel: str, contacts=(), when=None, source=None, note: str = "") -> list:
    """Called when something was delivered to the client outside an interaction (a report
    published and e-mailed, minutes sent): marks the matching open obligations met."""
    from . import obligations

    return obligations.meet(project=project, channel=channel, contacts=contacts, when=when, source=source, note=note)
