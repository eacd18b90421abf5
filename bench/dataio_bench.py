"""Import and export rates for 100,000 contacts, on a scratch database.

    .venv/bin/python bench/dataio_bench.py [--rows 100000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5439/accord .venv/bin/python bench/dataio_bench.py

Builds a throwaway database (SQLite in a temporary folder unless DATABASE_URL is set; tables
from the models, no migrations), writes a CSV of N contacts at 500 companies, then measures:
detect (upload + encoding/delimiter/row scan), preview (every row checked), import (all rows
written), re-import as duplicates (every row skipped), and exports to CSV and XLSX. Prints
rows/s and writes the numbers as JSON to bench/results/. Not part of CI.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="accord-bench-"))
    os.environ.setdefault("ACCORD_DATA_DIR", str(scratch))
    os.environ.setdefault("ACCORD_SQLITE_PATH", str(scratch / "bench.sqlite3"))
    os.environ.setdefault("ACCORD_TASKS_BACKEND", "immediate")
    os.environ["DJANGO_SETTINGS_MODULE"] = "accord.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.ACCORD_IMPORT_MAX_ROWS = max(args.rows, 200_000)
    settings.ACCORD_MAX_UPLOAD_BYTES = 200 * 1024 * 1024
    settings.MEDIA_ROOT = scratch / "media"
    settings.DATABASES["default"].setdefault("TEST", {})["MIGRATE"] = False
    connection.settings_dict.setdefault("TEST", {})["MIGRATE"] = False
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(scratch / "bench-test.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        results = run(args.rows, scratch)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    results.update(
        {
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "database": connection.vendor,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "load_average": [round(x, 1) for x in os.getloadavg()],
        }
    )
    out = (
        ROOT
        / "bench"
        / "results"
        / f"dataio-{connection.vendor}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")
    return 0


def timed(label: str, rows: int, fn, results: dict):
    """Wall time, and the CPU time of this process (on a shared, busy machine the wall time
    mostly measures waiting for a CPU; with SQLite the database work is in-process CPU too)."""
    start, cpu_start = time.perf_counter(), time.process_time()
    value = fn()
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    rate = rows / seconds if seconds else float("inf")
    cpu_rate = rows / cpu if cpu else float("inf")
    results[label] = {
        "rows": rows,
        "seconds": round(seconds, 3),
        "rows_per_second": round(rate),
        "cpu_seconds": round(cpu, 3),
        "rows_per_cpu_second": round(cpu_rate),
    }
    print(
        f"{label:<28} {rows:>8} rows  {seconds:8.2f} s {rate:>9,.0f} rows/s   "
        f"cpu {cpu:7.2f} s {cpu_rate:>9,.0f} rows/s"
    )
    return value


def run(rows: int, scratch: Path) -> dict:
    from django.core.files import File

    from accord.crm.models import Client, Contact
    from accord.dataio import exports, services
    from accord.dataio.kinds import spec_for
    from accord.tenancy.models import Membership, Organization, Role, User

    org = Organization.objects.create(
        name="Bench 基准", slug="bench", default_currency="CNY", default_timezone="Asia/Shanghai"
    )
    user = User.objects.create_user("owner@bench.example", "bench password 123")
    member = Membership.objects.create(organization=org, user=user, role=Role.OWNER)
    member = Membership.objects.select_related("organization", "user").get(pk=member.pk)
    Client.objects.create(organization=org, name="Default client")

    path = scratch / "contacts.csv"
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
    size_mb = path.stat().st_size / 1024 / 1024
    print(f"contacts.csv: {rows} rows, {size_mb:.1f} MB")
    results: dict = {"file_mb": round(size_mb, 1)}

    def create():
        with open(path, "rb") as fh:
            return services.import_run_create(
                actor=member, kind="contacts", upload=File(fh, name="contacts.csv")
            )

    run_obj = timed("detect (upload + scan)", rows, create, results)
    services.import_run_configure(actor=member, run=run_obj, mapping=run_obj.mapping, duplicates="skip")
    preview = timed(
        "preview (check every row)", rows, lambda: services.import_preview(actor=member, run=run_obj), results
    )
    assert preview.valid == rows, preview.as_dict()["rows"][:3]
    done = timed("import (bulk write)", rows, lambda: services.import_run_execute(run_id=run_obj.pk), results)
    assert done.status == "done" and done.created_count == rows, (done.status, done.error)
    assert Contact.objects.filter(organization=org).count() == rows
    steps = ("detect (upload + scan)", "import (bulk write)")
    wall = sum(results[k]["seconds"] for k in steps)
    cpu = sum(results[k]["cpu_seconds"] for k in steps)
    results["import_end_to_end"] = {
        "rows": rows,
        "seconds": round(wall, 3),
        "rows_per_second": round(rows / wall),
        "cpu_seconds": round(cpu, 3),
        "rows_per_cpu_second": round(rows / cpu),
    }
    print(
        f"{'import end to end':<28} {rows:>8} rows  {wall:8.2f} s {rows / wall:>9,.0f} rows/s   "
        f"cpu {cpu:7.2f} s {rows / cpu:>9,.0f} rows/s"
    )

    again = create()
    services.import_run_configure(actor=member, run=again, mapping=again.mapping, duplicates="skip")
    dup = timed(
        "re-import (all duplicates)", rows, lambda: services.import_run_execute(run_id=again.pk), results
    )
    assert dup.skipped_count == rows

    spec = spec_for("contacts")
    queryset = spec.export_queryset(member, {})

    def export_csv():
        count = 0
        with open(scratch / "export.csv", "w", encoding="utf-8", newline="") as out:
            for chunk in exports.csv_chunks(exports.export_header(spec), exports.export_rows(spec, queryset)):
                out.write(chunk)
                count += chunk.count("\n")
        return count

    timed("export CSV (streamed)", rows, export_csv, results)
    timed(
        "export XLSX (write-only)",
        rows,
        lambda: exports.xlsx_tempfile(
            exports.export_header(spec), exports.export_rows(spec, queryset)
        ).close(),
        results,
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results["peak_rss_mb"] = round(peak)
    print(f"peak memory (RSS): {peak:.0f} MB")
    return results


if __name__ == "__main__":
    sys.exit(main())
