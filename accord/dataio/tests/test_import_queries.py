"""An import runs a fixed number of queries per batch of rows, whatever the file's length."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.crm.models import Contact, Interaction
from accord.dataio import services

from .conftest import upload


@pytest.fixture
def admin(world):
    return world.memberships[world.admin.pk]


def _contacts_csv(world, rows: int, new_clients: str = "New client") -> str:
    # Every other row names one of three clients the organisation does not have yet.
    lines = []
    for i in range(rows):
        company = f"{new_clients} {i % 3}" if i % 2 else world.client.name
        lines.append(f"P{i},p{i}@example.cn,+86 139 {i:08d},{company}\n")
    return "last name,email,mobile,company\n" + "".join(lines)


def _prepared(admin, kind: str, text: str):
    run = services.import_run_create(actor=admin, kind=kind, upload=upload("f.csv", text))
    return services.import_run_configure(actor=admin, run=run, mapping=run.mapping, duplicates="skip")


def _queries_of_run(run) -> int:
    ContentType.objects.clear_cache()  # each run looks the audit's content type up afresh
    with CaptureQueriesContext(connection) as queries:
        done = services.import_run_execute(run_id=run.pk)
    assert done.status == "done", done.error
    return len(queries)


# A run in one transaction, and one committing each batch in its own (SQLite's default).
TRANSACTIONS = pytest.mark.parametrize("short", [False, True], ids=["one-transaction", "short-transactions"])


@TRANSACTIONS
def test_contact_import_queries_do_not_grow_with_rows(
    world, admin, settings, short, django_assert_num_queries
):
    settings.ACCORD_IMPORT_SHORT_TRANSACTIONS = short
    small = _prepared(admin, "contacts", _contacts_csv(world, 10))
    counted = _queries_of_run(small)
    Contact.objects.filter(email__startswith="p").delete()
    large = _prepared(admin, "contacts", _contacts_csv(world, 1000, new_clients="Other client"))
    ContentType.objects.clear_cache()
    with django_assert_num_queries(counted):
        services.import_run_execute(run_id=large.pk)
    assert Contact.objects.filter(email__startswith="p").count() == 1000
    if short:
        # claim, run, member, clients, contacts; the batch: savepoint, still running, new
        # clients (2), rows and their ids (2), what to undo, release; the end: savepoint,
        # still running, audit (2), undo dropped, save, release
        assert counted == 20
    else:
        # claim, run, member, savepoint, clients, contacts, new clients (2), rows, audit (2), release, save
        assert counted == 13


@TRANSACTIONS
def test_each_batch_of_contacts_is_one_insert(world, admin, settings, short):
    settings.ACCORD_IMPORT_SHORT_TRANSACTIONS = short
    settings.ACCORD_IMPORT_BATCH_ROWS = 100
    three = _queries_of_run(_prepared(admin, "contacts", _contacts_csv(world, 300)))
    Contact.objects.filter(email__startswith="p").delete()
    nine = _queries_of_run(
        _prepared(admin, "contacts", _contacts_csv(world, 900, new_clients="Other client"))
    )
    if short:
        # six more batches: savepoint, still running, rows and their ids, what to undo, release
        assert nine - three == 6 * 6
    else:
        assert nine - three == 6  # six more batches, one INSERT (or COPY) each


def _interactions_csv(world, rows: int) -> str:
    start = f"{world.client.name},{world.project.code},call,2026-03-02"
    lines = [f"{start} 10:{i % 60:02d},Call {i},{world.contact.email}\n" for i in range(rows)]
    return "client,project,kind,when,summary,contacts\n" + "".join(lines)


@TRANSACTIONS
def test_interaction_import_queries_per_batch_are_fixed(world, admin, settings, short):
    """Rows, who took part, and the plan obligations met: the same queries for each batch."""
    settings.ACCORD_IMPORT_SHORT_TRANSACTIONS = short
    settings.ACCORD_IMPORT_BATCH_ROWS = 100
    one = _queries_of_run(_prepared(admin, "interactions", _interactions_csv(world, 10)))
    Interaction.objects.filter(summary__startswith="Call ").delete()
    ten = _queries_of_run(_prepared(admin, "interactions", _interactions_csv(world, 1000)))
    assert Interaction.objects.filter(summary__startswith="Call ").count() == 1000
    if short:
        # and savepoint, still running, who took part's ids (1), what to undo, release
        assert ten - one == 9 * 9
    else:
        # rows and their ids (2), who took part (1), open obligations to meet (1)
        assert ten - one == 9 * 4
