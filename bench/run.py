"""``make bench``: seed a large organisation, serve Accord under gunicorn, and measure it over
real HTTP — on SQLite and, when a PostgreSQL 15 server can be started here, on PostgreSQL.

For every page and API list endpoint: p50 and p95 latency after a warm-up, the queries one
request makes, and the same SQL run directly on the database (the floor), with the ratio.
Also a bare view's throughput in the same run and, when the import/export benchmark is
present, CSV import and export rates; on SQLite, other writers' waits during a large import
(bench/import_contention_bench.py). Results are printed as a table and written as JSON
to bench/results/.

    python -m bench.run                       # both databases, full size
    python -m bench.run --db sqlite --scale 0.05
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from accord.testing.live import free_port

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PGBIN = Path("/usr/lib/postgresql/15/bin")

TARGETS_P95_MS = {"api": 30, "html": 150, "search": 200}
DATAIO_ROWS = 100_000
MAX_FLOOR_RATIO = 3  # an HTML page's p50 at most this many times its SQL run directly


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def _load() -> list[float]:
    """The machine's 1/5/15-minute load averages (2 cores, shared with other work)."""
    return [round(x, 2) for x in os.getloadavg()]


# --- one database ------------------------------------------------------------------------------


def _fetch(url: str, headers: dict) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - our own server on 127.0.0.1
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _warm_up(base: str, targets: list[tuple[str, dict]], rounds: int = 3) -> None:
    """Every target a few times from two connections, so that both workers have imported,
    compiled and cached what their pages need before anything is timed."""

    def walk():
        for _ in range(rounds):
            for path, headers in targets:
                _fetch(base + path, headers)

    pool = [threading.Thread(target=walk) for _ in range(2)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


class ServerCpu:
    """CPU used on the server side: the gunicorn workers and, on PostgreSQL, the backends
    serving this database. Unlike wall time it hardly depends on what else the (shared,
    2-core) machine is doing at the moment."""

    def __init__(self, gunicorn_pid: int):
        self.gunicorn_pid = gunicorn_pid

    def _pids(self) -> list[int]:
        from django.db import connection

        pids = _children(self.gunicorn_pid)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                )
                pids += [row[0] for row in cursor.fetchall()]
        return pids

    def snapshot(self) -> dict[int, float]:
        return {pid: _proc_cpu(pid) for pid in self._pids()}

    def since(self, before: dict[int, float]) -> float:
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in self.snapshot().items())


def _time_requests(url: str, headers: dict, n: int, cpu: ServerCpu, warmup: int = 5) -> dict:
    for _ in range(warmup):
        status, _body = _fetch(url, headers)
    samples = []
    before = cpu.snapshot()
    for _ in range(n):
        t0 = time.perf_counter()
        status, _body = _fetch(url, headers)
        samples.append((time.perf_counter() - t0) * 1000)
    return {
        "status": status,
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(_percentile(samples, 95), 2),
        "server_cpu_ms": round(cpu.since(before) * 1000 / n, 1),
    }


def _queries_and_floor(client, path: str, headers: dict) -> tuple[int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(path, headers=headers)
    # A server-side cursor (PostgreSQL, for .iterator()) is run as its plain query.
    statements = [
        q["sql"].split(" FOR ", 1)[1] if q["sql"].lstrip().upper().startswith("DECLARE ") else q["sql"]
        for q in ctx.captured_queries
    ]
    # Session and auth bookkeeping aside, the floor is the same SQL sent straight to the database.
    runs = []
    for _ in range(7):
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
        runs.append((time.perf_counter() - t0) * 1000)
    return len(statements), statistics.median(runs)


def _throughput(url: str, seconds: float = 5.0, threads: int = 4) -> float:
    count = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker():
        nonlocal count
        while time.monotonic() < stop:
            _fetch(url, {})
            with lock:
                count += 1

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return count / seconds


def measure(db: str, scale: float, n: int) -> dict:
    import django
    from django.core.management import call_command

    from accord.core.datadir import init

    init()
    django.setup()
    call_command("migrate", verbosity=0)
    from bench.seed import SEARCH_EN, SEARCH_RARE, SEARCH_ZH, SEARCH_ZH_SHORT, seed

    print(f"== seeding ({db}, scale {scale}), load {_load()}")
    seeded = seed(scale)

    from django.db import connection
    from django.test import Client as HttpClient
    from django.urls import reverse

    from accord.core.pagination import _encode
    from accord.crm.models import Client, Contact, Interaction
    from accord.projects.models import Project
    from accord.tenancy.models import Membership, User
    from accord.tenancy.services import api_token_create

    user = User.objects.get(pk=seeded["user_id"])
    membership = Membership.objects.get(user=user, organization_id=seeded["organization_id"])
    _token, raw = api_token_create(membership=membership, name="bench")
    web = HttpClient()
    web.force_login(user)
    session_cookie = f"sessionid={web.cookies['sessionid'].value}"
    busiest_client = Client.objects.filter(organization_id=membership.organization_id).order_by("pk").first()
    project = Project.objects.filter(organization_id=membership.organization_id).order_by("pk").first()

    def deep_cursor(model) -> str:
        qs = (
            model.objects.filter(organization_id=membership.organization_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        count = qs.count()
        return _encode(qs[max(0, count // 20)])

    html = [
        ("dashboard", reverse("web:dashboard"), "html"),
        ("client list", reverse("crm:client_list"), "html"),
        ("client page + timeline", reverse("crm:client_detail", args=[busiest_client.pk]), "html"),
        ("project board", reverse("projects:board", args=[project.pk]), "html"),
        ("task list", reverse("projects:tasks", args=[project.pk]), "html"),
        ("search (zh)", reverse("crm:search") + "?" + urllib.parse.urlencode({"q": SEARCH_ZH}), "search"),
        ("search (en)", reverse("crm:search") + "?" + urllib.parse.urlencode({"q": SEARCH_EN}), "search"),
        (
            "search (zh, in 1 interaction)",
            reverse("crm:search") + "?" + urllib.parse.urlencode({"q": SEARCH_RARE}),
            "search",
        ),
        (
            "search (zh, 2 characters)",
            reverse("crm:search") + "?" + urllib.parse.urlencode({"q": SEARCH_ZH_SHORT}),
            "search",
        ),
    ]
    api = [
        ("API clients", "/api/v1/clients", Client),
        ("API contacts", "/api/v1/contacts", Contact),
        ("API interactions", "/api/v1/interactions", Interaction),
        ("API projects", "/api/v1/projects", Project),
    ]
    targets = list(html)
    for name, path, model in api:
        targets.append((name, path + "?limit=50", "api"))
        targets.append((name + " (deep page)", path + "?limit=50&cursor=" + deep_cursor(model), "api"))

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "accord.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "2",
            "--no-control-socket",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )

    def headers_for(kind: str) -> dict:
        return {"Authorization": f"Bearer {raw}"} if kind == "api" else {"Cookie": session_cookie}

    try:
        _wait_for(base + "/healthz")
        cpu = ServerCpu(server.pid)
        _warm_up(base, [(path, headers_for(kind)) for _name, path, kind in targets])
        load_before = _load()
        print(f"  load before measuring: {load_before}")
        rows = []
        for name, path, kind in targets:
            headers = headers_for(kind)
            timing = _time_requests(base + path, headers, n, cpu)
            queries, floor = _queries_and_floor(
                HttpClient() if kind == "api" else web, path, headers if kind == "api" else {}
            )
            ratio = timing["p50_ms"] / floor if floor else float("nan")
            row = {
                "name": name,
                "kind": kind,
                "path": path,
                **timing,
                "queries": queries,
                "sql_floor_ms": round(floor, 2),
                "ratio": round(ratio, 1),
                "target_p95_ms": TARGETS_P95_MS[kind],
            }
            row["met"] = row["status"] == 200 and row["p95_ms"] <= row["target_p95_ms"]
            if kind == "html":
                row["met"] = row["met"] and row["ratio"] <= MAX_FLOOR_RATIO
            rows.append(row)
            flag = "ok " if row["met"] else "MISS"
            print(
                f"  {flag} {name:<34} {row['status']} p50 {row['p50_ms']:8.1f} ms  "
                f"p95 {row['p95_ms']:8.1f} ms  cpu {row['server_cpu_ms']:7.1f} ms  "
                f"queries {queries:3d}  floor {floor:7.2f} ms  x{ratio:5.1f}"
            )
        bare = _throughput(base + "/healthz")
        print(f"  bare view (/healthz, one SELECT 1): {bare:,.0f} requests/s over 4 connections")
        load_after = _load()
        print(f"  load after measuring: {load_after}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    return {
        "database": db,
        "vendor": connection.vendor,
        "scale": scale,
        "requests_per_target": n,
        "seed": seeded,
        "targets": rows,
        "bare_view_rps": round(bare),
        "load_before": load_before,
        "load_after": load_after,
    }


def _wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if _fetch(url, {})[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


# --- orchestration ------------------------------------------------------------------------------


def _run_child(db: str, scale: float, n: int, env_extra: dict) -> dict | None:
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    env = {
        **os.environ,
        **env_extra,
        "DJANGO_SETTINGS_MODULE": "accord.settings",
        "ACCORD_LOG_LEVEL": "WARNING",
        # Served as in production (no debug query log, no debug pages), over plain HTTP.
        "ACCORD_DEBUG": "false",
    }
    env.pop("PYTEST_VERSION", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--child",
            db,
            "--scale",
            str(scale),
            "--requests",
            str(n),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        check=False,
    )
    if result.returncode != 0 or not out.stat().st_size:
        print(f"!! the {db} run failed")
        return None
    measured = json.loads(out.read_text())
    measured["dataio"] = _run_dataio(env, rows=max(2_000, int(DATAIO_ROWS * min(scale, 1.0))))
    if db == "sqlite":
        measured["import_contention"] = _run_import_contention(
            env, rows=max(5_000, int(DATAIO_ROWS * min(scale, 1.0)))
        )
    return measured


def _run_import_contention(env: dict, rows: int) -> dict:
    """Other writers' waits during a SQLite import, in one transaction and in short ones, from
    bench/import_contention_bench.py run as its own command."""
    script = ROOT / "bench" / "import_contention_bench.py"
    print(f"== other writers during an import of {rows:,} contacts (SQLite), load {_load()}")
    scratch = Path(tempfile.mkdtemp(prefix="accord-bench-contention-"))
    try:
        result = subprocess.run(
            [sys.executable, str(script), "--size", str(rows)],
            cwd=ROOT,
            env={**env, "TMPDIR": str(scratch)},
            check=False,
            capture_output=True,
            text=True,
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(result.stdout, end="")
    written = [line for line in result.stdout.splitlines() if line.startswith("written to ")]
    if result.returncode != 0 or not written:
        print(result.stderr[-2000:])
        return {"failed": f"exit status {result.returncode}"}
    return json.loads((ROOT / written[-1].removeprefix("written to ")).read_text())


def _run_dataio(env: dict, rows: int) -> dict:
    """CSV/XLSX import and export rates from bench/dataio_bench.py, run as its own command
    (it builds its own scratch database next to the benchmark's)."""
    script = ROOT / "bench" / "dataio_bench.py"
    if not script.exists():
        return {"skipped": "bench/dataio_bench.py is not present"}
    print(f"== import/export of {rows:,} contacts, load {_load()}")
    scratch = Path(tempfile.mkdtemp(prefix="accord-bench-dataio-"))
    try:
        result = subprocess.run(
            [sys.executable, str(script), "--rows", str(rows)],
            cwd=ROOT,
            # Its files (and any temporary folder it makes) go under one folder removed after.
            env={**env, "ACCORD_DATA_DIR": str(scratch), "TMPDIR": str(scratch)},
            check=False,
            capture_output=True,
            text=True,
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(result.stdout, end="")
    written = [line for line in result.stdout.splitlines() if line.startswith("written to ")]
    if result.returncode != 0 or not written:
        print(result.stderr[-2000:])
        return {"failed": f"exit status {result.returncode}"}
    return json.loads((ROOT / written[-1].removeprefix("written to ")).read_text())


def _start_postgres(workdir: Path) -> tuple[str, callable] | None:
    if not (PGBIN / "initdb").exists() or os.geteuid() != 0:
        return None
    pgroot = workdir / "pg"
    pgroot.mkdir()
    shutil.chown(pgroot, "postgres", "postgres")
    os.chmod(workdir, 0o755)
    data = pgroot / "data"
    port = free_port()

    def pg(*args):
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, stdout=subprocess.DEVNULL)

    pg(
        str(PGBIN / "initdb"),
        "-D",
        str(data),
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
        "--no-sync",
    )
    pg(
        str(PGBIN / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(pgroot / "server.log"),
        "-w",
        "-s",
        "-o",
        f"-c listen_addresses=127.0.0.1 -p {port} -k {pgroot} -c fsync=off -c synchronous_commit=off "
        f"-c full_page_writes=off -c shared_buffers=512MB",
        "start",
    )
    pg(str(PGBIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "accord")

    def stop():
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(PGBIN / "pg_ctl"),
                "-D",
                str(data),
                "-m",
                "immediate",
                "-w",
                "-s",
                "stop",
            ],
            check=False,
        )

    return f"postgres://postgres@127.0.0.1:{port}/accord", stop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--db", choices=["sqlite", "postgres", "all"], default="all")
    parser.add_argument("--scale", type=float, default=float(os.environ.get("ACCORD_BENCH_SCALE", "1.0")))
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--child")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    # Stopped with SIGTERM, still stop the servers and remove the scratch folders.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    if args.child:
        result = measure(args.child, args.scale, args.requests)
        Path(args.out).write_text(json.dumps(result, indent=1, default=str))
        return 0

    RESULTS.mkdir(parents=True, exist_ok=True)
    results = []
    workdir = Path(tempfile.mkdtemp(prefix="accord-bench-"))
    try:
        if args.db in ("sqlite", "all"):
            sqlite_dir = workdir / "sqlite"
            sqlite_dir.mkdir()
            env = {"ACCORD_DATA_DIR": str(sqlite_dir)}
            print("== SQLite")
            results.append(_run_child("sqlite", args.scale, args.requests, {**env, "DATABASE_URL": ""}))
        if args.db in ("postgres", "all"):
            url = os.environ.get("DATABASE_URL") if args.db == "postgres" else None
            stop = None
            if not url:
                started = _start_postgres(workdir)
                if started is None:
                    print("== PostgreSQL: skipped (no server binaries, or not root to start a cluster)")
                else:
                    url, stop = started
            if url:
                print("== PostgreSQL")
                pg_dir = workdir / "pgdata-app"
                pg_dir.mkdir()
                try:
                    results.append(
                        _run_child(
                            "postgres",
                            args.scale,
                            args.requests,
                            {"DATABASE_URL": url, "ACCORD_DATA_DIR": str(pg_dir)},
                        )
                    )
                finally:
                    if stop:
                        stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results = [r for r in results if r]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"bench-{stamp}.json"
    path.write_text(json.dumps(results, indent=1, default=str))
    table = _table(results)
    path.with_suffix(".txt").write_text(table.lstrip() + "\n")
    print(table)
    print(f"\nresults written to {path.relative_to(ROOT)} and {path.with_suffix('.txt').relative_to(ROOT)}")
    return 0 if results else 1


def _table(results: list[dict]) -> str:
    lines = []
    for result in results:
        sizes = ", ".join(f"{n:,} {name}" for name, n in result["seed"]["sizes"].items())
        lines += [
            "",
            f"{result['database']} (scale {result['scale']}: {sizes}; "
            f"{result['requests_per_target']} requests each)",
            f"{'target':<36}{'p50 ms':>9}{'p95 ms':>9}{'goal':>7}{'cpu ms':>9}{'queries':>9}"
            f"{'floor ms':>10}{'ratio':>8}  met",
        ]
        for row in result["targets"]:
            lines.append(
                f"{row['name']:<36}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['target_p95_ms']:>7}"
                f"{row['server_cpu_ms']:>9.1f}{row['queries']:>9}{row['sql_floor_ms']:>10.2f}"
                f"{row['ratio']:>8.1f}  "
                f"{'yes' if row.get('met') else 'NO'}"
            )
        lines.append(f"bare view (/healthz): {result['bare_view_rps']:,} requests/s over 4 connections")
        total = result["seed"].get("total")
        if total:
            rates = result["seed"]["rates"].items()
            per_table = ", ".join(f"{name} {r['rows_per_s']:,}/s" for name, r in rates)
            lines.append(
                f"seed: {total['rows']:,} rows in {total['seconds']} s = {total['rows_per_s']:,} rows/s "
                f"({per_table})"
            )
        dataio = result.get("dataio") or {}
        if "import_end_to_end" in dataio:
            lines.append(
                f"import/export of {dataio['import_end_to_end']['rows']:,} contacts: "
                f"import {dataio['import_end_to_end']['rows_per_second']:,} rows/s, "
                f"export CSV {dataio['export CSV (streamed)']['rows_per_second']:,} rows/s, "
                f"export XLSX {dataio['export XLSX (write-only)']['rows_per_second']:,} rows/s"
            )
        elif dataio:
            lines.append(f"import/export: {dataio}")
        contention = (result.get("import_contention") or {}).get("modes") or {}
        for mode, m in contention.items():
            lines.append(
                f"other writes during a {result['import_contention']['size']:,}-row import ({mode}): "
                f"p50 {m['wait_p50_ms']} ms, p99 {m['wait_p99_ms']} ms, max {m['wait_max_ms']} ms, "
                f"'database is locked' {m['locked_errors']}; import {m['import_rows_per_second']:,} rows/s"
            )
        lines.append(
            f"load average (1/5/15 min) before measuring {result['load_before']}, "
            f"after {result['load_after']}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
