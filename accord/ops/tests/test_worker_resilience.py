"""The worker outlives its database: the database file disappears under a running worker
(as a PostgreSQL restart or a full disk would fail every query), the worker logs, backs off
and keeps running; once the database is back it delivers a message and its heartbeat moves on.
Before: the first OperationalError ended `accord worker` for good."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT, ops_env, run_accord, sql, wait_for

ENQUEUE = """
from django.db import transaction
from accord.tenancy.models import Organization
from accord.comms import services
org, _ = Organization.objects.get_or_create(slug="ops", defaults={"name": "Ops"})
with transaction.atomic():
    services.outbox_email(organization=org, to="li.na@client.example", subject="{subject}", text="t")
"""


def _latest_beat(data_dir):
    rows = sql(data_dir, "SELECT max(last_beat_at) FROM ops_workerheartbeat")
    return rows[0][0] if rows else None


def test_worker_survives_database_outage_and_delivers_afterwards(data_dir, smtp_server, tmp_path):
    env = ops_env(
        data_dir,
        ACCORD_SMTP_HOST="127.0.0.1",
        ACCORD_SMTP_PORT=str(smtp_server.port),
        ACCORD_WORKER_MAX_BACKOFF="1",
        ACCORD_DB_CONN_MAX_AGE="0",
    )
    log = (tmp_path / "worker.log").open("w+")
    worker = subprocess.Popen(
        [sys.executable, "-m", "accord.cli", "worker", "--interval", "0.1", "--no-scheduler"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    db = data_dir / "accord.sqlite3"
    away = data_dir / "away"
    away.mkdir()
    try:
        wait_for(lambda: _latest_beat(data_dir), what="the first heartbeat")
        # The database goes away under the running worker.
        for suffix in ("", "-wal", "-shm"):
            path = db.with_name(db.name + suffix)
            if path.exists():
                path.rename(away / path.name)
        wait_for(
            lambda: (tmp_path / "worker.log").read_text().count("database unavailable") >= 2,
            timeout=30,
            what="the worker to report the outage twice",
        )
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        # ... and comes back.
        for suffix in ("", "-wal", "-shm"):
            db.with_name(db.name + suffix).unlink(missing_ok=True)
        for path in away.iterdir():
            path.rename(data_dir / path.name)
        before = _latest_beat(data_dir)
        result = run_accord(data_dir, "shell", "-c", ENQUEUE.replace("{subject}", "After the outage"))
        assert result.returncode == 0, result.stderr
        wait_for(lambda: smtp_server.messages, timeout=30, what="the message to be delivered")
        assert [m["message"]["Subject"] for m in smtp_server.messages] == ["After the outage"]
        wait_for(lambda: _latest_beat(data_dir) > before, timeout=10, what="the heartbeat to advance")
        assert worker.poll() is None
        assert sql(data_dir, "SELECT status FROM comms_outboxmessage") == [("sent",)]
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()


def test_backoff_doubles_up_to_the_cap():
    from accord.ops.management.commands.accord_worker import Backoff

    backoff = Backoff(cap=30)
    delays = [backoff.next_delay() for _ in range(8)]
    assert delays == [0.5, 1, 2, 4, 8, 16, 30, 30]
    backoff.reset()
    assert backoff.next_delay() == 0.5
