"""The RQ worker (REDIS_URL set) records a heartbeat like the database worker, and /readyz reads
it: green while `accord worker` runs on RQ (idle or working), red once it has been killed.
Before: only the scheduler thread beside RQ reported, so `--no-scheduler` workers never showed
and a stuck RQ loop still looked alive. Runs against the real Redis at ACCORD_TEST_REDIS_URL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from rq.scheduler import RQScheduler

from .conftest import ROOT, ops_env, run_accord, sql, wait_for

REDIS_URL = os.environ.get("ACCORD_TEST_REDIS_URL", "")
pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="ACCORD_TEST_REDIS_URL is not set (CI starts Redis on 127.0.0.1:6390 and sets it)"
)

READYZ = """
import json
from django.test import Client
response = Client().get("/readyz")
print(json.dumps({"status": response.status_code, "worker": response.json()["checks"]["worker"]}))
"""

ENQUEUE = """
from django.db import transaction
from accord.tenancy.models import Organization
from accord.comms import services
org, _ = Organization.objects.get_or_create(slug="ops", defaults={"name": "Ops"})
with transaction.atomic():
    services.outbox_email(organization=org, to="li.na@client.example", subject="Via RQ", text="t")
"""


def _beats(data_dir) -> list[tuple]:
    return sql(
        data_dir, "SELECT worker_id, last_beat_at FROM ops_workerheartbeat WHERE worker_id LIKE '%-rq'"
    )


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _alive(pid: int) -> bool:
    """Running or sleeping (a zombie waiting for its new parent to reap it has ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def _readyz(data_dir, env) -> dict:
    result = run_accord(data_dir, "shell", "-c", READYZ, env_extra=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_rq_worker_beats_and_readyz_sees_it_alive_then_dead(data_dir, smtp_server, tmp_path):
    import redis

    redis.Redis.from_url(REDIS_URL).delete("rq:queue:default")  # nothing left over from another run
    env = {
        "REDIS_URL": REDIS_URL,
        "ACCORD_WORKER_HEARTBEAT_MAX_AGE": "8",  # an idle RQ worker waits 2 s per turn, then beats
        "ACCORD_READY_MIN_FREE_MB": "0",
        "ACCORD_SMTP_HOST": "127.0.0.1",
        "ACCORD_SMTP_PORT": str(smtp_server.port),
    }
    assert _readyz(data_dir, env)["worker"] == {"ok": False, "detail": "no worker has ever reported"}

    log = (tmp_path / "worker.log").open("w+")
    worker = subprocess.Popen(
        [sys.executable, "-m", "accord.cli", "worker", "--no-scheduler"],
        cwd=ROOT,
        env=ops_env(data_dir, **env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        first = wait_for(lambda: _beats(data_dir), timeout=60, what="the RQ worker's first heartbeat")
        assert len(first) == 1
        ready = _readyz(data_dir, env)
        assert ready["worker"]["ok"] is True, ready

        # Idle, it keeps beating; a job runs in a forked process and is delivered.
        wait_for(lambda: _beats(data_dir)[0][1] > first[0][1], timeout=30, what="an idle heartbeat")
        result = run_accord(data_dir, "shell", "-c", ENQUEUE, env_extra=env)
        assert result.returncode == 0, result.stderr
        wait_for(lambda: smtp_server.messages, timeout=60, what="the RQ worker to deliver")
        assert [m["message"]["Subject"] for m in smtp_server.messages] == ["Via RQ"]
        assert sql(data_dir, "SELECT status FROM comms_outboxmessage") == [("sent",)]
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        assert _readyz(data_dir, env)["worker"]["ok"] is True

        # Killed: no more beats, and /readyz turns red once the last one is too old.
        scheduler_pids = _children(worker.pid)  # RQ's scheduler runs in a forked process
        assert scheduler_pids, "the worker started no scheduler process"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        last = _beats(data_dir)[0][1]
        # (another check may turn red first on a busy machine: wait for the worker's own)
        dead = wait_for(
            lambda: (r := _readyz(data_dir, env))["status"] == 503 and not r["worker"]["ok"] and r,
            timeout=60,
            what="/readyz to go red for the worker",
        )
        assert dead["worker"]["ok"] is False and "s ago" in dead["worker"]["detail"]
        assert _beats(data_dir)[0][1] == last

        # Its scheduler process does not outlive it, and gives the scheduler's lock back.
        # (Before: it ran on for good, holding the lock.)
        wait_for(lambda: not any(map(_alive, scheduler_pids)), timeout=30, what="the scheduler to stop")
        assert redis.Redis.from_url(REDIS_URL).get(RQScheduler.get_locking_key("default")) is None
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
        log.close()
