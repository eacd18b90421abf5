"""Outages are handled per delivery route: a real SMTP server and a real HTTP server are stopped and
started again on the same port."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from accord.audit.models import AuditEntry
from accord.comms import circuits, delivery, services
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

# The outbox page: a constant number of queries however many routes (one for the routes and their counts).
QUERIES_OUTBOX_PAGE = 6


class RestartableSMTP:
    def __init__(self):
        self.sink = _Sink()
        self.port = free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        self.controller.stop()
        self.controller = None


@pytest.fixture
def smtp(settings):
    server = RestartableSMTP()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield server
    if server.controller:
        server.stop()


class RestartableHTTP:
    def __init__(self):
        self.port = free_port()
        self.requests = []
        self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers.items()), "body": body})
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.server = None


@pytest.fixture
def http(settings):
    server = RestartableHTTP()
    server.start()
    settings.ACCORD_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.ACCORD_WEBHOOK_TIMEOUT = 2
    yield server
    if server.server:
        server.stop()


def _admins(world):
    return {world.owner.pk, world.admin.pk}


def _notices(world, text):
    return list(Notification.objects.filter(organization=world.org, title__contains=text))


def _time_passes(key):
    """The cool-down is over: the route may be probed and its waiting messages are due."""
    past = timezone.now() - timedelta(seconds=1)
    DeliveryCircuit.objects.filter(key=key).update(next_probe_at=past)
    OutboxMessage.objects.filter(status__in=["pending", "failed"]).update(next_attempt_at=past)


def test_28_mails_during_an_smtp_outage(world, smtp, django_capture_on_commit_callbacks):
    smtp.stop()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(28):
            services.outbox_email(
                organization=world.org, to=f"c{n}@client.example", subject=f"Weekly {n}", text="t"
            )
    circuit = DeliveryCircuit.objects.get(organization=world.org, key="smtp")
    assert circuit.state == CircuitState.OPEN
    threshold = circuits.failure_threshold()
    # Only the failures that opened the route were attempts; the others wait untried, not failed.
    assert (
        sorted(OutboxMessage.objects.values_list("attempts", flat=True))
        == [0] * (28 - threshold) + [1] * threshold
    )
    assert not OutboxMessage.objects.filter(status=OutboxStatus.DEAD).exists()
    assert all(m.next_attempt_at >= circuit.next_probe_at for m in OutboxMessage.objects.filter(attempts=0))
    down = _notices(world, "Delivery is failing")
    assert {n.user_id for n in down} == _admins(world) and len(down) == 2  # one per admin
    assert OutboxMessage.objects.count() == 28  # the notice of a mail outage stays in the app

    # The cool-down passes, one probe fails: no new notice, a longer cool-down.
    _time_passes("smtp")
    with django_capture_on_commit_callbacks(execute=True):
        delivery.sweep(min_age_seconds=0)
    circuit.refresh_from_db()
    assert circuit.state == CircuitState.OPEN and circuit.failed_probes == 1
    assert circuit.next_probe_at > timezone.now() + timedelta(seconds=circuits.cooldown_seconds(0))
    assert sum(OutboxMessage.objects.values_list("attempts", flat=True)) == threshold + 1
    assert len(_notices(world, "Delivery is failing")) == 2

    # The server is back: one probe goes through and releases the rest.
    smtp.start()
    _time_passes("smtp")
    with django_capture_on_commit_callbacks(execute=True):
        delivery.sweep(min_age_seconds=0)
    circuit.refresh_from_db()
    assert circuit.state == CircuitState.CLOSED and circuit.consecutive_failures == 0
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    received = [m["message"] for m in smtp.sink.messages]
    assert len(received) == 28
    assert len({m["Message-ID"] for m in received}) == 28  # each once, no duplicate
    assert sorted(str(m["To"]) for m in received) == sorted(f"c{n}@client.example" for n in range(28))
    up = _notices(world, "Delivery works again")
    assert {n.user_id for n in up} == _admins(world) and len(up) == 2
    assert Notification.objects.filter(organization=world.org).count() == 4  # down + up, per admin


def test_im_outage_mails_the_admins_once_and_their_mails_never_raise_an_incident(
    world, http, smtp, django_capture_on_commit_callbacks
):
    config = ChannelConfig.objects.create(
        organization=world.org,
        kind="slack",
        name="Client Slack",
        url=http.url,
        secret_encrypted=crypto.encrypt(""),
    )
    http.stop()
    smtp.stop()  # the notices' own mails fail too
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(12):
            services.outbox_channel_message(
                organization=world.org, channel_config=config, title=f"Post {n}", text="t"
            )
    slack = DeliveryCircuit.objects.get(key=f"channel:{config.pk}")
    assert slack.state == CircuitState.OPEN
    notice_mails = OutboxMessage.objects.filter(channel="email")
    assert notice_mails.count() == 2 and set(notice_mails.values_list("related_type", flat=True)) == {
        "comms.deliverycircuit"
    }
    # Their failing does not open the mail route nor alert anybody about the alert.
    assert not DeliveryCircuit.objects.filter(key="smtp", state=CircuitState.OPEN).exists()
    for _ in range(circuits.failure_threshold() + 2):
        OutboxMessage.objects.filter(channel="email").update(next_attempt_at=None)
        for pk in notice_mails.values_list("pk", flat=True):
            delivery.deliver(pk)
    assert not DeliveryCircuit.objects.filter(key="smtp", state=CircuitState.OPEN).exists()
    assert Notification.objects.filter(organization=world.org).count() == 2

    http.start()
    smtp.start()
    _time_passes(f"channel:{config.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        delivery.sweep(min_age_seconds=0)
    titles = sorted(json.loads(r["body"])["blocks"][0]["text"]["text"] for r in http.requests)
    assert titles == sorted(f"Post {n}" for n in range(12))
    assert len(_notices(world, "Delivery works again")) == 2
    subjects = sorted(str(m["message"]["Subject"]) for m in smtp.sink.messages)
    assert subjects == sorted(
        ["Delivery is failing: Client Slack"] * 2 + ["Delivery works again: Client Slack"] * 2
    )


def test_a_message_gives_up_only_after_the_max_age_and_without_an_alert_of_its_own(
    world, smtp, settings, django_capture_on_commit_callbacks
):
    settings.ACCORD_OUTBOX_MAX_AGE_HOURS = 72
    smtp.stop()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(circuits.failure_threshold() + 1):
            services.outbox_email(
                organization=world.org, to=f"c{n}@client.example", subject=f"M{n}", text="t"
            )
    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(hours=71))
    _time_passes("smtp")
    with django_capture_on_commit_callbacks(execute=True):
        delivery.sweep(min_age_seconds=0)
    assert not OutboxMessage.objects.filter(status=OutboxStatus.DEAD).exists()  # an hour is nothing
    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(hours=73))
    _time_passes("smtp")
    with django_capture_on_commit_callbacks(execute=True):
        delivery.sweep(min_age_seconds=0)
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.DEAD}
    assert Notification.objects.filter(organization=world.org).count() == 2  # the one incident only


def test_cooldown_doubles_and_is_capped(settings):
    settings.ACCORD_CIRCUIT_COOLDOWN_SECONDS = 60
    settings.ACCORD_CIRCUIT_COOLDOWN_MAX_SECONDS = 3600
    assert [circuits.cooldown_seconds(n) for n in range(8)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_retry_all_failed_of_a_channel_from_the_outbox_page(
    world, smtp, language, django_capture_on_commit_callbacks
):
    smtp.stop()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(circuits.failure_threshold() + 3):
            services.outbox_email(
                organization=world.org, to=f"c{n}@client.example", subject=f"M{n}", text="t"
            )
    circuit = DeliveryCircuit.objects.get(key="smtp")
    page = world.http(world.admin).get("/communication/outbox/", HTTP_ACCEPT_LANGUAGE=language)
    assert f"/communication/outbox/channels/{circuit.pk}/retry/" in page.content.decode()
    smtp.start()
    with django_capture_on_commit_callbacks(execute=True):
        response = world.http(world.admin).post(
            f"/communication/outbox/channels/{circuit.pk}/retry/", HTTP_ACCEPT_LANGUAGE=language
        )
    assert response.status_code == 302
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    assert len(smtp.sink.messages) == circuits.failure_threshold() + 3
    circuit.refresh_from_db()
    assert circuit.state == CircuitState.CLOSED
    assert AuditEntry.objects.filter(object_id=str(circuit.pk), verb="retry_failed").exists()


def test_retry_all_failed_through_the_api(world, smtp, django_capture_on_commit_callbacks):
    smtp.stop()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(circuits.failure_threshold()):
            services.outbox_email(
                organization=world.org, to=f"c{n}@client.example", subject=f"M{n}", text="t"
            )
    circuit = DeliveryCircuit.objects.get(key="smtp")
    listed = world.api(world.admin).get("/api/v1/outbox/channels").json()
    assert [(c["id"], c["state"], c["waiting_count"]) for c in listed] == [
        (circuit.pk, "open", circuits.failure_threshold())
    ]
    smtp.start()
    with django_capture_on_commit_callbacks(execute=True):
        answer = world.api(world.admin).post(f"/api/v1/outbox/channels/{circuit.pk}/retry")
    assert answer.status_code == 200 and answer.json() == {"retried": circuits.failure_threshold()}
    assert len(smtp.sink.messages) == circuits.failure_threshold()
    assert world.api(world.manager).post(f"/api/v1/outbox/channels/{circuit.pk}/retry").status_code == 403
    assert world.api(world.outsider).post(f"/api/v1/outbox/channels/{circuit.pk}/retry").status_code == 404


def _routes(world, rows):
    for n in range(rows):
        DeliveryCircuit.objects.create(
            organization=world.org, key=f"channel:{n}", label=f"Channel {n}", state="open"
        )
        OutboxMessage.objects.create(
            organization=world.org,
            recipient="x@example.com",
            subject="s",
            status="failed",
            circuit_key=f"channel:{n}",
        )


@pytest.mark.parametrize("rows", [2, 50])
def test_channel_list_query_count(world, rows, django_assert_num_queries):
    _routes(world, rows)
    api = world.api(world.admin)
    with django_assert_num_queries(4):  # authentication, then the routes with their counts
        listed = api.get("/api/v1/outbox/channels").json()
    assert len(listed) == rows and {c["waiting_count"] for c in listed} == {1}


@pytest.mark.parametrize("rows", [2, 50])
def test_outbox_page_query_count(world, rows, django_assert_num_queries):
    _routes(world, rows)
    client = world.http(world.admin)
    client.get("/communication/outbox/")  # warm the session
    with django_assert_num_queries(QUERIES_OUTBOX_PAGE):
        page = client.get("/communication/outbox/")
    assert page.content.decode().count("/retry/") == rows
