"""`accord backup` on PostgreSQL (``pg_dump -Fc``) while a writer commits row after row, then
`accord restore` into a new data folder and a new, empty database: every row acknowledged before
the backup began is there (a consistent prefix, no gap), the uploads byte for byte, the channel
secret readable with the same key, and the restored copy starts with delivery paused and sends
nothing until an operator resumes it. A restore into a database that is not empty is refused.

Runs when DATABASE_URL points at PostgreSQL (CI's PostgreSQL pass); each test makes two
databases of its own on that server and drops them afterwards.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import threading
import time
import uuid

import pytest
from django.utils import timezone

from .conftest import run_accord
from .test_backup_restore import KEY_ENV, LOGO

SERVER_URL = os.environ.get("DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not SERVER_URL.startswith(("postgres://", "postgresql://")),
    reason="needs DATABASE_URL pointing at PostgreSQL (CI's PostgreSQL pass)",
)

SEED = """
from django.core.files.base import ContentFile
from django.db import transaction
from accord.comms import services
from accord.comms.models import ChannelConfig
from accord.lib import crypto
from accord.ops.services import key_check
from accord.tenancy.models import Organization
org = Organization.objects.create(name="Acme", slug="acme")
org.logo.save("logo.png", ContentFile(bytes.fromhex("{logo}")))
ChannelConfig.objects.create(
    organization=org, kind="webhook", name="Team hook", url="https://hooks.example/abc",
    secret_encrypted=crypto.encrypt("hook-token"),
)
key_check()
with transaction.atomic():
    services.outbox_email(organization=org, to="li.na@client.example", subject="Before the backup", text="t")
print(org.logo.name)
"""

RESTORED = """
from accord.comms.models import ChannelConfig, OutboxMessage
from accord.ops.models import SiteState
from accord.ops.services import key_check
print(ChannelConfig.objects.get().secret, key_check(), SiteState.objects.get().delivery_paused,
      [m.status for m in OutboxMessage.objects.all()])
"""


def _database_url(name: str) -> str:
    return SERVER_URL.rsplit("/", 1)[0] + "/" + name


def _admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(_database_url("postgres"), autocommit=True) as conn:
        conn.execute(statement)


def _rows(url: str, query: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


@pytest.fixture
def databases():
    """Two empty databases, the installation's and the one it is restored into."""
    names = [f"accord_ops_{role}_{uuid.uuid4().hex[:8]}" for role in ("live", "restored")]
    for name in names:
        _admin(f'CREATE DATABASE "{name}"')
    try:
        yield [_database_url(name) for name in names]
    finally:
        for name in names:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Writer(threading.Thread):
    """Commits one row at a time into the live database, as users do while the backup runs."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url = url
        self.acknowledged = 0
        self.stop = threading.Event()
        self.error = None

    def run(self):
        import psycopg

        try:
            with psycopg.connect(self.url, autocommit=True) as conn:
                while not self.stop.is_set():
                    now = timezone.now()
                    conn.execute(
                        "INSERT INTO ops_workerheartbeat (worker_id, host, pid, started_at, last_beat_at) "
                        "VALUES (%s, 'writer', 1, %s, %s)",
                        (f"row-{self.acknowledged:06d}", now, now),
                    )
                    self.acknowledged += 1  # committed: autocommit returned
                    time.sleep(0.002)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.error = exc


def test_postgres_backup_under_writes_restores_everything_with_delivery_paused(
    databases, tmp_path, smtp_server
):
    live_url, restored_url = databases
    live, restored = tmp_path / "live", tmp_path / "restored"
    live_env = {"DATABASE_URL": live_url, **KEY_ENV}
    assert run_accord(live, "init", env_extra=live_env).returncode == 0
    result = run_accord(live, "migrate", "--noinput", env_extra=live_env, timeout=600)
    assert result.returncode == 0, result.stderr
    result = run_accord(live, "shell", "-c", SEED.replace("{logo}", LOGO.hex()), env_extra=live_env)
    assert result.returncode == 0, result.stderr
    logo_name = result.stdout.strip().splitlines()[-1]

    writer = Writer(live_url)
    writer.start()
    time.sleep(0.3)
    acknowledged_before = writer.acknowledged
    archive = tmp_path / "accord-backup.tar"
    result = run_accord(live, "backup", str(archive), env_extra=live_env)
    time.sleep(0.2)
    writer.stop.set()
    writer.join(timeout=10)
    assert writer.error is None, writer.error
    assert result.returncode == 0, result.stderr
    assert writer.acknowledged > acknowledged_before  # the writer really kept writing meanwhile

    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"manifest.json", "database.pgdump", f"media/{logo_name}"} <= names

    smtp = {"ACCORD_SMTP_HOST": "127.0.0.1", "ACCORD_SMTP_PORT": str(smtp_server.port)}
    restored_env = {"DATABASE_URL": restored_url, **KEY_ENV, **smtp}
    assert run_accord(restored, "init", env_extra=restored_env).returncode == 0
    result = run_accord(restored, "restore", str(archive), env_extra=restored_env, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "PAUSED" in result.stdout

    rows = [r[0] for r in _rows(restored_url, "SELECT worker_id FROM ops_workerheartbeat ORDER BY worker_id")]
    assert len(rows) >= acknowledged_before
    # A consistent snapshot: exactly the first N rows, no gap.
    assert rows == [f"row-{i:06d}" for i in range(len(rows))]
    assert hashlib.sha256((restored / "media" / logo_name).read_bytes()).digest() == (
        hashlib.sha256(LOGO).digest()
    )

    # The restored copy sends nothing: its worker leaves the message alone while paused.
    result = run_accord(
        restored, "worker", "--batch", "--no-scheduler", "--interval", "0", env_extra=restored_env
    )
    assert result.returncode == 0, result.stderr
    assert smtp_server.messages == []
    result = run_accord(restored, "shell", "-c", RESTORED, env_extra=restored_env)
    assert result.returncode == 0, result.stderr
    # The secret reads with the same key, whose fingerprint matches; delivery paused, nothing sent.
    assert result.stdout.strip().splitlines()[-1] == "hook-token True True ['pending']"

    # Once resumed, the sweeper hands the message out and the worker sends it, once.
    result = run_accord(restored, "delivery", "resume", env_extra=restored_env)
    assert result.returncode == 0, result.stderr
    sweep = "from accord.comms import delivery; print(delivery.sweep(min_age_seconds=0))"
    swept = run_accord(restored, "shell", "-c", sweep, env_extra=restored_env)
    assert swept.stdout.strip().splitlines()[-1] == "1", swept.stderr
    result = run_accord(
        restored, "worker", "--batch", "--no-scheduler", "--interval", "0", env_extra=restored_env
    )
    assert result.returncode == 0, result.stderr
    assert [m["message"]["Subject"] for m in smtp_server.messages] == ["Before the backup"]

    # A second restore over the restored database is refused and changes nothing.
    assert run_accord(tmp_path / "again", "init", env_extra=restored_env).returncode == 0
    result = run_accord(tmp_path / "again", "restore", str(archive), env_extra=restored_env)
    assert result.returncode != 0
    assert "not empty" in result.stderr
