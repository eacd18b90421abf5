"""`accord import` from the command line: its queries do not grow with the file, SQLite's limit
of bound values splits a batch into several INSERTs without losing a row, and the command starts
without loading the web app or the libraries only pages and documents need."""

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.crm.models import Contact
from accord.dataio.models import ImportUndo

from . import cli_world

ROOT = Path(__file__).resolve().parents[3]

TRANSACTIONS = pytest.mark.parametrize("short", [False, True], ids=["one-transaction", "short-transactions"])


def _contacts_file(path: Path, rows: int, *, start: int = 0) -> Path:
    lines = [f"李{i}娜,Na{i},Li{i},na{i}@cli.example,+86 139 {i:08d}\n" for i in range(start, start + rows)]
    path.write_text("姓名,First Name,Last Name,邮箱,手机\n" + "".join(lines), encoding="utf-8-sig")
    return path


def _import(world, path: Path) -> str:
    out = io.StringIO()
    ContentType.objects.clear_cache()  # each run looks the audit's content type up afresh
    call_command(
        "import",
        "contacts",
        str(path),
        "--organization",
        world.org.slug,
        "--default-client",
        world.client.name,
        stdout=out,
    )
    return out.getvalue()


@TRANSACTIONS
def test_cli_import_queries_do_not_grow_with_rows(world, tmp_path, settings, short):
    settings.ACCORD_IMPORT_SHORT_TRANSACTIONS = short
    with CaptureQueriesContext(connection) as small:
        assert "10 created" in _import(world, _contacts_file(tmp_path / "small.csv", 10))
    with CaptureQueriesContext(connection) as large:
        assert "1000 created" in _import(world, _contacts_file(tmp_path / "large.csv", 1000, start=10))
    assert len(large) == len(small)
    assert Contact.objects.filter(email__endswith="@cli.example").count() == 1010
    # The command: organisation, member, client; storing the file (savepoint, run, release);
    # configuring it (savepoint, run, release). Then the service, as in test_import_queries.
    if short:
        # claim, run, member, clients, contacts; the batch: savepoint, still running, rows and
        # their ids (2), what to undo, release; the end: savepoint, still running, audit (2),
        # undo dropped, save, release
        assert len(small) == 9 + 18
    else:
        # claim, run, member, savepoint, clients, contacts, rows, audit (2), release, save
        assert len(small) == 9 + 11


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's limit of bound values")
def test_a_batch_larger_than_one_statement_is_written_whole(world, tmp_path, settings):
    """With room for only 4 contacts per statement, 50 rows take 13 INSERTs, in one batch; every
    row is there with its own values, and the ids its undo log recorded are the rows'."""
    settings.ACCORD_IMPORT_SHORT_TRANSACTIONS = True
    connection.ensure_connection()
    raw = connection.connection
    previous = raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 100)
    try:
        with CaptureQueriesContext(connection) as queries:
            assert "50 created" in _import(world, _contacts_file(tmp_path / "c.csv", 50))
    finally:
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, previous)
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "crm_contact"')]
    assert len(inserts) == 13
    imported = Contact.objects.filter(email__endswith="@cli.example").order_by("id")
    assert [(c.first_name, c.last_name, c.email, c.mobile) for c in imported] == [
        (f"Na{i}", f"Li{i}", f"na{i}@cli.example", f"+86 139 {i:08d}") for i in range(50)
    ]
    ids = [c.pk for c in imported]
    assert ids == list(range(ids[0], ids[0] + 50))
    assert not ImportUndo.objects.exists()  # the finished run dropped what it would undo


# Loaded only by pages, the API and documents: an import from the command line needs none.
NOT_FOR_THE_COMMAND_LINE = {
    "accord.urls",
    "icalendar",
    "markdown",
    "nh3",
    "openpyxl",
    "PIL",
    "pyotp",
    "weasyprint",
}

_RUN_AND_LIST_MODULES = """
import atexit, json, runpy, sys
out = sys.argv[1]
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
sys.argv = ["accord", *sys.argv[2:]]
runpy.run_module("accord.cli", run_name="__main__", alter_sys=True)
"""


def test_accord_import_starts_without_the_web_app_and_document_libraries(tmp_path):
    """Run as its own process, as operators run it: a CSV import loads no view, API router or
    URL configuration (the system checks of URLs are what loaded them) and none of the
    libraries of pages and documents."""
    env = {**os.environ, "DATABASE_URL": "", "ACCORD_DATA_DIR": str(tmp_path)}
    subprocess.run(
        [sys.executable, "-m", "accord.dataio.tests.cli_world", str(tmp_path)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    listing = tmp_path / "modules.json"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _RUN_AND_LIST_MODULES,
            str(listing),
            "import",
            "contacts",
            str(_contacts_file(tmp_path / "contacts.csv", 20)),
            "--organization",
            cli_world.ORGANIZATION,
            "--as",
            cli_world.OWNER,
            "--default-client",
            cli_world.CLIENT,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "20 created, 0 updated, 0 skipped, 0 rejected." in result.stdout
    modules = set(json.loads(listing.read_text()))
    assert "accord.dataio.services" in modules  # the listing is the import's own
    loaded = {
        name
        for name in modules
        if name in NOT_FOR_THE_COMMAND_LINE or name.split(".")[0] in NOT_FOR_THE_COMMAND_LINE
    }
    # accord.<app>.views, .api (the routers, accord.api.api among them) and .urls
    web = {
        name
        for name in modules
        if name.startswith("accord.") and name.count(".") == 2 and name.endswith((".views", ".api", ".urls"))
    }
    assert loaded == set() and web == set()
