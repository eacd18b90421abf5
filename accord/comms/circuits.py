"""Per-route circuit breakers for delivery: an outage is handled once for the route, not once per
message.

A route (``DeliveryCircuit.key``) is an organisation's SMTP server — ``smtp`` for the
installation's, ``smtp:<channel id>`` for its own — an IM channel (``channel:<id>``) or a webhook
subscription (``subscription:<id>``). After ``ACCORD_CIRCUIT_FAILURES`` (5) transient failures in
a row the route opens: its messages wait (they stay due later, they do not fail), and after a
cool-down (``ACCORD_CIRCUIT_COOLDOWN_SECONDS``, 60, doubling per failed probe up to
``ACCORD_CIRCUIT_COOLDOWN_MAX_SECONDS``, 3600) exactly one message is sent as a probe. Its success
closes the route and releases every waiting message. The admins get one notice when the route
opens and one when it closes; the notices' own mails never count towards an outage.

Every state change is a conditional UPDATE, so concurrent workers agree on one probe, one
incident and one recovery.
"""

from __future__ import annotations

import os
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import CircuitState, DeliveryCircuit, OutboxMessage, OutboxStatus

GO, PROBE, WAIT = "go", "probe", "wait"

# Outbox rows that are themselves notices to the admins (about a message or an outage): their
# failures never open a route nor raise an alert of their own.
ALERT_TYPES = frozenset({"comms.outboxmessage", "comms.deliverycircuit"})


def _setting(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw:
        return int(raw)
    return int(getattr(settings, name, default))


def failure_threshold() -> int:
    return max(_setting("ACCORD_CIRCUIT_FAILURES", 5), 1)


def cooldown_seconds(failed_probes: int) -> int:
    """60 s, 2 min, 4 min … up to an hour between probes of a route that is down."""
    base = _setting("ACCORD_CIRCUIT_COOLDOWN_SECONDS", 60)
    cap = _setting("ACCORD_CIRCUIT_COOLDOWN_MAX_SECONDS", 3600)
    return min(base * 2 ** min(failed_probes, 20), cap)


def max_age() -> timedelta:
    """How long a message may keep waiting for its route before it is given up (3 days)."""
    return timedelta(hours=_setting("ACCORD_OUTBOX_MAX_AGE_HOURS", 72))


def is_alert(message: OutboxMessage) -> bool:
    return message.related_type in ALERT_TYPES


def gate(organization_id: int, key: str) -> tuple[str, DeliveryCircuit | None]:
    """May a message of this route be tried now: GO (route closed), PROBE (this message is the
    route's single probe) or WAIT."""
    if not key:
        return GO, None
    circuit = DeliveryCircuit.objects.filter(organization_id=organization_id, key=key).first()
    if circuit is None or circuit.state == CircuitState.CLOSED:
        return GO, circuit
    now = timezone.now()
    won = 0
    if circuit.state == CircuitState.OPEN and circuit.next_probe_at and circuit.next_probe_at <= now:
        won = DeliveryCircuit.objects.filter(
            pk=circuit.pk, state=CircuitState.OPEN, next_probe_at__lte=now
        ).update(state=CircuitState.PROBING, probe_started_at=now, updated_at=now)
    elif circuit.state == CircuitState.PROBING:
        # A probe whose worker died is taken over after the delivery lease.
        from .delivery import lease_seconds

        stale = now - timedelta(seconds=lease_seconds())
        won = DeliveryCircuit.objects.filter(
            pk=circuit.pk, state=CircuitState.PROBING, probe_started_at__lt=stale
        ).update(probe_started_at=now, updated_at=now)
    if won:
        circuit.refresh_from_db()
        return PROBE, circuit
    return WAIT, circuit


def park(message: OutboxMessage, circuit: DeliveryCircuit) -> None:
    """Leave a message of a route that is down waiting (not failed, no attempt counted) until the
    route's next probe; it is released when the route recovers. One that has waited longer than
    ``max_age()`` is given up (the outage's notice stands for it: no alert of its own)."""
    now = timezone.now()
    waiting = OutboxMessage.objects.filter(
        pk=message.pk, status__in=[OutboxStatus.PENDING, OutboxStatus.FAILED]
    )
    if message.created_at and message.created_at < now - max_age():
        waiting.update(
            status=OutboxStatus.DEAD,
            next_attempt_at=None,
            circuit_key=circuit.key,
            last_error=f"Gave up: {circuit.label} was down for longer than the message may wait"[:2000],
            updated_at=now,
        )
        return
    when = circuit.next_probe_at
    if when is None or when <= now:
        when = now + timedelta(seconds=cooldown_seconds(circuit.failed_probes))
    waiting.update(next_attempt_at=when, circuit_key=circuit.key, updated_at=now)


def give_back_probe(circuit: DeliveryCircuit) -> None:
    """The probe was not sent (the message was taken, or its failure says nothing about the
    route): the next message may probe at once."""
    DeliveryCircuit.objects.filter(pk=circuit.pk, state=CircuitState.PROBING).update(
        state=CircuitState.OPEN, next_probe_at=timezone.now(), updated_at=timezone.now()
    )


def record_route_failure(
    message: OutboxMessage, *, key: str, label: str, error: str, probe: bool
) -> DeliveryCircuit:
    """Count a transient failure against the route; open it at the threshold (one incident).
    Returns the circuit as it now is."""
    now = timezone.now()
    circuit, _created = DeliveryCircuit.objects.get_or_create(
        organization_id=message.organization_id, key=key, defaults={"label": label[:300]}
    )
    if probe:
        failed = circuit.failed_probes + 1
        DeliveryCircuit.objects.filter(pk=circuit.pk).update(
            state=CircuitState.OPEN,
            failed_probes=failed,
            next_probe_at=now + timedelta(seconds=cooldown_seconds(failed)),
            probe_started_at=None,
            last_error=error[:2000],
            updated_at=now,
        )
        circuit.refresh_from_db()
        return circuit
    DeliveryCircuit.objects.filter(pk=circuit.pk).update(
        consecutive_failures=F("consecutive_failures") + 1,
        last_error=error[:2000],
        label=label[:300],
        updated_at=now,
    )
    circuit.refresh_from_db()
    if circuit.state == CircuitState.CLOSED and circuit.consecutive_failures >= failure_threshold():
        opened = DeliveryCircuit.objects.filter(pk=circuit.pk, state=CircuitState.CLOSED).update(
            state=CircuitState.OPEN,
            opened_at=now,
            failed_probes=0,
            next_probe_at=now + timedelta(seconds=cooldown_seconds(0)),
            updated_at=now,
        )
        circuit.refresh_from_db()
        if opened:
            _notify_admins(circuit, down=True)
    return circuit


def record_route_success(organization_id: int, key: str, *, exclude_message_id: int | None = None) -> int:
    """A message went through: the route works. A route that was down closes (one recovery
    notice) and its waiting messages are released. Returns how many were released."""
    if not key:
        return 0
    circuit = DeliveryCircuit.objects.filter(organization_id=organization_id, key=key).first()
    if circuit is None:
        return 0
    now = timezone.now()
    if circuit.state == CircuitState.CLOSED:
        if circuit.consecutive_failures:
            DeliveryCircuit.objects.filter(pk=circuit.pk, state=CircuitState.CLOSED).update(
                consecutive_failures=0, updated_at=now
            )
        return 0
    closed = DeliveryCircuit.objects.filter(
        pk=circuit.pk, state__in=[CircuitState.OPEN, CircuitState.PROBING]
    ).update(
        state=CircuitState.CLOSED,
        consecutive_failures=0,
        failed_probes=0,
        next_probe_at=None,
        probe_started_at=None,
        updated_at=now,
    )
    if not closed:
        return 0
    released = release_waiting(circuit, exclude_message_id=exclude_message_id)
    circuit.refresh_from_db()
    _notify_admins(circuit, down=False, released=released)
    return released


def release_waiting(circuit: DeliveryCircuit, *, exclude_message_id: int | None = None) -> int:
    """Make the route's waiting messages due now and queue them after commit."""
    from .tasks import deliver_message

    waiting = OutboxMessage.objects.filter(
        organization_id=circuit.organization_id,
        circuit_key=circuit.key,
        status__in=[OutboxStatus.PENDING, OutboxStatus.FAILED],
    )
    if exclude_message_id:
        waiting = waiting.exclude(pk=exclude_message_id)
    ids = list(waiting.order_by("id").values_list("pk", flat=True))
    if not ids:
        return 0
    OutboxMessage.objects.filter(pk__in=ids).update(next_attempt_at=None, updated_at=timezone.now())

    def enqueue():
        for pk in ids:
            deliver_message.enqueue(pk)

    transaction.on_commit(enqueue, robust=True)
    return len(ids)


def _notify_admins(circuit: DeliveryCircuit, *, down: bool, released: int = 0) -> None:
    """One notice to the organisation's admins. For a mail route it stays in the app: a mail
    through the server that is down would only wait behind the outage it reports."""
    from accord.tenancy.models import ADMIN_ROLES, Organization, User

    from .services import notify

    admins = User.objects.filter(
        memberships__organization_id=circuit.organization_id,
        memberships__role__in=ADMIN_ROLES,
        memberships__is_active=True,
    ).distinct()
    if down:
        title = format_lazy(_("Delivery is failing: {}"), circuit.label)
        body = format_lazy(
            _(
                "Messages through {} wait and are retried automatically; you will be told when it works "
                "again. Last error: {}"
            ),
            circuit.label,
            circuit.last_error[:500],
        )
    else:
        title = format_lazy(_("Delivery works again: {}"), circuit.label)
        body = format_lazy(_("Messages that waited and are being sent now: {}."), released)
    notify(
        organization=Organization.objects.get(pk=circuit.organization_id),
        users=admins,
        title=title,
        body=body,
        url="/communication/outbox/",
        email=not circuit.key.startswith("smtp"),
        related=circuit,
    )
