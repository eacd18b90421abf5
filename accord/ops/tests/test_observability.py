"""Request ids on every response and log line (a client's id believed only from a trusted
proxy), JSON logs on request, Prometheus metrics, one log line per delivery, and pruning of
old task results and delivered message bodies."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accord.comms import delivery, services
from accord.comms.models import OutboxAttachment, OutboxMessage
from accord.ops.logs import JsonFormatter, RequestIdFilter
from accord.ops.models import WorkerHeartbeat
from accord.ops.services import prune_old_records

from .conftest import run_accord


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.addFilter(RequestIdFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def request_log():
    handler = _Collect()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_every_response_and_its_log_lines_carry_the_request_id(world, request_log):
    response = world.http(world.member).get("/no/such/page/")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    assert [r.request_id for r in request_log.records] == [request_id]
    other = world.http(world.member).get("/dashboard/")["X-Request-ID"]
    assert other != request_id


def test_client_request_id_ignored_unless_from_a_trusted_proxy(db, settings):
    forged = "forged-id-123"
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=forged, REMOTE_ADDR="203.0.113.5")
    assert response["X-Request-ID"] != forged
    settings.ACCORD_TRUSTED_PROXIES = ["10.0.0.0/8"]
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=forged, REMOTE_ADDR="10.0.0.7")
    assert response["X-Request-ID"] == forged
    # A value that could break a log line is never taken, even from the proxy.
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="a b\nINFO fake", REMOTE_ADDR="10.0.0.7")
    assert "\n" not in response["X-Request-ID"] and " " not in response["X-Request-ID"]


def test_json_log_lines(tmp_path):
    code = "import logging; logging.getLogger('accord.ops').warning('disk at %s%%', 91)"
    result = run_accord(tmp_path, "shell", "-c", code, env_extra={"ACCORD_LOG_FORMAT": "json"})
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "disk at 91%"
    assert line["level"] == "WARNING" and line["logger"] == "accord.ops" and line["request_id"] == "-"


def test_json_formatter_keeps_the_traceback():
    try:
        raise ValueError("broken")
    except ValueError:
        import sys

        record = logging.LogRecord("accord", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    record.request_id = "abc"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["request_id"] == "abc" and "ValueError: broken" in entry["exc_info"]


def test_metrics_report_routes_outbox_queue_and_workers(world, settings):
    settings.ACCORD_METRICS_TOKEN = "tok"
    world.http(world.member).get("/dashboard/")
    services.outbox_email(organization=world.org, to="a@b.example", subject="s", text="t")
    WorkerHeartbeat.objects.create(
        worker_id="host-1", host="host", pid=1, started_at=timezone.now(), last_beat_at=timezone.now()
    )
    body = (
        Client().get("/metrics", HTTP_AUTHORIZATION="Bearer tok", REMOTE_ADDR="198.51.100.1").content.decode()
    )
    assert (
        'accord_http_request_duration_seconds_count{method="GET",route="web:dashboard",status_class="2xx"}'
        in body
    )
    assert 'accord_outbox_messages{channel="email",state="pending"} 1.0' in body
    assert "accord_queue_depth " in body and "accord_outbox_oldest_due_seconds " in body
    assert 'accord_worker_heartbeat_age_seconds{worker="host-1"}' in body
    assert "accord_task_failures" in body and "accord_delivery_paused 0.0" in body


def test_each_delivery_is_one_log_line(world, smtp_server, caplog):
    message = services.outbox_email(organization=world.org, to="li.na@client.example", subject="Hi", text="t")
    with caplog.at_level(logging.INFO, logger="accord.comms.delivery"):
        delivery.deliver(message.pk)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("delivery ")]
    assert len(lines) == 1
    assert f"message={message.pk}" in lines[0] and "status=sent" in lines[0] and "channel=email" in lines[0]


def test_prune_removes_old_task_results_and_delivered_bodies(world, settings):
    from django_tasks_db.models import DBTaskResult

    settings.ACCORD_TASK_RESULT_RETENTION_DAYS = 7
    settings.ACCORD_OUTBOX_BODY_RETENTION_DAYS = 30
    now = timezone.now()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    from accord.comms.tasks import deliver_message

    old_result, recent_result = deliver_message.enqueue(0), deliver_message.enqueue(0)
    DBTaskResult.objects.filter(pk=old_result.id).update(
        status="SUCCESSFUL", finished_at=now - timedelta(days=8)
    )
    DBTaskResult.objects.filter(pk=recent_result.id).update(status="SUCCESSFUL", finished_at=now)
    old = services.outbox_email(
        organization=world.org,
        to="a@b.example",
        subject="old",
        text="old body",
        attachments=[("a.txt", b"x", "text/plain")],
    )
    recent = services.outbox_email(organization=world.org, to="a@b.example", subject="new", text="new body")
    pending = services.outbox_email(organization=world.org, to="a@b.example", subject="due", text="due body")
    OutboxMessage.objects.filter(pk=old.pk).update(status="sent", sent_at=now - timedelta(days=31))
    OutboxMessage.objects.filter(pk=recent.pk).update(status="sent", sent_at=now - timedelta(days=1))
    OutboxMessage.objects.filter(pk=pending.pk).update(created_at=now - timedelta(days=60))

    WorkerHeartbeat.objects.create(
        worker_id="gone",
        host="h",
        pid=1,
        started_at=now - timedelta(days=9),
        last_beat_at=now - timedelta(days=8),
    )
    WorkerHeartbeat.objects.create(worker_id="alive", host="h", pid=2, started_at=now, last_beat_at=now)

    assert prune_old_records(now) == {"task_results": 1, "outbox_bodies": 1, "heartbeats": 1}
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive"]
    assert [str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)] == [str(recent_result.id)]
    old.refresh_from_db()
    assert old.body_text == "" and old.subject == "old" and old.status == "sent"
    assert not OutboxAttachment.objects.filter(message=old).exists()
    assert OutboxMessage.objects.get(pk=recent.pk).body_text == "new body"
    assert OutboxMessage.objects.get(pk=pending.pk).body_text == "due body"


def test_prune_is_a_periodic_job():
    from accord.core.scheduler import PERIODIC

    assert PERIODIC["ops.prune"].dotted == "accord.ops.services.prune_old_records"
    assert PERIODIC["dataio.fail_stuck_imports"].dotted == "accord.dataio.services.import_runs_fail_stuck"
