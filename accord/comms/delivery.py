"""Delivering outbox messages: claim, send, record, retry or give up.

A message is claimed with a conditional UPDATE (pending/failed and due → sending), so two
workers never send the same row at once. A worker that dies mid-send leaves the row in
"sending"; the sweeper hands it out again after the lease has expired — the receiver then
sees the same idempotency key (Message-ID for mail, ``webhook-id`` for webhooks) and can
recognise the resend.

A worker that takes a message also takes a bounded batch of the other due messages of the same
route (the same conditional claim, under a row lock) and sends them one after the other over one
SMTP connection or one kept-alive HTTP connection; each is recorded as before (a failure on its
own, with its backoff; successes a few at a time). Their own tasks then find them sent.
"""

from __future__ import annotations

import logging
import os
import random
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accord.lib import netguard

from .models import CircuitState, DeliveryCircuit, OutboxMessage, OutboxStatus
from .providers import DeliveryError
from .senders import MailSession, mail_config, send

logger = logging.getLogger(__name__)


def _setting(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw:
        return int(raw)
    return int(getattr(settings, name, default))


def lease_seconds() -> int:
    """How long a claimed message may stay "sending" before the sweeper assumes its worker died."""
    return _setting("ACCORD_OUTBOX_LEASE_SECONDS", 300)


def batch_size() -> int:
    """How many due messages of one route a worker takes at once (the message it was given included)."""
    return max(_setting("ACCORD_OUTBOX_BATCH", 100), 1)


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: about 30 s, 1 min, 2 min … capped at 6 h."""
    base = min(30 * 2 ** max(attempts - 1, 0), 6 * 3600)
    return base * random.uniform(0.5, 1.5)


DUE_STATUSES = (OutboxStatus.PENDING, OutboxStatus.FAILED)
# A batch is claimed, and its successes recorded, this many at a time (or after FLUSH_SECONDS):
# few queries, and few messages held or sent again (under the same key) after a worker dies.
FLUSH_EVERY = 20
FLUSH_SECONDS = 0.05


def _due(now) -> Q:
    return Q(status__in=DUE_STATUSES) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def _with_parts(queryset):
    return queryset.select_related("organization", "channel_config", "subscription").prefetch_related(
        "attachments"
    )


def claim(message_id: int, *, key: str | None = None) -> OutboxMessage | None:
    """Take the message for delivery unless another worker has it, it is done or not yet due;
    ``key`` is its route's circuit key, recorded with the claim."""
    now = timezone.now()
    route = {} if key is None else {"circuit_key": key}
    updated = OutboxMessage.objects.filter(_due(now), pk=message_id).update(
        status=OutboxStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now, updated_at=now, **route
    )
    if not updated:
        return None
    return _with_parts(OutboxMessage.objects.filter(pk=message_id)).get()


def _route_q(message: OutboxMessage) -> Q:
    """The messages that travel the same route as ``message`` (same server or receiver)."""
    same = Q(organization_id=message.organization_id, channel=message.channel)
    if message.subscription_id:
        return same & Q(subscription_id=message.subscription_id)
    if message.channel_config_id:
        return same & Q(channel_config_id=message.channel_config_id)
    return same & Q(channel_config__isnull=True, subscription__isnull=True)


def claim_batch(message: OutboxMessage, *, key: str, limit: int, created_before=None) -> list[OutboxMessage]:
    """Take up to ``limit`` more due messages of ``message``'s route, oldest first (only those
    created before ``created_before`` when given).

    The rows are read and claimed in one transaction under a row lock that skips rows another
    worker holds (SQLite: the transaction itself is the writer's lock), and the claim is the same
    conditional UPDATE as ``claim`` — a row is never taken by two workers."""
    if limit <= 0 or not key:
        return []
    now = timezone.now()
    due = OutboxMessage.objects.filter(_due(now), _route_q(message))
    if created_before is not None:
        due = due.filter(created_at__lt=created_before)
    with transaction.atomic():
        rows = list(
            _with_parts(due)
            .exclude(pk=message.pk)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("id")[:limit]
        )
        if not rows:
            return []
        OutboxMessage.objects.filter(_due(now), pk__in=[row.pk for row in rows]).update(
            status=OutboxStatus.SENDING,
            attempts=F("attempts") + 1,
            claimed_at=now,
            circuit_key=key,
            updated_at=now,
        )
    for row in rows:
        row.claimed_from = row.status
        row.status, row.attempts, row.claimed_at = OutboxStatus.SENDING, row.attempts + 1, now
        row.circuit_key = key
    return rows


def release(messages: list[OutboxMessage]) -> None:
    """Give back claimed messages that were not tried (the route went down, time ran out): they
    are as they were before the claim, and their own tasks or the sweeper hand them out again."""
    now = timezone.now()
    for status in DUE_STATUSES:
        ids = [m.pk for m in messages if getattr(m, "claimed_from", None) == status]
        if ids:
            OutboxMessage.objects.filter(pk__in=ids, status=OutboxStatus.SENDING).update(
                status=status, attempts=F("attempts") - 1, updated_at=now
            )


# --- the lifecycle -----------------------------------------------------------------------------


def _alert_dead(message: OutboxMessage) -> None:
    from accord.tenancy.models import ADMIN_ROLES, User

    from .services import notify

    admins = User.objects.filter(
        memberships__organization_id=message.organization_id,
        memberships__role__in=ADMIN_ROLES,
        memberships__is_active=True,
    ).distinct()
    # An alert that itself could not be delivered is only shown in the app: no alert loops.
    is_alert = message.related_type == "comms.outboxmessage"
    notify(
        organization=message.organization,
        users=admins,
        title=format_lazy(_("A message could not be delivered: {}"), message.subject or message.recipient),
        body=format_lazy(_("To {}. Last error: {}"), message.recipient, message.last_error[:500]),
        url=f"/communication/outbox/{message.pk}/",
        email=not is_alert,
        related=message,
    )


def _schedule_retry(message: OutboxMessage) -> None:
    from django_tasks import default_task_backend

    from .tasks import deliver_message

    if not default_task_backend.supports_defer:
        return  # the sweeper picks it up when it is due
    when = message.next_attempt_at
    transaction.on_commit(lambda: deliver_message.using(run_after=when).enqueue(message.pk), robust=True)


def route_of(message: OutboxMessage, *, config=...) -> tuple[str, str]:
    """The delivery route of a message — (circuit key, label) — or ("", "") when it has none left
    (its channel or subscription was deleted: that failure is the message's own). ``config`` is
    ``mail_config(message)`` when the caller has it."""
    if message.channel == "email":
        config = mail_config(message) if config is ... else config
        if config is not None:
            return f"smtp:{config.pk}", config.name
        return "smtp", str(_("The mail server"))
    if message.subscription_id:
        return f"subscription:{message.subscription_id}", message.subscription.url
    if message.channel_config_id:
        return f"channel:{message.channel_config_id}", message.channel_config.name
    return "", ""


def record_failure(
    message: OutboxMessage, error: str, *, permanent: bool, label: str = "", probe: bool = False
) -> DeliveryCircuit | None:
    """A failed attempt. A transient failure counts against the message's route (which may open
    it); the message then waits for the route's next probe, or backs off on a route that works.
    It is given up only for a permanent error or once older than ``circuits.max_age()``.
    Returns the route's circuit as it now is when the failure counted against it."""
    from . import circuits

    message.last_error = error[:2000]
    now = timezone.now()
    with transaction.atomic():
        circuit = None
        counts = bool(message.circuit_key) and not permanent and not circuits.is_alert(message)
        if counts:
            circuit = circuits.record_route_failure(
                message, key=message.circuit_key, label=label, error=message.last_error, probe=probe
            )
        elif probe and message.circuit_key:
            # A refusal of this one message says nothing about the route: let another probe.
            circuit = DeliveryCircuit.objects.filter(
                organization_id=message.organization_id, key=message.circuit_key
            ).first()
            if circuit is not None:
                circuits.give_back_probe(circuit)
        route_down = circuit is not None and circuit.state != CircuitState.CLOSED
        too_old = message.created_at is not None and message.created_at < now - circuits.max_age()
        if permanent or too_old:
            message.status = OutboxStatus.DEAD
            message.next_attempt_at = None
        else:
            message.status = OutboxStatus.FAILED
            if route_down and circuit.next_probe_at:
                message.next_attempt_at = max(circuit.next_probe_at, now)
            else:
                message.next_attempt_at = now + timedelta(seconds=backoff_seconds(message.attempts))
        message.save(update_fields=["status", "last_error", "next_attempt_at", "updated_at"])
        if message.status == OutboxStatus.DEAD:
            # An outage has its own single notice; a notice's own mail never raises another.
            if not circuits.is_alert(message) and not (too_old and route_down):
                _alert_dead(message)
        else:
            _schedule_retry(message)
    return circuit if counts else None


def record_sent(messages: list[OutboxMessage]) -> None:
    """Messages of one route that went through, in one transaction: the route works (once), the
    rows are sent (one UPDATE), and each message meets its obligation as a single one would."""
    from . import circuits, obligations

    if not messages:
        return
    first = messages[0]
    now = timezone.now()
    with transaction.atomic():
        circuits.record_route_success(first.organization_id, first.circuit_key, exclude_message_id=first.pk)
        OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
            status=OutboxStatus.SENT, sent_at=now, last_error="", next_attempt_at=None, updated_at=now
        )
        for message in messages:
            message.status, message.sent_at, message.last_error = OutboxStatus.SENT, now, ""
            message.next_attempt_at, message.updated_at = None, now
            if message.related_type == "comms.obligation":
                # Sent for one obligation (from its "Send" page): that one is met, on any channel.
                obligations.meet_for_own_message(message)
            elif (
                message.project_id
                and message.channel == "email"
                and not obligations.related_met_already(message)
            ):
                obligations.meet_for_message(message)


def deliver(message_id: int) -> OutboxMessage | None:
    """Deliver one message if it is ours to deliver, and with it a batch of the other due
    messages of its route (not when it is the route's probe). Never raises for a delivery problem.

    Nothing is sent while delivery is paused (a restored copy starts so): the row stays due and
    the sweeper hands it out once an operator resumes."""
    from accord.core.hooks import delivery_paused

    from . import circuits

    # A message already sent (in another's batch), being sent or not due yet ends here.
    peek = (
        OutboxMessage.objects.select_related("channel_config", "subscription")
        .filter(_due(timezone.now()), pk=message_id)
        .first()
    )
    if peek is None:
        return None
    if delivery_paused():
        logger.info("delivery paused: message=%s left for later", message_id)
        return None
    config = mail_config(peek) if peek.channel == "email" else None
    key, label = route_of(peek, config=config)
    verdict, circuit = circuits.gate(peek.organization_id, key)
    if verdict == circuits.WAIT:
        # Its route is down: the message waits for the probe, it is not tried (nor failed).
        circuits.park(peek, circuit)
        logger.info("delivery message=%s waits: route %s is down", message_id, key)
        return None
    probe = verdict == circuits.PROBE
    message = claim(message_id, key=key)
    if message is None:
        if probe:
            circuits.give_back_probe(circuit)
        return None
    session = MailSession(config) if message.channel == "email" else netguard.Session()
    try:
        # A probe goes alone: the route must prove itself with one message first.
        deliver_claimed(message, session=session, label=label, probe=probe, key="" if probe else key)
    finally:
        session.close()
    return message


def deliver_claimed(lead: OutboxMessage, *, session, label: str, probe: bool = False, key: str = "") -> None:
    """Send the claimed ``lead`` over ``session`` and, with a route ``key``, the other due
    messages of its route, claimed a chunk at a time (up to ``batch_size()`` in all); record each.

    Successes are recorded a few at a time (at the latest every ``FLUSH_SECONDS``), and always
    before a failure is, so the route's count of failures in a row stays exact. A chunk is claimed
    only when the one before is done: a worker that dies holds at most one chunk. When a failure
    leaves the route down, or the batch has taken a third of the delivery lease (past it the
    sweeper would hand the rows out again), the messages not tried yet are given back."""
    started_batch, begun = time.monotonic(), timezone.now()
    budget = lease_seconds() / 3
    sent: list[tuple[OutboxMessage, float]] = []
    flushed = time.monotonic()

    def flush():
        nonlocal flushed
        record_sent([m for m, _took in sent])
        finish_queued_tasks([m.pk for m, _took in sent if m is not lead])
        for m, took in sent:
            _log_delivery(m, took=took)
        sent.clear()
        flushed = time.monotonic()

    first = min(FLUSH_EVERY, batch_size()) - 1
    # What was due when the batch began: messages queued meanwhile (say, an alert about one of
    # these) go their own way.
    chunk = [lead, *(claim_batch(lead, key=key, limit=first, created_before=begun) if key else [])]
    taken, done = len(chunk), 0
    try:
        while chunk:
            for message in chunk:
                if time.monotonic() - started_batch > budget and message is not lead:
                    return
                started = time.monotonic()
                done += 1
                try:
                    send(message, session=session)
                except Exception as exc:
                    flush()
                    if isinstance(exc, DeliveryError):
                        error, permanent = str(exc), exc.permanent
                    else:  # a bug or an unexpected answer: recorded and retried, never lost
                        logger.exception("Delivering outbox message %s failed", message.pk)
                        error, permanent = f"{type(exc).__name__}: {exc}", False
                    circuit = record_failure(message, error, permanent=permanent, label=label, probe=probe)
                    _log_delivery(message, took=time.monotonic() - started)
                    if circuit is not None and circuit.state != CircuitState.CLOSED:
                        return
                    continue
                sent.append((message, time.monotonic() - started))
                if len(sent) >= FLUSH_EVERY or time.monotonic() - flushed >= FLUSH_SECONDS:
                    flush()
            flush()
            limit = min(FLUSH_EVERY, batch_size() - taken)
            if not key or limit <= 0 or time.monotonic() - started_batch > budget:
                return
            chunk, done = claim_batch(lead, key=key, limit=limit, created_before=begun), 0
            taken += len(chunk)
    finally:
        # Also on the way out of an interrupted worker: what went through is recorded, what was
        # not tried is given back (the message being sent stays "sending" for the sweeper).
        flush()
        release(chunk[done:])


def _log_delivery(message: OutboxMessage, *, took: float) -> None:
    """One line per delivery attempt, for the operator's log search."""
    logger.info(
        "delivery message=%s org=%s channel=%s status=%s attempt=%s ms=%d error=%r",
        message.pk,
        message.organization_id,
        message.channel,
        message.status,
        message.attempts,
        took * 1000,
        message.last_error[:200],
    )


def retry_now(message: OutboxMessage) -> None:
    """Make a failed or dead message due again (the admin's "retry now")."""
    from .tasks import deliver_message

    OutboxMessage.objects.filter(
        pk=message.pk, status__in=[OutboxStatus.FAILED, OutboxStatus.DEAD, OutboxStatus.PENDING]
    ).update(status=OutboxStatus.PENDING, next_attempt_at=None, attempts=0, updated_at=timezone.now())
    transaction.on_commit(lambda: deliver_message.enqueue(message.pk), robust=True)


def retry_route(circuit: DeliveryCircuit) -> int:
    """Make every waiting, failed or dead message of a route due now and queue them (the admin's
    "retry all failed"); a route that is down is probed at once. Returns how many."""
    from .tasks import deliver_message

    now = timezone.now()
    ids = list(
        OutboxMessage.objects.filter(
            organization_id=circuit.organization_id,
            circuit_key=circuit.key,
            status__in=[OutboxStatus.PENDING, OutboxStatus.FAILED, OutboxStatus.DEAD],
        )
        .order_by("id")
        .values_list("pk", flat=True)
    )
    OutboxMessage.objects.filter(pk__in=ids).update(
        status=OutboxStatus.PENDING, next_attempt_at=None, attempts=0, updated_at=now
    )
    DeliveryCircuit.objects.filter(pk=circuit.pk, state=CircuitState.OPEN).update(
        next_probe_at=now, updated_at=now
    )

    def enqueue():
        for pk in ids:
            deliver_message.enqueue(pk)

    transaction.on_commit(enqueue, robust=True)
    return len(ids)


def _queued_tasks():
    """The database queue's waiting ``deliver_message`` tasks, or None on another backend: only
    the database backend can be asked cheaply. On RQ the sweeper's stamp keeps re-queuing rare and
    RQ's own registries handle the jobs of a worker that died."""
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - installed with Accord
        return None
    if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
        return None
    from .tasks import deliver_message

    return DBTaskResult.objects.filter(status="READY", task_path=deliver_message.module_path)


def _queued_message_ids() -> set[int]:
    """Outbox ids that already wait in the database task queue (the sweeper leaves them be)."""
    queued = _queued_tasks()
    if queued is None:
        return set()
    ids = set()
    for args_kwargs in queued.values_list("args_kwargs", flat=True):
        args = (args_kwargs or {}).get("args") or []
        if args:
            ids.add(args[0])
    return ids


def finish_queued_tasks(message_ids: list[int]) -> int:
    """Mark the waiting tasks of messages a batch has sent as done ("sent", what each would have
    returned), instead of a worker's turn each to find its message sent. A task a worker has
    taken already is left to run (and finds its message sent). Database backend only."""
    queued = _queued_tasks()
    if queued is None or not message_ids:
        return 0
    return queued.filter(args_kwargs__args__0__in=message_ids).update(
        status="SUCCESSFUL", finished_at=timezone.now(), return_value=OutboxStatus.SENT.value
    )


def sweep(*, limit: int = 500, min_age_seconds: int = 60) -> int:
    """Hand out again what is due but may not be queued, so nothing is lost if an enqueue was
    missed or a worker died:

    * rows stuck in "sending" past the lease (their worker died mid-send) become failed and due;
    * pending rows older than ``min_age_seconds`` and failed rows due for that long are enqueued.

    A row handed out is stamped (``next_attempt_at`` = now) so the next sweep leaves it alone for
    ``min_age_seconds`` — a long queue is not flooded with copies. Returns how many were enqueued.
    """
    from accord.core.hooks import delivery_paused

    from .tasks import deliver_message

    if delivery_paused():
        return 0
    now = timezone.now()
    settled = now - timedelta(seconds=min_age_seconds)
    stale = now - timedelta(seconds=lease_seconds())
    OutboxMessage.objects.filter(status=OutboxStatus.SENDING, claimed_at__lt=stale).update(
        status=OutboxStatus.FAILED, next_attempt_at=settled, last_error="The worker stopped during delivery"
    )
    due = list(
        OutboxMessage.objects.filter(
            status__in=[OutboxStatus.PENDING, OutboxStatus.FAILED], created_at__lte=settled
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=settled))
        .order_by("id")
        .values_list("pk", flat=True)[: limit * 4]
    )
    queued = _queued_message_ids() if due else set()
    due = [pk for pk in due if pk not in queued][:limit]
    if due:
        OutboxMessage.objects.filter(pk__in=due).update(next_attempt_at=now)
    for pk in due:
        deliver_message.enqueue(pk)
    return len(due)
