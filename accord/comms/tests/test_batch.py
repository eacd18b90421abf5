"""Batched delivery: a worker takes the due messages of one route and sends them over one
connection — a real SMTP server (aiosmtpd) and a real HTTP/1.1 server on 127.0.0.1, counting the
connections they were opened — while each message keeps its own key, failure and retry."""

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from accord.comms import circuits, delivery, senders, services
from accord.comms.models import (
    ChannelConfig,
    CircuitState,
    DeliveryCircuit,
    Notification,
    OutboxMessage,
    OutboxStatus,
)
from accord.comms.tests.conftest import _Sink, free_port
from accord.lib import crypto

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


class CountingSink(_Sink):
    """Keeps every mail, counts the connections mails came over, and answers RCPT for the
    addresses in ``refuse`` with the given reply."""

    def __init__(self):
        super().__init__()
        self.sessions = []
        self.refuse = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if not any(known is session for known in self.sessions):
            self.sessions.append(session)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp(settings):
    sink = CountingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.server.sockets[0].getsockname()[1]
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield sink
    controller.stop()


class KeepAliveReceiver:
    """An HTTP/1.1 receiver that keeps connections open, as most do; ``hold`` (an Event) makes
    the first request wait until it is set."""

    def __init__(self):
        self.requests = []
        self.handlers = []
        self.hold = None
        self.first_arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers.items()), "body": body})
                if not any(known is self for known in receiver.handlers):
                    receiver.handlers.append(self)
                receiver.first_arrived.set()
                if receiver.hold is not None:
                    receiver.hold.wait(timeout=20)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def keys(self) -> list[str]:
        return [r["headers"]["webhook-id"] for r in self.requests]


@pytest.fixture
def receiver(settings):
    server = KeepAliveReceiver()
    # The operator lets this installation reach the receiver on the loopback address.
    settings.ACCORD_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.ACCORD_WEBHOOK_TIMEOUT = 5
    yield server
    if server.hold is not None:
        server.hold.set()
    server.server.shutdown()
    server.server.server_close()


def _mails(world, n, prefix="Weekly"):
    return [
        services.outbox_email(
            organization=world.org, to=f"c{i}@client.example", subject=f"{prefix} {i}", text="t"
        )
        for i in range(n)
    ]


def _channel(world, url):
    return ChannelConfig.objects.create(
        organization=world.org, kind="webhook", name="Receiver", url=url, secret_encrypted=crypto.encrypt("")
    )


def _posts(world, config, n):
    return [
        services.outbox_channel_message(
            organization=world.org, channel_config=config, title=f"Post {i}", text="t"
        )
        for i in range(n)
    ]


def _statuses(messages):
    return [m.status for m in OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).order_by("pk")]


# Peek, pause check, mail server, route, claim (update, read, attachments), batch claim (read,
# attachments, update), record (route, update), a last look for more: 13, the same for 2 mails as
# for 20; plus the savepoints of the test's transaction (6).
QUERIES_BATCH = 19


@pytest.mark.parametrize("n", [2, 20])
def test_a_batch_of_mails_goes_over_one_smtp_connection(
    world, smtp, django_assert_num_queries, monkeypatch, n
):
    monkeypatch.setattr(delivery, "FLUSH_SECONDS", 60)  # recorded per chunk only, however slow the machine
    messages = _mails(world, n)
    with django_assert_num_queries(QUERIES_BATCH):
        delivery.deliver(messages[0].pk)
    assert _statuses(messages) == [OutboxStatus.SENT] * n
    assert len(smtp.messages) == n and len(smtp.sessions) == 1
    # Each mail keeps its own Message-ID (the idempotency key), once.
    received = sorted(str(m["message"]["Message-ID"]) for m in smtp.messages)
    assert received == sorted(senders.message_id_header(m) for m in messages)
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
    # The other messages' own tasks find them sent and end at once.
    with django_assert_num_queries(1):
        assert delivery.deliver(messages[-1].pk) is None
    assert len(smtp.messages) == n


def test_the_batch_is_bounded(world, smtp, monkeypatch):
    monkeypatch.setenv("ACCORD_OUTBOX_BATCH", "4")
    messages = _mails(world, 10)
    delivery.deliver(messages[0].pk)
    assert _statuses(messages) == [OutboxStatus.SENT] * 4 + [OutboxStatus.PENDING] * 6
    delivery.deliver(messages[7].pk)  # its own task: itself and the three oldest due
    assert _statuses(messages) == [OutboxStatus.SENT] * 8 + [OutboxStatus.PENDING] * 2
    assert len(smtp.messages) == 8 and len(smtp.sessions) == 2


def test_a_failure_in_the_middle_of_a_batch(world, smtp):
    messages = _mails(world, 6)
    smtp.refuse = {
        "c1@client.example": "450 4.2.1 Mailbox busy",
        "c3@client.example": "550 5.1.1 No such user",
    }
    delivery.deliver(messages[0].pk)
    m = {msg.pk: msg for msg in OutboxMessage.objects.filter(pk__in=[x.pk for x in messages])}
    busy, unknown = m[messages[1].pk], m[messages[3].pk]
    # The rest went through, each once.
    assert [m[x.pk].status for x in messages] == ["sent", "failed", "sent", "dead", "sent", "sent"]
    # (The alert about the dead one, queued meanwhile, is left to its own task.)
    assert sorted(r["to"] for r in smtp.messages) == [[f"c{i}@client.example"] for i in (0, 2, 4, 5)]
    # The transient refusal backs off like a single message's: about 30 s after a first attempt.
    assert busy.attempts == 1 and "450" in busy.last_error
    assert (
        timezone.now() + timedelta(seconds=10) < busy.next_attempt_at < timezone.now() + timedelta(seconds=50)
    )
    # The permanent one is given up with one alert to the admins.
    assert "550" in unknown.last_error
    alerts = Notification.objects.filter(organization=world.org, title__contains="Weekly 3")
    assert {n.user for n in alerts} == {world.owner, world.admin}
    # Successes after the failure keep the route's count of failures in a row exact (0 now).
    circuit = DeliveryCircuit.objects.get(organization=world.org, key="smtp")
    assert circuit.state == CircuitState.CLOSED and circuit.consecutive_failures == 0
    # After a failure the connection is not trusted: the next mail opened a new one.
    assert len(smtp.sessions) == 3

    smtp.refuse = {}
    OutboxMessage.objects.filter(pk=busy.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    delivery.deliver(busy.pk)
    busy.refresh_from_db()
    assert busy.status == OutboxStatus.SENT and busy.attempts == 2
    [retried] = [r for r in smtp.messages if r["to"] == ["c1@client.example"]]
    assert str(retried["message"]["Message-ID"]) == senders.message_id_header(busy)


def test_a_route_that_goes_down_mid_batch_gives_the_rest_back(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there
    messages = _mails(world, 9)
    delivery.deliver(messages[0].pk)
    threshold = circuits.failure_threshold()
    circuit = DeliveryCircuit.objects.get(organization=world.org, key="smtp")
    assert circuit.state == CircuitState.OPEN
    rows = list(OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).order_by("pk"))
    # As one by one: the failures that opened the route were attempts; the rest was not tried.
    assert [r.attempts for r in rows] == [1] * threshold + [0] * (9 - threshold)
    assert [r.status for r in rows[threshold:]] == [OutboxStatus.PENDING] * (9 - threshold)
    # Their own tasks now find the route down and leave them waiting for its probe.
    delivery.deliver(rows[-1].pk)
    rows[-1].refresh_from_db()
    assert rows[-1].attempts == 0 and rows[-1].next_attempt_at >= circuit.next_probe_at


def test_webhooks_of_a_batch_share_one_kept_alive_connection(world, receiver):
    config = _channel(world, receiver.url)
    messages = _posts(world, config, 10)
    delivery.deliver(messages[0].pk)
    assert _statuses(messages) == [OutboxStatus.SENT] * 10
    assert len(receiver.requests) == 10 and len(receiver.handlers) == 1
    assert sorted(receiver.keys()) == sorted(m.idempotency_key for m in messages)


def test_the_loopback_guard_still_refuses_every_message_of_a_batch(world, receiver, settings):
    config = _channel(world, receiver.url)
    messages = _posts(world, config, 3)
    settings.ACCORD_OUTBOUND_ALLOWED_NETWORKS = []
    delivery.deliver(messages[0].pk)
    assert _statuses(messages) == [OutboxStatus.DEAD] * 3
    assert receiver.requests == []
    assert all(
        "127.0.0.1" in m.last_error for m in OutboxMessage.objects.filter(pk__in=[m.pk for m in messages])
    )


def test_the_worker_runs_one_task_for_a_batch(
    world, smtp, settings, django_capture_on_commit_callbacks, monkeypatch
):
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    settings.TASKS = DB_TASKS
    with django_capture_on_commit_callbacks(execute=True):
        messages = _mails(world, 8, prefix="Queued")
    assert DBTaskResult.objects.filter(status="READY").count() == 8
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    ).run()
    assert _statuses(messages) == [OutboxStatus.SENT] * 8
    assert len(smtp.messages) == 8 and len(smtp.sessions) == 1
    # The first task sent all eight; the other seven were marked done by it, not run.
    results = DBTaskResult.objects.all()
    assert {r.status for r in results} == {"SUCCESSFUL"} and {r.return_value for r in results} == {"sent"}
    assert sum(1 for r in results if r.worker_ids) == 1


@pytest.mark.django_db(transaction=True)
def test_a_second_worker_never_takes_what_a_batch_holds(world, receiver, settings):
    """Worker A takes the batch and is held inside its first post; worker B then runs every
    message's task: it gets none of them. Every post arrives once."""
    settings.TASKS = DB_TASKS  # queued, not run at once
    config = _channel(world, receiver.url)
    messages = _posts(world, config, 15)
    receiver.hold = threading.Event()

    def worker_a():
        try:
            delivery.deliver(messages[0].pk)
        finally:
            connection.close()

    a = threading.Thread(target=worker_a)
    a.start()
    assert receiver.first_arrived.wait(timeout=20)
    assert set(_statuses(messages)) == {OutboxStatus.SENDING}
    for message in reversed(messages):  # worker B
        assert delivery.deliver(message.pk) is None
        assert delivery.claim(message.pk) is None
    assert delivery.claim_batch(messages[0], key=f"channel:{config.pk}", limit=100) == []
    receiver.hold.set()
    a.join(timeout=30)
    assert _statuses(messages) == [OutboxStatus.SENT] * 15
    assert sorted(receiver.keys()) == sorted(m.idempotency_key for m in messages)
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_message_once(world, receiver, settings):
    settings.TASKS = DB_TASKS  # queued, not run at once
    config = _channel(world, receiver.url)
    messages = _posts(world, config, 60)
    barrier = threading.Barrier(2)

    def worker(order):
        try:
            barrier.wait(timeout=10)
            for message in order:
                delivery.deliver(message.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(o,)) for o in (messages, list(reversed(messages)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert _statuses(messages) == [OutboxStatus.SENT] * 60
    assert sorted(receiver.keys()) == sorted(m.idempotency_key for m in messages)
