"""`accord backup` while users write, `accord restore` into a new installation: every row
acknowledged before the backup began is there, the uploads are there byte for byte, and the
restored copy sends nothing until an operator resumes delivery. A damaged backup, or a restore
over existing data, is refused."""

from __future__ import annotations

import hashlib
import tarfile
import threading
import time

import pytest
from django.utils import timezone

from .conftest import run_accord, sql

KEY_ENV = {"ACCORD_FIELD_ENCRYPTION_KEY": "the same key on both installations"}
LOGO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64

SEED = """
from django.core.files.base import ContentFile
from django.db import transaction
from accord.tenancy.models import Organization
from accord.comms import services
org = Organization.objects.create(name="Acme", slug="acme")
org.logo.save("logo.png", ContentFile(bytes.fromhex("{logo}")))
with transaction.atomic():
    services.outbox_email(organization=org, to="li.na@client.example", subject="Before the backup", text="t")
print(org.logo.name)
"""


class Writer(threading.Thread):
    """Commits one row at a time into the live database, as users do while the backup runs."""

    def __init__(self, db_path):
        super().__init__(daemon=True)
        self.db_path = db_path
        self.acknowledged = 0
        self.stop = threading.Event()
        self.error = None

    def run(self):
        import sqlite3

        conn = sqlite3.connect(self.db_path, timeout=30)
        try:
            while not self.stop.is_set():
                now = timezone.now().isoformat()
                with conn:
                    conn.execute(
                        "INSERT INTO ops_workerheartbeat (worker_id, host, pid, started_at, last_beat_at) "
                        "VALUES (?, 'writer', 1, ?, ?)",
                        (f"row-{self.acknowledged:06d}", now, now),
                    )
                self.acknowledged += 1
                time.sleep(0.002)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
        finally:
            conn.close()


@pytest.fixture
def source(data_dir):
    result = run_accord(data_dir, "shell", "-c", SEED.replace("{logo}", LOGO.hex()), env_extra=KEY_ENV)
    assert result.returncode == 0, result.stderr
    return data_dir, result.stdout.strip().splitlines()[-1]


def test_backup_under_writes_restores_everything_with_delivery_paused(source, tmp_path, smtp_server):
    data_dir, logo_name = source
    writer = Writer(data_dir / "accord.sqlite3")
    writer.start()
    time.sleep(0.3)
    acknowledged_before = writer.acknowledged
    archive = tmp_path / "accord-backup.tar"
    result = run_accord(data_dir, "backup", str(archive), env_extra=KEY_ENV)
    time.sleep(0.2)
    writer.stop.set()
    writer.join(timeout=10)
    assert writer.error is None, writer.error
    assert result.returncode == 0, result.stderr
    assert writer.acknowledged > acknowledged_before  # the writer really kept writing meanwhile

    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"manifest.json", "database.sqlite3", f"media/{logo_name}"} <= names

    restored = tmp_path / "restored"
    assert run_accord(restored, "init").returncode == 0
    smtp = {"ACCORD_SMTP_HOST": "127.0.0.1", "ACCORD_SMTP_PORT": str(smtp_server.port), **KEY_ENV}
    result = run_accord(restored, "restore", str(archive), env_extra=smtp)
    assert result.returncode == 0, result.stderr
    assert "PAUSED" in result.stdout

    rows = [r[0] for r in sql(restored, "SELECT worker_id FROM ops_workerheartbeat ORDER BY worker_id")]
    assert len(rows) >= acknowledged_before
    # A consistent snapshot: exactly the first N rows, no gap.
    assert rows == [f"row-{i:06d}" for i in range(len(rows))]
    assert (
        hashlib.sha256((restored / "media" / logo_name).read_bytes()).digest()
        == hashlib.sha256(LOGO).digest()
    )

    # The restored copy sends nothing: its worker leaves the message alone while paused.
    result = run_accord(restored, "worker", "--batch", "--no-scheduler", "--interval", "0", env_extra=smtp)
    assert result.returncode == 0, result.stderr
    assert smtp_server.messages == []
    assert sql(restored, "SELECT status FROM comms_outboxmessage") == [("pending",)]
    assert sql(restored, "SELECT delivery_paused FROM ops_sitestate") == [(1,)]

    # Once resumed, the sweeper hands the message out and the worker sends it.
    result = run_accord(restored, "delivery", "resume", env_extra=smtp)
    assert result.returncode == 0, result.stderr
    assert "running" in result.stdout
    sweep = "from accord.comms import delivery; print(delivery.sweep(min_age_seconds=0))"
    assert run_accord(restored, "shell", "-c", sweep, env_extra=smtp).stdout.strip().splitlines()[-1] == "1"
    result = run_accord(restored, "worker", "--batch", "--no-scheduler", "--interval", "0", env_extra=smtp)
    assert result.returncode == 0, result.stderr
    assert [m["message"]["Subject"] for m in smtp_server.messages] == ["Before the backup"]


def test_restore_refuses_a_non_empty_installation(source, tmp_path):
    data_dir, _logo = source
    archive = tmp_path / "b.tar"
    assert run_accord(data_dir, "backup", str(archive), env_extra=KEY_ENV).returncode == 0
    result = run_accord(data_dir, "restore", str(archive), env_extra=KEY_ENV)
    assert result.returncode != 0
    assert "not empty" in result.stderr


def test_restore_refuses_a_damaged_backup(source, tmp_path):
    data_dir, logo_name = source
    archive = tmp_path / "b.tar"
    assert run_accord(data_dir, "backup", str(archive), env_extra=KEY_ENV).returncode == 0
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    logo = unpacked / "media" / logo_name
    logo.write_bytes(b"X" + logo.read_bytes()[1:])
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(damaged, "w") as tar:
        for path in sorted(unpacked.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=path.relative_to(unpacked).as_posix())
    restored = tmp_path / "restored"
    assert run_accord(restored, "init").returncode == 0
    result = run_accord(restored, "restore", str(damaged), env_extra=KEY_ENV)
    assert result.returncode != 0
    assert "Checksum mismatch" in result.stderr
    assert not (restored / "accord.sqlite3").exists() or (restored / "accord.sqlite3").stat().st_size == 0
