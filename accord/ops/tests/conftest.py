"""Real installations for the operations tests: a data folder migrated once per session (by
the real ``manage.py migrate``) and copied for each test, processes started as operators start
them, and the real SMTP server of the communication tests."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from accord.comms.tests.conftest import smtp_server  # noqa: F401 - a fixture, used by name

ROOT = Path(__file__).resolve().parents[3]


def ops_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of an installation in ``data_dir``: SQLite there unless ``extra`` names a
    DATABASE_URL (the test run's own database and settings are never inherited)."""
    env = {**os.environ}
    for name in ("DATABASE_URL", "PYTEST_VERSION", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "ACCORD_TESTING"):
        env.pop(name, None)
    env.update(
        {
            "ACCORD_DATA_DIR": str(data_dir),
            "ACCORD_TASKS_BACKEND": "database",
            "ACCORD_LOG_LEVEL": "INFO",
            "ACCORD_AXES_ENABLED": "false",
            **extra,
        }
    )
    env["ACCORD_TESTING"] = "false"
    return env


def run_accord(data_dir: Path, *args: str, env_extra: dict | None = None, timeout: int = 180):
    return subprocess.run(
        [sys.executable, "-m", "accord.cli", *args],
        cwd=ROOT,
        env=ops_env(data_dir, **(env_extra or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def wait_for(predicate, *, timeout: float = 30.0, every: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"Timed out waiting for {what}")


def sql(data_dir: Path, query: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(data_dir / "accord.sqlite3", timeout=30)
    try:
        with conn:
            return conn.execute(query, params).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    template = tmp_path_factory.mktemp("accord-template")
    assert run_accord(template, "init").returncode == 0
    result = run_accord(template, "migrate", "--noinput")
    assert result.returncode == 0, result.stderr
    sql(template, "PRAGMA wal_checkpoint(TRUNCATE)")
    return template


@pytest.fixture
def data_dir(migrated_template, tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(migrated_template, target)
    return target
