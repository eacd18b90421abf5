"""Settings write no files; `accord init` makes the data folder and the development key."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    unset = ("PYTEST_VERSION", "ACCORD_SECRET_KEY", "ACCORD_SECRET_KEY_FILE", "ACCORD_ENV")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(ACCORD_DATA_DIR=str(data_dir), ACCORD_TESTING="false")
    env["DJANGO_SETTINGS_MODULE"] = "accord.settings"
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_reading_the_settings_writes_nothing(tmp_path):
    data_dir = tmp_path / "data"
    result = run(data_dir, "-c", "import django; django.setup(); from accord import urls")
    assert result.returncode == 0, result.stderr
    assert not data_dir.exists()


def test_without_init_the_checks_say_what_to_run(tmp_path):
    result = run(tmp_path / "data", "manage.py", "check")
    assert result.returncode != 0
    assert "core.E001" in result.stderr and "accord init" in result.stderr
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    "command", [("worker", "--batch"), ("import", "contacts", "missing.csv"), ("export", "contacts")]
)
def test_without_init_the_worker_and_the_import_say_what_to_run(tmp_path, command):
    """They run only the installation's checks at start, the secret key's among them."""
    result = run(tmp_path / "data", "-m", "accord.cli", *command)
    assert result.returncode != 0
    assert "core.E001" in result.stderr and "accord init" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_init_makes_the_folder_and_a_private_key_and_keeps_it(tmp_path):
    data_dir = tmp_path / "data"
    first = run(data_dir, "-m", "accord.cli", "init")
    assert first.returncode == 0, first.stderr
    key = data_dir / "secret_key"
    assert (data_dir / "static").is_dir()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(key.read_text(encoding="utf-8")) >= 50
    made = key.read_text(encoding="utf-8")

    again = run(data_dir, "manage.py", "init")
    assert again.returncode == 0, again.stderr
    assert "secret key" not in again.stdout
    assert key.read_text(encoding="utf-8") == made

    checked = run(data_dir, "manage.py", "check")
    assert checked.returncode == 0, checked.stderr
