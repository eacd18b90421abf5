"""What a large SQLite import does to everyone else's writes.

    .venv/bin/python bench/import_contention_bench.py [--size 100000] [--interval 0.05]
        [--modes one-transaction,short-transactions]

On a scratch SQLite file (WAL, the settings' busy timeout), a contacts import of ``--size`` rows
runs while a second thread logs an interaction through ``interaction_create`` every
``--interval`` seconds. Each mode imports the same file into a fresh organisation:

* ``one-transaction``: the whole run in one transaction (``ACCORD_IMPORT_SHORT_TRANSACTIONS``
  off; what every import did before runs on SQLite were split);
* ``short-transactions``: rows checked and staged first, then written in transactions of
  ``ACCORD_IMPORT_BATCH_ROWS`` rows, committing between them.

Per mode: the import's rows/s, and the writer's waits (p50, p99, max, from calling the service
to its return or its error: a failed write counts with the time it waited) and its "database is
locked" errors; then the ratios of the second mode against
the first, measured in the same run. Results are written as JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODES = {"one-transaction": False, "short-transactions": True}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000, help="rows in the imported file")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between the other writes")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated: " + ", ".join(MODES))
    args = parser.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        parser.error(f"unknown mode(s): {', '.join(unknown)}")

    scratch = Path(tempfile.mkdtemp(prefix="accord-contention-"))
    os.environ["DATABASE_URL"] = ""
    os.environ["ACCORD_DATA_DIR"] = str(scratch)
    os.environ["ACCORD_SQLITE_PATH"] = str(scratch / "bench.sqlite3")
    os.environ.setdefault("ACCORD_TASKS_BACKEND", "immediate")
    os.environ["DJANGO_SETTINGS_MODULE"] = "accord.settings"
    import django

    from accord.core.datadir import init

    init()
    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.ACCORD_IMPORT_MAX_ROWS = max(args.size, 200_000)
    settings.ACCORD_MAX_UPLOAD_BYTES = 200 * 1024 * 1024
    settings.MEDIA_ROOT = scratch / "media"
    connection.settings_dict.setdefault("TEST", {})["MIGRATE"] = False
    connection.settings_dict["TEST"]["NAME"] = str(scratch / "bench-test.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    results: dict = {"size": args.size, "interval_s": args.interval, "modes": {}}
    try:
        csv_path = scratch / "contacts.csv"
        write_csv(csv_path, args.size)
        print(f"contacts.csv: {args.size:,} rows, {csv_path.stat().st_size / 1024 / 1024:.1f} MB")
        for n, mode in enumerate(modes):
            settings.ACCORD_IMPORT_SHORT_TRANSACTIONS = MODES[mode]
            results["modes"][mode] = measure(mode, n, csv_path, args.size, args.interval)
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(scratch, ignore_errors=True)
    summarise(results)
    results["when"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    results["load_average"] = [round(x, 1) for x in os.getloadavg()]
    out = ROOT / "bench" / "results" / f"import-contention-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")
    return 0


def write_csv(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["姓名", "First Name", "Last Name", "邮箱", "手机", "公司", "职位", "微信", "备注"])
        for i in range(rows):
            writer.writerow(
                [
                    f"王{i % 97}伟{i}",
                    f"Wei{i}",
                    f"Wang{i % 1000}",
                    f"person{i}@bench{i % 50}.example",
                    f"+86 138 {i // 10000:04d} {i % 10000:04d}",
                    f"公司 {i % 500}",
                    "项目经理",
                    f"wx{i}",
                    'Met at the fair, "booth 7"' if i % 10 == 0 else "",
                ]
            )


def measure(mode: str, n: int, csv_path: Path, size: int, interval: float) -> dict:
    from django.core.files import File
    from django.db import OperationalError, connection

    from accord.crm.models import Client, Contact
    from accord.crm.services import interaction_create
    from accord.dataio import services
    from accord.tenancy.models import Membership, Organization, Role, User

    org = Organization.objects.create(
        name=f"Bench {n}", slug=f"bench-{n}", default_currency="CNY", default_timezone="Asia/Shanghai"
    )
    user = User.objects.create_user(f"owner{n}@bench.example", "bench password 123")
    member = Membership.objects.create(organization=org, user=user, role=Role.OWNER)
    member = Membership.objects.select_related("organization", "user").get(pk=member.pk)
    default_client = Client.objects.create(organization=org, name="Default client")
    with open(csv_path, "rb") as fh:
        run = services.import_run_create(actor=member, kind="contacts", upload=File(fh, name="contacts.csv"))
    services.import_run_configure(actor=member, run=run, mapping=run.mapping, duplicates="skip")

    waits: list[float] = []
    errors = {"locked": 0, "other": 0}
    stop = threading.Event()

    def writer() -> None:
        try:
            while not stop.is_set():
                start = time.perf_counter()
                try:
                    interaction_create(
                        actor=member,
                        client=default_client,
                        kind="call",
                        summary=f"Call during the import {len(waits)}",
                    )
                except OperationalError as exc:
                    key = "locked" if "locked" in str(exc) else "other"
                    errors[key] += 1
                # A failed write waited too (up to the busy timeout): it counts in the waits.
                waits.append(time.perf_counter() - start)
                stop.wait(interval)
        finally:
            connection.close()

    thread = threading.Thread(target=writer, name="other-writer")
    print(
        f"== {mode}: importing {size:,} contacts while another thread writes every {interval * 1000:.0f} ms"
    )
    thread.start()
    time.sleep(0.5)  # the writer's baseline before the import starts
    start = time.perf_counter()
    done = services.import_run_execute(run_id=run.pk)
    seconds = time.perf_counter() - start
    time.sleep(0.5)
    stop.set()
    thread.join()
    assert done.status == "done" and done.created_count == size, (done.status, done.error)
    assert Contact.objects.filter(organization=org).count() == size
    ordered = sorted(waits)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")

    result = {
        "import_seconds": round(seconds, 2),
        "import_rows_per_second": round(size / seconds),
        "writes": len(waits),
        "writes_failed": errors["locked"] + errors["other"],
        "wait_p50_ms": round(statistics.median(ordered) * 1000, 1) if ordered else None,
        "wait_p99_ms": round(pct(0.99) * 1000, 1),
        "wait_max_ms": round(ordered[-1] * 1000, 1) if ordered else None,
        "locked_errors": errors["locked"],
        "other_errors": errors["other"],
    }
    print(
        f"   import {seconds:7.2f} s {result['import_rows_per_second']:>8,} rows/s | other writes "
        f"{result['writes']} ({result['writes_failed']} failed), p50 {result['wait_p50_ms']} ms, "
        f"p99 {result['wait_p99_ms']} ms, "
        f"max {result['wait_max_ms']} ms, 'database is locked' {result['locked_errors']}, "
        f"other errors {result['other_errors']}"
    )
    return result


def summarise(results: dict) -> None:
    modes = results["modes"]
    if len(modes) < 2:
        return
    (base_name, base), (new_name, new) = list(modes.items())[:2]
    print(f"\n== {new_name} against {base_name} ({results['size']:,} rows, same run)")
    for key, label in (
        ("wait_p50_ms", "other writes' p50 wait"),
        ("wait_p99_ms", "other writes' p99 wait"),
        ("wait_max_ms", "other writes' max wait"),
        ("import_rows_per_second", "import rows/s"),
    ):
        ratio = new[key] / base[key] if base[key] else float("nan")
        print(f"   {label:<24} {base[key]:>10} -> {new[key]:>10}   x{ratio:.3f}")
    print(f"   'database is locked'     {base['locked_errors']:>10} -> {new['locked_errors']:>10}")
    results["ratios"] = {
        key: round(new[key] / base[key], 3) if base[key] else None
        for key in ("wait_p50_ms", "wait_p99_ms", "wait_max_ms", "import_rows_per_second")
    }


if __name__ == "__main__":
    sys.exit(main())
