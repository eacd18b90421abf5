"""An import on a SQLite file while another thread writes between its batches; prints JSON.

    python -m accord.dataio.tests.concurrent_import --rows 3000 --batch 500 \\
        --short-transactions yes|no [--busy-timeout 2]

Run as its own process by ``test_import_short_transactions.py`` (the tests' SQLite database is
in memory; this one is a real file in WAL mode, opened with the settings' options). Each time
the import reports progress (after each batch it wrote), a second thread, with its own
connection, logs an interaction through ``interaction_create`` and counts the contacts already
visible; the import waits for it before going on. What the other writer saw is printed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import threading
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--short-transactions", choices=["yes", "no"], default="yes")
    parser.add_argument("--busy-timeout", type=float, default=None, help="seconds (default: the settings')")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="accord-concurrent-import-"))
    os.environ["DATABASE_URL"] = ""
    os.environ["ACCORD_DATA_DIR"] = str(scratch)
    os.environ["ACCORD_SQLITE_PATH"] = str(scratch / "accord.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "accord.settings"
    import django

    from accord.core.datadir import init

    init()
    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.MEDIA_ROOT = scratch / "media"
    settings.ACCORD_IMPORT_BATCH_ROWS = args.batch
    settings.ACCORD_IMPORT_SHORT_TRANSACTIONS = args.short_transactions == "yes"
    options = connection.settings_dict["OPTIONS"]
    if args.busy_timeout is not None:
        options["timeout"] = args.busy_timeout
        options["init_command"] = options["init_command"].replace(
            "busy_timeout=20000", f"busy_timeout={int(args.busy_timeout * 1000)}"
        )
    connection.settings_dict.setdefault("TEST", {})["MIGRATE"] = False
    connection.settings_dict["TEST"]["NAME"] = str(scratch / "test.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        result = run(scratch, args.rows)
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(json.dumps(result))
    return 0


def run(scratch: Path, rows: int) -> dict:
    from django.core.files import File
    from django.db import OperationalError, connection

    from accord.crm.models import Client, Contact, Interaction
    from accord.crm.services import interaction_create
    from accord.dataio import services
    from accord.tenancy.models import Membership, Organization, Role, User

    org = Organization.objects.create(name="Concurrent", slug="concurrent")
    user = User.objects.create_user("owner@concurrent.example", "a long enough password")
    member = Membership.objects.create(organization=org, user=user, role=Role.OWNER)
    member = Membership.objects.select_related("organization", "user").get(pk=member.pk)
    client = Client.objects.create(organization=org, name="Default client")
    path = scratch / "contacts.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["first name", "last name", "email", "company"])
        for i in range(rows):
            writer.writerow([f"Wei{i}", f"Wang{i}", f"person{i}@concurrent.example", f"Company {i % 7}"])
    with open(path, "rb") as fh:
        run_obj = services.import_run_create(actor=member, kind="contacts", upload=File(fh, name="c.csv"))
    services.import_run_configure(actor=member, run=run_obj, mapping=run_obj.mapping, duplicates="skip")

    asked, answered = threading.Event(), threading.Event()
    stop = threading.Event()
    seen = {"writes": 0, "locked": 0, "other_errors": [], "contacts_visible": []}

    def other_writer() -> None:
        try:
            while asked.wait() and not stop.is_set():
                asked.clear()
                try:
                    interaction_create(actor=member, client=client, kind="call", summary="During the import")
                    seen["writes"] += 1
                except OperationalError as exc:
                    if "locked" in str(exc):
                        seen["locked"] += 1
                    else:
                        seen["other_errors"].append(str(exc))
                seen["contacts_visible"].append(Contact.objects.filter(organization=org).count())
                answered.set()
        finally:
            connection.close()

    def progress(processed: int, total: int) -> None:
        if processed >= total:
            return
        answered.clear()
        asked.set()
        answered.wait(timeout=120)

    thread = threading.Thread(target=other_writer)
    thread.start()
    try:
        done = services.import_run_execute(run_id=run_obj.pk, progress=progress)
    finally:
        stop.set()
        asked.set()
        thread.join()
    return {
        **seen,
        "status": done.status,
        "error": done.error,
        "created": done.created_count,
        "contacts": Contact.objects.filter(organization=org).count(),
        "interactions": Interaction.objects.filter(organization=org).count(),
    }


if __name__ == "__main__":
    sys.exit(main())
