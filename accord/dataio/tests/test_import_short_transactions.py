"""Imports that commit batch by batch (SQLite's default): other writers are not locked out,
and a run that fails part way still leaves nothing behind."""

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone, translation

from accord.crm.models import Client, Contact, Interaction
from accord.dataio import services
from accord.dataio.models import ImportRun, ImportStatus, ImportUndo
from accord.dataio.undo import UndoLog
from accord.testing import factories as f

from .conftest import upload

ROOT = Path(__file__).resolve().parents[3]

# Both ways of running: one transaction for the run, and a short one per batch.
TRANSACTIONS = pytest.mark.parametrize("short", [False, True], ids=["one-transaction", "short-transactions"])


@pytest.fixture
def admin(world):
    return world.memberships[world.admin.pk]


def _configured(member, kind, text, *, duplicates="skip", default_client=None):
    run = services.import_run_create(
        actor=member, kind=kind, upload=upload("f.csv", text), default_client=default_client
    )
    return services.import_run_configure(
        actor=member, run=run, mapping=run.mapping, duplicates=duplicates, default_client=default_client
    )


def _contacts(rows: int, start: int = 0) -> str:
    lines = [
        f"P{i},p{i}@example.cn,{'New client ' + str(i % 3) if i % 2 else ''}\n" for i in range(start, rows)
    ]
    return "last name,email,company\n" + "".join(lines)


@TRANSACTIONS
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_bad_row_late_in_the_file_takes_back_every_batch(world, admin, settings, short, language):
    """The row with a problem comes after several batches were written; writing it to the
    report of rejected rows fails (the report's name is taken by a folder): the run fails
    with a translated reason and none of its contacts, nor the clients it created, remain."""
    settings.ACCORD_IMPORT_SHORT_TRANSACTIONS = short
    settings.ACCORD_IMPORT_BATCH_ROWS = 50
    run = _configured(
        admin, "contacts", _contacts(400) + "Late,not an address,\n", default_client=world.client
    )
    (services.storage_dir() / f"{run.stored_path}.rejected.csv").mkdir()
    contacts, clients = Contact.objects.count(), Client.objects.count()
    with translation.override(language):
        run = services.import_run_execute(run_id=run.pk)
    assert run.status == ImportStatus.FAILED
    expected = (
        "导入失败，未保存任何数据" if language == "zh-hans" else "The import failed and nothing was saved"
    )
    assert expected in run.error
    assert (Contact.objects.count(), Client.objects.count()) == (contacts, clients)
    assert not Client.objects.filter(name__startswith="New client").exists()
    assert run.created_count == 0 and run.report_path == ""
    assert not ImportUndo.objects.filter(run=run).exists()


@TRANSACTIONS
def test_an_unreadable_byte_late_in_the_file_takes_back_every_batch(world, admin, settings, short):
    settings.ACCORD_IMPORT_SHORT_TRANSACTIONS = short
    settings.ACCORD_IMPORT_BATCH_ROWS = 50
    run = _configured(admin, "contacts", _contacts(300), default_client=world.client)
    path = services.run_path(run)
    path.write_bytes(path.read_bytes() + b"P9,\xff\xfe@example.cn,\n")
    before = Contact.objects.count()
    run = services.import_run_execute(run_id=run.pk)
    assert run.status == ImportStatus.FAILED and "not valid" in run.error
    assert Contact.objects.count() == before
    assert not ImportUndo.objects.exists()


@TRANSACTIONS
def test_updated_duplicates_get_their_values_back(world, admin, settings, short):
    """Contacts updated by the early batches are restored when a later batch fails."""
    settings.ACCORD_IMPORT_SHORT_TRANSACTIONS = short
    settings.ACCORD_IMPORT_BATCH_ROWS = 20
    existing = [
        f.ContactFactory(
            organization=world.org, client=world.client, last_name=f"Old{i}", email=f"p{i}@example.cn"
        )
        for i in range(60)
    ]
    stamps = {c.pk: (c.last_name, c.client_id, c.updated_at) for c in existing}
    text = "last name,email,company\n" + "".join(f"New{i},p{i}@example.cn,Another Co\n" for i in range(60))
    run = _configured(admin, "contacts", text + "Late,not an address,\n", duplicates="update")
    (services.storage_dir() / f"{run.stored_path}.rejected.csv").mkdir()
    run = services.import_run_execute(run_id=run.pk)
    assert run.status == ImportStatus.FAILED
    for contact in Contact.objects.filter(pk__in=stamps):
        assert (contact.last_name, contact.client_id, contact.updated_at) == stamps[contact.pk]
    assert not Client.objects.filter(name="Another Co").exists()


@TRANSACTIONS
def test_obligations_met_by_a_failed_import_are_open_again(world, admin, settings, short):
    """Interactions written by the first batch meet today's weekly call; a later batch fails:
    the interactions go and the obligation is open again, as before the run."""
    from accord.comms.services import plan_item_create

    settings.ACCORD_IMPORT_SHORT_TRANSACTIONS = short
    settings.ACCORD_IMPORT_BATCH_ROWS = 5
    item = plan_item_create(
        actor=world.memberships[world.manager.pk],
        project=world.project,
        contacts=[world.contact],
        purpose="Weekly call",
        channel="phone",
        cadence="weekly",
        weekday=timezone.localdate().weekday(),
        owner=world.manager,
        start_date=world.project.start_date,
    )
    due = item.obligations.get(due_date=timezone.localdate())
    open_before = set(item.obligations.filter(status="open").values_list("pk", flat=True))
    when = timezone.now().strftime("%Y-%m-%d %H:%M")
    start = f"{world.client.name},{world.project.code},call,{when}"
    rows = "".join(f"{start},Call {i},{world.contact.email}\n" for i in range(12))
    text = "client,project,kind,when,summary,contacts\n" + rows + f"{start},,\n"  # no summary: rejected
    run = _configured(admin, "interactions", text)
    (services.storage_dir() / f"{run.stored_path}.rejected.csv").mkdir()
    interactions = Interaction.objects.count()
    run = services.import_run_execute(run_id=run.pk)
    assert run.status == ImportStatus.FAILED
    assert Interaction.objects.count() == interactions
    due.refresh_from_db()
    assert (due.status, due.interaction_id, due.met_at, due.met_source) == ("open", None, None, "")
    assert set(item.obligations.filter(status="open").values_list("pk", flat=True)) == open_before


def test_a_finished_run_keeps_its_rows_and_drops_what_it_would_undo(world, admin, settings):
    settings.ACCORD_IMPORT_SHORT_TRANSACTIONS = True
    settings.ACCORD_IMPORT_BATCH_ROWS = 50
    run = services.import_run_execute(
        run_id=_configured(admin, "contacts", _contacts(200), default_client=world.client).pk
    )
    assert run.status == ImportStatus.DONE and run.created_count == 200
    assert Contact.objects.filter(email__endswith="@example.cn", last_name__startswith="P").count() == 200
    assert not ImportUndo.objects.exists()


def test_the_sweep_takes_back_a_run_whose_worker_died(world, admin, settings):
    """A worker that died after committing batches: the periodic sweep marks the run failed
    and removes what the batches wrote."""
    run = _configured(admin, "contacts", _contacts(3), default_client=world.client)
    written = [f.ContactFactory(organization=world.org, client=world.client) for _ in range(3)]
    undo = UndoLog(run.pk)
    undo.created(Contact, [c.pk for c in written])
    undo.save()
    long_ago = timezone.now() - dt.timedelta(seconds=settings.ACCORD_IMPORT_TIMEOUT_SECONDS + 60)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.RUNNING, started_at=long_ago)
    assert services.import_runs_fail_stuck() == 1
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert not Contact.objects.filter(pk__in=[c.pk for c in written]).exists()
    assert not ImportUndo.objects.exists()


def test_a_run_marked_failed_while_it_writes_stops_and_takes_back_its_batches(world, admin, settings):
    """The sweep took a slow run for dead: its next batch finds the run no longer running."""
    settings.ACCORD_IMPORT_SHORT_TRANSACTIONS = True
    settings.ACCORD_IMPORT_BATCH_ROWS = 50
    run = _configured(admin, "contacts", _contacts(300), default_client=world.client)
    before = Contact.objects.count()

    def progress(processed, total):
        if processed == 100:
            ImportRun.objects.filter(pk=run.pk).update(
                status=ImportStatus.FAILED, error="stopped by the sweep"
            )

    done = services.import_run_execute(run_id=run.pk, progress=progress)
    assert (done.status, done.error) == (ImportStatus.FAILED, "stopped by the sweep")
    assert Contact.objects.count() == before
    assert not ImportUndo.objects.exists()


def _concurrent(short: bool, busy_timeout: float | None = None) -> dict:
    command = [
        sys.executable,
        "-m",
        "accord.dataio.tests.concurrent_import",
        "--rows",
        "2000",
        "--batch",
        "500",
        "--short-transactions",
        "yes" if short else "no",
    ]
    if busy_timeout is not None:
        command += ["--busy-timeout", str(busy_timeout)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DATABASE_URL"))}
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_other_writers_are_not_locked_out_of_sqlite_during_an_import():
    """On a SQLite file with the settings' options: between the import's batches another
    connection logs an interaction, and sees the rows written so far; nothing is locked."""
    seen = _concurrent(short=True)
    assert (seen["status"], seen["error"], seen["created"], seen["contacts"]) == ("done", "", 2000, 2000)
    assert (seen["writes"], seen["locked"], seen["other_errors"]) == (3, 0, [])
    assert seen["interactions"] == 3
    assert seen["contacts_visible"] == [500, 1000, 1500]
    # The same run in one transaction locks the other writer out until it ends (its wait for
    # the lock cut to a second here, so the run does not wait twenty seconds a batch).
    held = _concurrent(short=False, busy_timeout=1)
    assert held["status"] == "done" and held["locked"] == 3 and held["writes"] == 0
