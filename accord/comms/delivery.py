"""Delivering one outbox message."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxMessage, OutboxStatus


def claim(message_id: int) -> OutboxMessage | None:
    """Take the message for delivery unless another worker has it or it is done."""
    with transaction.atomic():
        updated = OutboxMessage.objects.filter(
            pk=message_id, status__in=[OutboxStatus.PENDING, OutboxStatus.FAILED]
        ).update(status=OutboxStatus.SENDING, attempts=F("attempts") + 1)
        if not updated:
            return None
    return OutboxMessage.objects.get(pk=message_id)


def send_email(message: OutboxMessage) -> None:
    headers = dict(message.headers)
    headers.setdefault("Message-ID", f"<{message.idempotency_key}@accord>")
    reply_to = headers.pop("Reply-To", "")
    mail = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        to=[addr.strip() for addr in message.recipient.split(",") if addr.strip()],
        headers=headers,
        reply_to=[reply_to] if reply_to else None,
        connection=get_connection(),
    )
    if message.body_html:
        mail.attach_alternative(message.body_html, "text/html")
    for att in message.attachments.all():
        mail.attach(att.filename, bytes(att.content), att.mimetype)
    mail.send()


def deliver(message_id: int) -> OutboxMessage | None:
    message = claim(message_id)
    if message is None:
        return None
    try:
        if message.channel == "email":
            send_email(message)
        else:
            raise ValueError(f"No sender for channel {message.channel!r}")
    except Exception as exc:  # a failed delivery is recorded on the row, never lost
        message.status = OutboxStatus.FAILED
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        message.save(update_fields=["status", "last_error", "updated_at"])
        return message
    message.status = OutboxStatus.SENT
    message.sent_at = timezone.now()
    message.last_error = ""
    message.save(update_fields=["status", "sent_at", "last_error", "updated_at"])
    return message
