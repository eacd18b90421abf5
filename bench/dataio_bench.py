"""Import and export rates for 100,000 contacts, on scratch databases: SQLite and PostgreSQL.

    .venv/bin/python bench/dataio_bench.py [--rows 100000] [--database both|sqlite|postgresql]
    DATABASE_URL=postgres://postgres@127.0.0.1:5433/accord .venv/bin/python bench/dataio_bench.py

PostgreSQL is the server at 127.0.0.1:5433, in a database ``accord_hc_bench`` made for the run
and dropped after; or the server of ``DATABASE_URL``, in ``test_<its database>`` (the database
of the URL is not touched). Nothing is started. When ``DATABASE_URL`` is in the environment
(as ``bench/run.py`` passes it: empty for SQLite) and no ``--database`` is given, only that
one database is measured.

Each database: tables made by the migrations, so with the search indexes every insert keeps up
to date (SQLite's FTS5 trigram tables and their triggers, PostgreSQL's pg_trgm GIN index; about
30 s more; ``--no-migrations`` makes the tables from the models, without those indexes, for a
quick look); a CSV of N contacts at 500 companies;
then detect (upload + encoding/delimiter/row scan), preview (every row checked), import (all
rows written), re-import as duplicates (every row skipped), and exports to CSV and XLSX. Each
step prints rows per second of wall time and per CPU-second of this process (the machine has
two cores shared with other work, so the wall time partly measures waiting for a CPU); on
PostgreSQL also the CPU time of the database server's process, and the step's peak memory
(RSS high-water mark, reset before each step on Linux). The numbers are written as JSON to
bench/results/. Not part of CI.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTGRES_URL = "postgres://postgres@127.0.0.1:5433/accord_hc_bench"
DATABASES = ("sqlite", "postgresql")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", choices=[*DATABASES, "both"], default=None)
    parser.add_argument("--no-xlsx", action="store_true", help="skip the (slow) XLSX export")
    parser.add_argument(
        "--no-migrations",
        action="store_true",
        help="tables from the models: quicker, but without the search indexes an import keeps up to date",
    )
    args = parser.parse_args()
    database = args.database
    if database is None:
        given = os.environ.get("DATABASE_URL")
        database = "both" if given is None else ("postgresql" if given else "sqlite")
    if database == "both":
        return _both(args)
    own_database = False
    if database == "postgresql":
        # Our own bench database is made and dropped; a given URL's database is left alone
        # (the run uses test_<its name> next to it).
        own_database = not os.environ.get("DATABASE_URL")
        os.environ["DATABASE_URL"] = os.environ.get("DATABASE_URL") or POSTGRES_URL
    else:
        os.environ["DATABASE_URL"] = ""
    out = measure(
        args.rows, xlsx=not args.no_xlsx, own_database=own_database, migrations=not args.no_migrations
    )
    print(f"written to {out.relative_to(ROOT)}")
    return 0


def _both(args) -> int:
    """Each database in its own process (Django's settings are per process); one JSON for both."""
    combined: dict = {"rows": args.rows, "databases": {}}
    for database in DATABASES:
        print(f"== {database}")
        command = [sys.executable, __file__, "--rows", str(args.rows), "--database", database]
        if args.no_xlsx:
            command.append("--no-xlsx")
        if args.no_migrations:
            command.append("--no-migrations")
        result = subprocess.run(command, cwd=ROOT, check=False, capture_output=True, text=True)
        print(result.stdout, end="")
        written = [line for line in result.stdout.splitlines() if line.startswith("written to ")]
        if result.returncode != 0 or not written:
            print(result.stderr[-3000:], file=sys.stderr)
            combined["databases"][database] = {"failed": f"exit status {result.returncode}"}
            continue
        path = ROOT / written[-1].removeprefix("written to ")
        combined["databases"][database] = json.loads(path.read_text())
    _summary(combined)
    out = ROOT / "bench" / "results" / f"dataio-both-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(combined, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")
    return 0 if all("failed" not in r for r in combined["databases"].values()) else 1


def _summary(combined: dict) -> None:
    print(f"\n== {combined['rows']:,} contacts: rows/s wall | rows per CPU-second (this process)")
    for database, results in combined["databases"].items():
        if "failed" in results:
            print(f"{database:<11} failed")
            continue
        parts = []
        for label in ("import_end_to_end", "export CSV (streamed)", "export XLSX (write-only)"):
            if label in results:
                step, name = results[label], label.split(" (")[0]
                parts.append(f"{name} {step['rows_per_second']:,} | {step['rows_per_cpu_second']:,}")
        print(f"{database:<11} " + "; ".join(parts) + f"; peak {results['peak_rss_mb']} MB")


def measure(rows: int, *, xlsx: bool = True, own_database: bool = False, migrations: bool = True) -> Path:
    """Measure on the database of ``DATABASE_URL`` (SQLite when empty); returns the JSON written."""
    scratch = Path(tempfile.mkdtemp(prefix="accord-bench-"))
    os.environ.setdefault("ACCORD_DATA_DIR", str(scratch))
    os.environ.setdefault("ACCORD_SQLITE_PATH", str(scratch / "bench.sqlite3"))
    os.environ.setdefault("ACCORD_TASKS_BACKEND", "immediate")
    os.environ["DJANGO_SETTINGS_MODULE"] = "accord.settings"
    import django

    from accord.core.datadir import init

    init()
    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.ACCORD_IMPORT_MAX_ROWS = max(rows, 200_000)
    settings.ACCORD_MAX_UPLOAD_BYTES = 200 * 1024 * 1024
    settings.MEDIA_ROOT = scratch / "media"
    settings.DATABASES["default"].setdefault("TEST", {})["MIGRATE"] = migrations
    connection.settings_dict.setdefault("TEST", {})["MIGRATE"] = migrations
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(scratch / "bench-test.sqlite3")
    elif own_database:
        # accord_hc_bench itself (made here, dropped after), not test_accord_hc_bench.
        connection.settings_dict["TEST"]["NAME"] = connection.settings_dict["NAME"]
    load_before = [round(x, 1) for x in os.getloadavg()]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        results = run(rows, scratch, xlsx=xlsx)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(scratch, ignore_errors=True)
    results.update(
        {
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "database": connection.vendor,
            "migrations": migrations,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
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
    return out


def _reset_peak_memory() -> None:
    """Start a step's peak memory afresh (Linux: the high-water mark of this process's RSS)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_memory_mb() -> float:
    """The peak RSS since the last reset (on Linux), else since the process started."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmHWM:", 1)[1].split()[0]) / 1024
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _server_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL server process (same machine)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(label: str, rows: int, fn, results: dict):
    """Wall time, the CPU time of this process (on a shared, busy machine the wall time mostly
    measures waiting for a CPU; with SQLite the database work is in-process CPU too) and, on
    PostgreSQL, that of the server process."""
    server_start = _server_cpu()
    _reset_peak_memory()
    start, cpu_start = time.perf_counter(), time.process_time()
    value = fn()
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    server_end = _server_cpu()
    rate = rows / seconds if seconds else float("inf")
    cpu_rate = rows / cpu if cpu else float("inf")
    peak = _peak_memory_mb()
    results[label] = {
        "rows": rows,
        "seconds": round(seconds, 3),
        "rows_per_second": round(rate),
        "cpu_seconds": round(cpu, 3),
        "rows_per_cpu_second": round(cpu_rate),
        "peak_rss_mb": round(peak),
    }
    line = (
        f"{label:<28} {rows:>8} rows  {seconds:8.2f} s {rate:>9,.0f} rows/s   "
        f"cpu {cpu:7.2f} s {cpu_rate:>9,.0f} rows/s"
    )
    if server_start is not None and server_end is not None:
        server = server_end - server_start
        results[label]["server_cpu_seconds"] = round(server, 3)
        line += f"   server cpu {server:6.2f} s"
    print(f"{line}   peak {peak:4.0f} MB")
    return value


def run(rows: int, scratch: Path, *, xlsx: bool = True) -> dict:
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
    end_to_end = {
        "rows": rows,
        "seconds": round(sum(results[k]["seconds"] for k in steps), 3),
        "cpu_seconds": round(sum(results[k]["cpu_seconds"] for k in steps), 3),
    }
    end_to_end["rows_per_second"] = round(rows / end_to_end["seconds"])
    end_to_end["rows_per_cpu_second"] = round(rows / end_to_end["cpu_seconds"])
    if all("server_cpu_seconds" in results[k] for k in steps):
        end_to_end["server_cpu_seconds"] = round(sum(results[k]["server_cpu_seconds"] for k in steps), 3)
    results["import_end_to_end"] = end_to_end
    print(
        f"{'import end to end':<28} {rows:>8} rows  {end_to_end['seconds']:8.2f} s "
        f"{end_to_end['rows_per_second']:>9,} rows/s   cpu {end_to_end['cpu_seconds']:7.2f} s "
        f"{end_to_end['rows_per_cpu_second']:>9,} rows/s"
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
        with open(scratch / "export.csv", "w", encoding="utf-8", newline="") as out:
            for chunk in exports.csv_chunks(exports.export_header(spec), exports.export_rows(spec, queryset)):
                out.write(chunk)

    timed("export CSV (streamed)", rows, export_csv, results)

    def export_xlsx():
        header = exports.export_header_typed(spec, dt.UTC)
        exports.xlsx_tempfile(header, exports.export_rows_typed(spec, queryset, dt.UTC)).close()

    if xlsx:
        timed("export XLSX (write-only)", rows, export_xlsx, results)
    peak = max(step.get("peak_rss_mb", 0) for step in results.values() if isinstance(step, dict))
    results["peak_rss_mb"] = round(peak)
    print(f"peak memory (RSS) of the steps: {peak:.0f} MB")
    return results


if __name__ == "__main__":
    sys.exit(main())
