"""Operations: worker heartbeats, the paused-delivery switch, the encryption key's fingerprint,
and pruning of old task results and delivered message bodies."""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import SiteState, WorkerHeartbeat

logger = logging.getLogger(__name__)


# --- worker heartbeats ------------------------------------------------------------------------


def worker_identity() -> tuple[str, str, int]:
    host = socket.gethostname()
    pid = os.getpid()
    return f"{host}-{pid}", host, pid


def heartbeat_beat(*, worker_id: str, host: str, pid: int, started_at=None) -> None:
    """Record that this worker is alive now (one small UPSERT-like write)."""
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(last_beat_at=now)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={"host": host, "pid": pid, "started_at": started_at or now, "last_beat_at": now},
        )


def heartbeat_latest():
    return WorkerHeartbeat.objects.order_by("-last_beat_at").values_list("last_beat_at", flat=True).first()


# --- site state: paused delivery, key fingerprint ----------------------------------------------


def site_state() -> SiteState:
    state, _created = SiteState.objects.get_or_create(pk=1)
    return state


def delivery_paused() -> bool:
    return SiteState.objects.filter(pk=1, delivery_paused=True).exists()


def delivery_pause(*, reason: str) -> None:
    state = site_state()
    state.delivery_paused = True
    state.paused_reason = reason[:200]
    state.save(update_fields=["delivery_paused", "paused_reason", "updated_at"])
    logger.warning("Outgoing delivery paused: %s", reason)


def delivery_resume(*, actor=None) -> None:
    """Let the worker send again. From the web ``actor`` is a Membership of an admin who is also
    an operator (the switch is for the whole installation); the command passes none."""
    if actor is not None:
        from django.core.exceptions import PermissionDenied

        from accord.tenancy.access import require_admin

        require_admin(actor)
        if not actor.user.is_staff:
            raise PermissionDenied
    with transaction.atomic():
        state = site_state()
        state.delivery_paused = False
        state.paused_reason = ""
        state.save(update_fields=["delivery_paused", "paused_reason", "updated_at"])
        if actor is not None:
            from accord.audit.services import audit_event

            audit_event(actor.user, actor.organization, "delivery_resumed")
    logger.warning("Outgoing delivery resumed")


def key_fingerprint(material: str | None = None) -> str:
    """A fingerprint of the key that encrypts stored secrets (the SECRET_KEY when none is set)."""
    if material is None:
        material = settings.FIELD_ENCRYPTION_KEY or settings.SECRET_KEY
    return hashlib.sha256(f"accord-field-key|{material}".encode()).hexdigest()


def key_check() -> bool:
    """True when the current key is the one the stored secrets were written with.

    The first run records the fingerprint; later runs compare against it.
    """
    state = site_state()
    current = key_fingerprint()
    if not state.key_fingerprint:
        state.key_fingerprint = current
        state.save(update_fields=["key_fingerprint", "updated_at"])
        return True
    if state.key_fingerprint != current:
        logger.error(
            "The field-encryption key differs from the one the stored secrets were written with: "
            "channel secrets are unreadable. Set the old ACCORD_FIELD_ENCRYPTION_KEY, or re-enter "
            "the secrets, or run `accord rotate-keys --old-key-file ...`."
        )
        return False
    return True


# --- retention --------------------------------------------------------------------------------


def prune_old_records(now=None) -> dict[str, int]:
    """Delete finished task results and clear the bodies of delivered messages past retention."""
    from accord.comms.models import OutboxMessage

    now = now or timezone.now()
    counts = {"task_results": 0, "outbox_bodies": 0, "heartbeats": 0}
    task_cutoff = now - timedelta(days=settings.ACCORD_TASK_RESULT_RETENTION_DAYS)
    try:
        from django_tasks_db.models import DBTaskResult

        counts["task_results"], _ = DBTaskResult.objects.filter(
            status__in=["SUCCESSFUL", "FAILED"], finished_at__lt=task_cutoff
        ).delete()
    except ImportError:  # pragma: no cover - installed with Accord
        pass
    body_cutoff = now - timedelta(days=settings.ACCORD_OUTBOX_BODY_RETENTION_DAYS)
    counts["outbox_bodies"] = outbox_bodies_clear(OutboxMessage.objects.all(), sent_before=body_cutoff)
    # Workers that stopped a week ago (each restart is a new id) no longer need a row.
    counts["heartbeats"], _ = WorkerHeartbeat.objects.filter(
        last_beat_at__lt=now - timedelta(days=7)
    ).delete()
    logger.info(
        "Pruned %(task_results)s task results, %(outbox_bodies)s message bodies, %(heartbeats)s heartbeats",
        counts,
    )
    return counts


def outbox_bodies_clear(messages, *, sent_before) -> int:
    """Clear the text, payload and attachments of the delivered ``messages`` sent before
    ``sent_before`` (an organisation's retention uses it with its own cut-off). Returns how many."""
    from accord.comms.models import OutboxAttachment, OutboxStatus

    old_sent = messages.filter(status=OutboxStatus.SENT, sent_at__lt=sent_before)
    OutboxAttachment.objects.filter(message__in=old_sent).delete()
    return old_sent.exclude(body_text="", body_html="", payload={}).update(
        body_text="", body_html="", payload={}
    )
