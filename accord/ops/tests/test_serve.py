"""`accord serve` is the production path: it refuses to start on a database with unapplied
migrations (or applies them with --migrate) and collects static files itself; DEBUG stays off
unless ACCORD_DEBUG=1. Before: it started gunicorn on any schema, without static files, and
with DEBUG on by default (tracebacks and settings on error pages)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT, ops_env, run_accord


def test_serve_refuses_a_database_with_unapplied_migrations(tmp_path):
    empty = tmp_path / "data"
    result = run_accord(empty, "serve", "--port", "1")
    assert result.returncode == 2
    assert "migration(s) not applied" in result.stderr
    assert "accord migrate" in result.stderr


def test_serve_with_migrate_prepares_the_database_and_static_files(tmp_path):
    data = tmp_path / "data"
    code = (
        "import sys; from accord import cli; cli._django_setup(); "
        "sys.exit(cli.prepare_to_serve(migrate=True))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=ops_env(data, ACCORD_ENV="production", ACCORD_SECRET_KEY="k" * 50),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (data / "static" / "staticfiles.json").is_file()
    again = run_accord(data, "showmigrations", "--plan")
    assert "[ ]" not in again.stdout


def test_debug_is_off_unless_asked(tmp_path):
    show = "from django.conf import settings; print(settings.DEBUG)"
    assert run_accord(tmp_path, "shell", "-c", show).stdout.strip().splitlines()[-1] == "False"
    asked = run_accord(tmp_path, "shell", "-c", show, env_extra={"ACCORD_DEBUG": "1"})
    assert asked.stdout.strip().splitlines()[-1] == "True"
