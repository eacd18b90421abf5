"""``make bench``: seed a large organisation, serve Accord under gunicorn, and measure it over
real HTTP — on SQLite and, when a PostgreSQL 15 server can be started here, on PostgreSQL.

For every page and API list endpoint: p50 and p95 latency after a warm-up, the queries one
request makes, and the same SQL run directly on the database (the floor), with the ratio.
Also a bare view's throughput in the same run and, when the import/export benchmark is
present, CSV import and export rates. Results are printed as a table and written as JSON
to bench/results/.

    python -m bench.run                       # both databases, full size
    python -m bench.run --db sqlite --scale 0.05
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


# --- one database ------------------------------------------------------------------------------


def _fetch(url: str, headers: dict) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - our own server on 127.0.0.1
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _time_requests(url: str, headers: dict, n: int, warmup: int = 5) -> dict:
    for _ in range(warmup):
        status, _body = _fetch(url, headers)
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        status, _body = _fetch(url, headers)
        samples.append((time.perf_counter() - t0) * 1000)
    return {
        "status": status,
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(_percentile(samples, 95), 2),
    }


def _queries_and_floor(client, path: str, headers: dict) -> tuple[int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(path, headers=headers)
    statements = [q["sql"] for q in ctx.captured_queries]
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

    django.setup()
    call_command("migrate", verbosity=0)
    from bench.seed import SEARCH_EN, SEARCH_ZH, seed

    print(f"== seeding ({db}, scale {scale})")
    seeded = seed(scale)

    from django.db import connection
    from django.test import Client as HttpClient
    from django.urls import reverse

    from accord.api.pagination import _encode
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
    try:
        _wait_for(base + "/healthz")
        rows = []
        for name, path, kind in targets:
            headers = {"Authorization": f"Bearer {raw}"} if kind == "api" else {"Cookie": session_cookie}
            timing = _time_requests(base + path, headers, n)
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
            rows.append(row)
            flag = "ok " if row["p95_ms"] <= row["target_p95_ms"] and row["status"] == 200 else "MISS"
            print(
                f"  {flag} {name:<34} {row['status']} p50 {row['p50_ms']:8.1f} ms  "
                f"p95 {row['p95_ms']:8.1f} ms  "
                f"queries {queries:3d}  floor {floor:7.2f} ms  x{ratio:5.1f}"
            )
        bare = _throughput(base + "/healthz")
        print(f"  bare view (/healthz, one SELECT 1): {bare:,.0f} requests/s over 4 connections")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    dataio = {}
    try:
        from bench import dataio_bench
    except ImportError:
        dataio = {"skipped": "bench/dataio_bench.py is not present"}
    else:
        if hasattr(dataio_bench, "measure"):
            dataio = dataio_bench.measure(
                organization_id=membership.organization_id, rows=int(100_000 * max(scale, 0.01))
            )
        else:
            dataio = {"skipped": "bench/dataio_bench.py has no measure()"}
    if dataio:
        print(f"  import/export: {dataio}")
    return {
        "database": db,
        "vendor": connection.vendor,
        "scale": scale,
        "requests_per_target": n,
        "seed": seeded,
        "targets": rows,
        "bare_view_rps": round(bare),
        "dataio": dataio,
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
    return json.loads(out.read_text())


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
    print(f"\nresults written to {path.relative_to(ROOT)}")
    _print_table(results)
    return 0 if results else 1


def _print_table(results: list[dict]) -> None:
    for result in results:
        print(
            f"\n{result['database']} (scale {result['scale']}, {result['requests_per_target']} requests each)"
        )
        print(
            f"{'target':<36}{'p50 ms':>9}{'p95 ms':>9}{'goal':>7}{'queries':>9}{'floor ms':>10}{'ratio':>8}"
        )
        for row in result["targets"]:
            print(
                f"{row['name']:<36}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['target_p95_ms']:>7}"
                f"{row['queries']:>9}{row['sql_floor_ms']:>10.2f}{row['ratio']:>8.1f}"
            )
        print(f"bare view: {result['bare_view_rps']} req/s; seed: {result['seed'].get('rates')}")
        if result.get("dataio"):
            print(f"import/export: {result['dataio']}")


if __name__ == "__main__":
    sys.exit(main())
