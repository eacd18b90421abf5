"""/healthz says the process answers (no database); /readyz checks what keeps mail, reminders
and imports going and answers 503 when any of it fails. Before: /healthz ran SELECT 1 and
answered 200 while the worker was dead, migrations were pending or static files missing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accord.ops.models import WorkerHeartbeat


@pytest.fixture
def ready(settings, db):
    settings.ACCORD_READY_MIN_FREE_MB = 0
    WorkerHeartbeat.objects.create(
        worker_id="w1", host="h", pid=1, started_at=timezone.now(), last_beat_at=timezone.now()
    )


def _readyz(**extra):
    response = Client().get("/readyz", **extra)
    return response, (response.json() if response["Content-Type"] == "application/json" else None)


def test_healthz_answers_without_the_database(client):
    # No database fixture: any query would raise here.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_green_with_a_live_worker(ready):
    response, body = _readyz()
    assert response.status_code == 200, body
    assert set(body["checks"]) >= {"database", "migrations", "static", "worker", "queue", "disk"}
    assert all(check["ok"] for check in body["checks"].values())


def test_readyz_red_when_the_worker_stopped_beating(ready, settings):
    settings.ACCORD_WORKER_HEARTBEAT_MAX_AGE = 60
    WorkerHeartbeat.objects.update(last_beat_at=timezone.now() - timedelta(minutes=5))
    response, body = _readyz()
    assert response.status_code == 503
    assert body["checks"]["worker"]["ok"] is False
    assert "300 s" in body["checks"]["worker"]["detail"] or "s ago" in body["checks"]["worker"]["detail"]


def test_readyz_red_without_any_worker(settings, db):
    settings.ACCORD_READY_MIN_FREE_MB = 0
    response, body = _readyz()
    assert response.status_code == 503
    assert body["checks"]["worker"] == {"ok": False, "detail": "no worker has ever reported"}


def test_readyz_red_with_an_unapplied_migration(ready, settings):
    settings.MIGRATION_MODULES = {"ops": "accord.ops.tests.pending_migrations"}
    response, body = _readyz()
    assert response.status_code == 503
    assert body["checks"]["migrations"]["ok"] is False
    assert "ops.0002_not_applied" in body["checks"]["migrations"]["detail"]


def test_readyz_red_without_the_static_manifest(ready, settings, tmp_path):
    settings.ACCORD_REQUIRE_STATIC_MANIFEST = True
    settings.STATIC_ROOT = tmp_path
    response, body = _readyz()
    assert response.status_code == 503
    assert body["checks"]["static"]["ok"] is False
    (tmp_path / "staticfiles.json").write_text("{}")
    response, body = _readyz()
    assert response.status_code == 200, body


def test_readyz_red_when_an_old_message_is_due(ready, settings, world):
    from accord.comms.models import OutboxMessage

    settings.ACCORD_READY_MAX_OUTBOX_AGE = 600
    message = OutboxMessage.objects.create(organization=world.org, recipient="a@b.example", subject="stuck")
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(hours=2))
    response, body = _readyz()
    assert response.status_code == 503
    assert body["checks"]["queue"]["ok"] is False


def test_readyz_red_when_the_disk_is_nearly_full(ready, settings):
    settings.ACCORD_READY_MIN_FREE_MB = 10**12  # more than any disk holds
    response, body = _readyz()
    assert response.status_code == 503
    assert body["checks"]["disk"]["ok"] is False


def test_probes_answer_over_plain_http_with_the_https_redirect_on(ready, settings):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert client.get("/accounts/login/").status_code == 301  # the redirect is on
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/metrics").status_code == 200
    # A probe addressed by the pod's IP, not a configured host name, is answered too.
    assert client.get("/healthz", HTTP_HOST="10.1.2.3:8000").status_code == 200


def test_readyz_and_metrics_hidden_from_untrusted_addresses(ready, settings):
    settings.ACCORD_METRICS_TOKEN = "s3cret-token"
    outsider = {"REMOTE_ADDR": "203.0.113.9"}
    assert Client().get("/healthz", **outsider).status_code == 200
    assert Client().get("/readyz", **outsider).status_code == 404
    assert Client().get("/metrics", **outsider).status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **outsider).status_code == 404
    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token", **outsider)
    assert response.status_code == 200
    assert b"accord_outbox_due" in response.content


def test_readyz_and_metrics_hidden_from_visitors_behind_a_local_proxy(ready, settings):
    """Behind a reverse proxy on the same machine every request arrives from 127.0.0.1, inside
    the default allowlist. Before: any visitor read /readyz and /metrics through the proxy."""
    settings.ACCORD_TRUSTED_PROXIES = ["127.0.0.1"]
    settings.ACCORD_HEALTH_ALLOWLIST = ["127.0.0.0/8", "10.0.0.0/8"]
    visitor = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert Client().get("/healthz", **visitor).status_code == 200
    assert Client().get("/readyz", **visitor).status_code == 404
    assert Client().get("/metrics", **visitor).status_code == 404
    # The proxy's own probe, and a monitor on the internal network through it, are answered.
    assert Client().get("/readyz", REMOTE_ADDR="127.0.0.1").status_code == 200
    monitor = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "10.0.0.5"}
    assert Client().get("/metrics", **monitor).status_code == 200
