"""Crash test: the worker is SIGKILLed at random moments while 1,000 messages are pending,
20 times; afterwards every message is delivered, none is lost, and every duplicate the
receiver saw carries the same idempotency key (``webhook-id``) as its first delivery.

Real parts only: worker processes (``manage.py accord_worker`` on the database task backend),
a SQLite database file, and an HTTP receiver on 127.0.0.1. Run it on its own:

    ACCORD_CRASH_TEST=1 .venv/bin/pytest tests/crash -q -s -p no:xdist

Tunables: ACCORD_CRASH_MESSAGES (1000), ACCORD_CRASH_KILLS (20).
"""

from __future__ import annotations

import collections
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = int(os.environ.get("ACCORD_CRASH_MESSAGES", "1000"))
KILLS = int(os.environ.get("ACCORD_CRASH_KILLS", "20"))
# The receiver answers each request after this long, so the kills land while work remains
# (a worker that drains everything before the last kill would leave nothing to interrupt).
RECEIVER_DELAY = float(os.environ.get("ACCORD_CRASH_RECEIVER_DELAY", "0.02"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("ACCORD_CRASH_TEST") != "1",
        reason="the crash test runs on its own: ACCORD_CRASH_TEST=1",
    ),
]

SETUP = """
from django.db import transaction
from accord.comms.models import ChannelConfig, OutboxMessage
from accord.comms.tasks import deliver_message
from accord.lib import crypto
from accord.tenancy.models import Organization
org = Organization.objects.create(name="Crash test", slug="crash-test")
config = ChannelConfig.objects.create(organization=org, kind="webhook", name="receiver", url="{url}",
    secret_encrypted=crypto.encrypt("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
with transaction.atomic():
    rows = OutboxMessage.objects.bulk_create([
        OutboxMessage(organization=org, channel="webhook", channel_config=config, recipient="receiver",
                      subject=f"message {{i}}", body_text="x", idempotency_key=f"msg_crash_{{i:05d}}")
        for i in range({n})])
ids = list(OutboxMessage.objects.order_by("id").values_list("id", flat=True))
for pk in ids:
    deliver_message.enqueue(pk)
print(len(ids))
"""


class Receiver:
    def __init__(self):
        self.ids: list[str] = []
        self.lock = threading.Lock()

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.ids.append(self.headers.get("webhook-id", ""))
                assert json.loads(body)
                time.sleep(RECEIVER_DELAY)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def _env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_VERSION", "DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="accord.settings",
        ACCORD_DATA_DIR=str(tmp),
        ACCORD_SQLITE_PATH=str(tmp / "crash.sqlite3"),
        ACCORD_TASKS_BACKEND="database",
        ACCORD_TESTING="false",
        ACCORD_OUTBOX_LEASE_SECONDS="3",
        ACCORD_WEBHOOK_ALLOWLIST="127.0.0.1",
        ACCORD_LOG_LEVEL="ERROR",
        ACCORD_SECRET_KEY="crash-test-secret-key-crash-test-secret-key",
    )
    return env


def _manage(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        **kwargs,
    )


def _worker(env, log):
    return subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "accord_worker",
            "--tick",
            "0.5",
            "--sweep",
            "1",
            "--sweep-age",
            "5",
            "--interval",
            "0.05",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _status_counts(db: Path) -> dict:
    with sqlite3.connect(db, timeout=30) as conn:
        return dict(
            conn.execute("SELECT status, count(*) FROM comms_outboxmessage GROUP BY status").fetchall()
        )


def test_sigkill_never_loses_a_message(tmp_path):
    receiver = Receiver()
    url = receiver.start()
    env = _env(tmp_path)
    db = tmp_path / "crash.sqlite3"
    _manage(env, "migrate", "--noinput", "-v0")
    out = _manage(env, "shell", "-c", SETUP.format(url=url, n=MESSAGES))
    assert int(out.stdout.strip().splitlines()[-1]) == MESSAGES

    rng = random.Random(int(os.environ.get("ACCORD_CRASH_SEED", "4")))
    kills = 0
    sent_at_kill = []
    log = open(tmp_path / "worker.log", "ab")  # noqa: SIM115
    for _ in range(KILLS):
        before = _status_counts(db).get("sent", 0)
        if before == MESSAGES:
            break  # nothing left to interrupt; the report says how many kills there were
        worker = _worker(env, log)
        # Wait until this worker is delivering (start-up time varies a lot), then kill it at a
        # random moment: between two messages, inside a delivery, or inside a commit.
        deadline = time.monotonic() + 60
        while _status_counts(db).get("sent", 0) == before and time.monotonic() < deadline:
            if worker.poll() is not None:
                pytest.fail("the worker exited by itself: " + (tmp_path / "worker.log").read_text()[-3000:])
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 1.5))
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        kills += 1
        sent_at_kill.append(_status_counts(db).get("sent", 0))

    # Two workers drain the rest side by side (they must not send a row twice either).
    finals = [_worker(env, log), _worker(env, log)]
    try:
        deadline = time.monotonic() + float(os.environ.get("ACCORD_CRASH_DRAIN_SECONDS", "300"))
        while time.monotonic() < deadline:
            if _status_counts(db).get("sent", 0) == MESSAGES:
                break
            time.sleep(0.5)
    finally:
        for final in finals:
            final.send_signal(signal.SIGTERM)
        for final in finals:
            try:
                final.wait(timeout=20)
            except subprocess.TimeoutExpired:
                final.kill()

    counts = _status_counts(db)
    with sqlite3.connect(db) as conn:
        keys = {k for (k,) in conn.execute("SELECT idempotency_key FROM comms_outboxmessage")}
        retried = conn.execute("SELECT count(*) FROM comms_outboxmessage WHERE attempts > 1").fetchone()[0]
    received = collections.Counter(receiver.ids)
    duplicates = {k: n for k, n in received.items() if n > 1}
    report = {
        "messages": MESSAGES,
        "kills": kills,
        "sent_when_killed": sent_at_kill,
        "status": counts,
        "requests_received": len(receiver.ids),
        "unique_keys_received": len(received),
        "duplicate_keys": len(duplicates),
        "duplicate_requests": sum(n - 1 for n in duplicates.values()),
        "rows_with_more_than_one_attempt": retried,
    }
    print("\ncrash test:", json.dumps(report))
    receiver.server.shutdown()
    log.close()
    assert counts == {"sent": MESSAGES}, report
    assert set(received) == keys, "every message reached the receiver, under its own key"
    assert "" not in received
    # A duplicate is always the same message again: its key is one of ours, already seen.
    assert set(duplicates) <= keys
