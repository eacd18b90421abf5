"""The several-machines shape under load: two web processes (gunicorn), two ``accord worker``
processes on RQ (each with its scheduler and outbox sweeper), Redis and PostgreSQL, all on
127.0.0.1. Risks are raised through the API of both web processes alternately; each one queues a
``risk.raised`` webhook. Midway one worker is SIGKILLed and started again, later Redis is
restarted (its queue is lost: it keeps nothing on disk). Afterwards every accepted write exists
exactly once, every webhook reached the receiver, and any duplicate the receiver saw carries the
idempotency key (``webhook-id``) of a message it had already received.

A worker that exits by itself (RQ gives up while Redis is down) is started again, as a service
manager would. Needs PostgreSQL (DATABASE_URL; the test creates and drops its own database) and
redis-server on the PATH. Run it on its own:

    ACCORD_CRASH_TEST=1 DATABASE_URL=postgres://postgres@127.0.0.1:5433/accord \\
        ACCORD_TEST_REDIS_URL=redis://127.0.0.1:6390/0 \\
        .venv/bin/pytest tests/crash/test_multi_machine.py -q -s -p no:xdist

Tunables: ACCORD_MULTI_WRITES (200), ACCORD_MULTI_DRAIN_SECONDS (120).
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from accord.testing.live import free_port
from tests.crash.test_outbox_crash import Receiver

ROOT = Path(__file__).resolve().parents[2]
WRITES = int(os.environ.get("ACCORD_MULTI_WRITES", "200"))
DRAIN_SECONDS = float(os.environ.get("ACCORD_MULTI_DRAIN_SECONDS", "120"))
DATABASE_URL = os.environ.get("DATABASE_URL", "")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("ACCORD_CRASH_TEST") != "1",
        reason="the crash tests run on their own: ACCORD_CRASH_TEST=1",
    ),
    pytest.mark.skipif(
        not DATABASE_URL.startswith(("postgres://", "postgresql://")),
        reason="the several-machines test needs PostgreSQL: DATABASE_URL=postgres://…",
    ),
    pytest.mark.skipif(
        not os.environ.get("ACCORD_TEST_REDIS_URL"),
        reason="the several-machines test runs where Redis is available: ACCORD_TEST_REDIS_URL",
    ),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed"),
]

SETUP = """
from accord.comms import services as comms
from accord.tenancy.models import Membership, Role
from accord.tenancy.services import api_token_create
from accord.testing.factories import OrganizationFactory, ProjectFactory, UserFactory
org = OrganizationFactory(name="Several machines", slug="several-machines")
owner = Membership.objects.create(organization=org, user=UserFactory(), role=Role.OWNER)
project = ProjectFactory(client__organization=org, manager=owner.user)
comms.webhook_subscription_create(actor=owner, url="{url}", events=["risk.raised"])
_token, raw = api_token_create(membership=owner, name="load")
print(project.pk, raw)
"""


class Redis:
    """A redis-server of this test's own, to restart it midway (it keeps nothing on disk)."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ]
            + ["--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            out = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True, check=False
            )
            if out.stdout.strip() == "PONG":
                return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _server_url(name: str) -> str:
    parts = urllib.parse.urlsplit(DATABASE_URL)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(_server_url("postgres"), autocommit=True) as conn:
        conn.execute(sql)


class Cluster:
    def __init__(self, tmp: Path, database_url: str, redis: Redis):
        self.tmp = tmp
        self.env = {
            k: v for k, v in os.environ.items() if k not in ("PYTEST_VERSION", "DJANGO_SETTINGS_MODULE")
        }
        self.env.update(
            DJANGO_SETTINGS_MODULE="accord.settings",
            DATABASE_URL=database_url,
            REDIS_URL=redis.url,
            ACCORD_DATA_DIR=str(tmp),
            ACCORD_TESTING="false",
            ACCORD_OUTBOX_LEASE_SECONDS="3",
            ACCORD_WEBHOOK_ALLOWLIST="127.0.0.1",
            ACCORD_API_RATE_PER_TOKEN="0",
            ACCORD_API_RATE_PER_IP="0",
            ACCORD_WORKER_MAX_BACKOFF="2",
            ACCORD_LOG_LEVEL="WARNING",
            ACCORD_SECRET_KEY="multi-machine-secret-key-multi-machine-secret",
        )
        self.webs: list[subprocess.Popen] = []
        self.ports: list[int] = []
        self.workers: list[subprocess.Popen | None] = [None, None]
        self.worker_starts = 0

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr[-3000:]}")
        return result.stdout

    def _log(self, name: str):
        return (self.tmp / f"{name}.log").open("ab")

    def start_web(self) -> None:
        port = free_port()
        self.ports.append(port)
        # What `accord serve` runs, on its own port: one "machine" each.
        self.webs.append(
            subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "accord.wsgi:application", "--bind", f"127.0.0.1:{port}"]
                + ["--workers", "2", "--threads", "4", "--timeout", "60", "--no-control-socket"],
                env=self.env,
                cwd=ROOT,
                stdout=self._log(f"web{port}"),
                stderr=subprocess.STDOUT,
            )
        )

    def start_worker(self, slot: int) -> None:
        self.worker_starts += 1
        self.workers[slot] = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "accord_worker"]
            + ["--tick", "0.5", "--sweep", "1", "--sweep-age", "5"],
            env=self.env,
            cwd=ROOT,
            stdout=self._log(f"worker{slot}"),
            stderr=subprocess.STDOUT,
        )

    def supervise(self) -> None:
        """Start again a worker that exited by itself (a service manager's Restart=always)."""
        for slot, proc in enumerate(self.workers):
            if proc is not None and proc.poll() is not None:
                self.start_worker(slot)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        for port, web in zip(self.ports, self.webs, strict=True):
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:  # noqa: S310
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if web.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("a web process did not start:\n" + self.logs())
                time.sleep(0.2)

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-2000:]}" for path in self.tmp.glob("*.log")
        )

    def stop(self) -> None:
        procs = [p for p in [*self.webs, *self.workers] if p is not None and p.poll() is None]
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _post(port: int, token: str, project_id: int, title: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - our own server on 127.0.0.1
        f"http://127.0.0.1:{port}/api/v1/projects/{project_id}/risks",
        data=json.dumps({"title": title}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def test_two_webs_two_rq_workers_lose_and_double_nothing(tmp_path):
    import psycopg

    started = time.monotonic()
    name = f"accord_multi_{uuid.uuid4().hex[:10]}"
    database_url = _server_url(name)
    receiver = Receiver()
    hook = receiver.start()
    redis = Redis(tmp_path)
    cluster = None
    _admin(f'CREATE DATABASE "{name}"')
    try:
        redis.start()
        cluster = Cluster(tmp_path, database_url, redis)
        cluster.manage("migrate", "--noinput", "-v0")
        project_id, token = cluster.manage("shell", "-c", SETUP.format(url=hook)).split()[-2:]
        project_id = int(project_id)
        cluster.start_web()
        cluster.start_web()
        cluster.start_worker(0)
        cluster.start_worker(1)
        cluster.wait_ready()

        kill_at, redis_at = WRITES // 3, 2 * WRITES // 3
        statuses: dict[str, int] = {}
        events = []
        with ThreadPoolExecutor(max_workers=4) as pool:
            for batch_start in range(0, WRITES, 10):
                batch = range(batch_start, min(batch_start + 10, WRITES))
                titles = [f"load risk {i:04d}" for i in batch]
                ports = [cluster.ports[i % 2] for i in batch]
                codes = pool.map(
                    lambda pt: _post(pt[0], token, project_id, pt[1]), zip(ports, titles, strict=True)
                )
                statuses.update(zip(titles, codes, strict=True))
                cluster.supervise()
                if batch_start <= kill_at < batch_start + 10:
                    cluster.workers[0].send_signal(signal.SIGKILL)
                    cluster.workers[0].wait()
                    events.append(f"worker 0 SIGKILLed after {batch.stop} writes")
                    cluster.start_worker(0)
                if batch_start <= redis_at < batch_start + 10:
                    redis.stop()
                    events.append(f"redis stopped after {batch.stop} writes")
                    # Writes go on while Redis is down: saving never waits for the queue.
                    more = [f"load risk {i:04d}" for i in range(WRITES, WRITES + 10)]
                    codes = pool.map(
                        lambda it: _post(cluster.ports[it[0] % 2], token, project_id, it[1]), enumerate(more)
                    )
                    statuses.update(zip(more, codes, strict=True))
                    redis.start()
                    events.append("redis started again (empty)")

        accepted = {title for title, code in statuses.items() if code == 201}
        load_seconds = time.monotonic() - started

        def snapshot():
            with psycopg.connect(database_url) as conn:
                counts = dict(
                    conn.execute("SELECT status, count(*) FROM comms_outboxmessage GROUP BY status")
                )
                return counts

        deadline = time.monotonic() + DRAIN_SECONDS
        counts = snapshot()
        while time.monotonic() < deadline:
            cluster.supervise()
            counts = snapshot()
            if set(counts) == {"sent"} and counts["sent"] >= len(accepted):
                break
            time.sleep(0.5)
        drain_seconds = time.monotonic() - started - load_seconds
        with psycopg.connect(database_url) as conn:
            risks = collections.Counter(t for (t,) in conn.execute("SELECT title FROM risks_risk"))
            keys = {k for (k,) in conn.execute("SELECT idempotency_key FROM comms_outboxmessage")}
            retried = conn.execute("SELECT count(*) FROM comms_outboxmessage WHERE attempts > 1").fetchone()[
                0
            ]
    finally:
        if cluster is not None:
            cluster.stop()
        redis.stop()
        receiver.server.shutdown()
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    received = collections.Counter(receiver.ids)
    duplicates = {k: n for k, n in received.items() if n > 1}
    report = {
        "writes_sent": len(statuses),
        "writes_accepted": len(accepted),
        "responses": dict(collections.Counter(statuses.values())),
        "events": events,
        "worker_starts": cluster.worker_starts,
        "outbox": counts,
        "requests_received": len(receiver.ids),
        "unique_keys_received": len(received),
        "duplicate_keys": len(duplicates),
        "rows_with_more_than_one_attempt": retried,
        "seconds_setup_and_load": round(load_seconds, 1),
        "seconds_drain": round(drain_seconds, 1),
        "seconds": round(time.monotonic() - started, 1),
    }
    print("\nseveral machines:", json.dumps(report))
    assert len(accepted) == len(statuses), report  # every write went through, Redis down or not
    assert set(risks) == accepted and all(n == 1 for n in risks.values()), "each write exactly once"
    assert counts == {"sent": len(accepted)}, report
    assert set(received) == keys, "every message reached the receiver, under its own key"
    assert "" not in received
    # A duplicate is always the same message again: its key is one of ours, already seen.
    assert set(duplicates) <= keys
