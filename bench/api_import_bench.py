"""The import of N contacts through the REST API, timed from the upload's first byte to the run's
end: the upload (``POST /api/v1/imports``: stored and scanned), the start (``POST …/run``: 202,
queued), a worker's pick-up and the import itself, as a client sees it by polling
``GET /api/v1/imports/{id}`` every 50 ms.

Against ``accord serve`` (its defaults) and one ``accord worker --no-scheduler`` already waiting
(a worker that only runs tasks: the periodic jobs' first turn at this size is minutes of work
that is not the import's; bench/outbox_bench.py reports it), on the benchmark's database.
Run by bench/run.py after the outbox:

    python bench/api_import_bench.py --rows 100000
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET_ROWS_PER_S = 10_000
CLIENT_NAME = "API import 导入"


def _csv(rows: int, tag: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "First Name", "Last Name", "邮箱", "手机", "公司", "职位"])
    for i in range(rows):
        writer.writerow(
            [
                f"张{i % 83}敏{i}",
                f"Min{i}",
                f"Zhang{i % 600}",
                f"api{i}.{tag}@import{i % 30}.example",  # new people on every run
                f"+86 13{tag[-1]} {i // 10000:04d} {i % 10000:04d}",
                CLIENT_NAME,
                "顾问",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _call(method: str, url: str, headers: dict, body: bytes | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310 - 127.0.0.1
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - 127.0.0.1
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def measure(rows: int) -> dict:
    import django

    django.setup()
    from accord.crm.models import Client, Contact
    from accord.ops.models import WorkerHeartbeat
    from accord.tenancy.models import Membership, Role
    from accord.tenancy.services import api_token_create
    from accord.testing.live import free_port

    member = (
        Membership.objects.select_related("organization")
        .filter(organization__slug="bench", role=Role.OWNER, is_active=True)
        .order_by("id")
        .first()
    )
    client, _ = Client.objects.get_or_create(organization=member.organization, name=CLIENT_NAME)
    _token, raw = api_token_create(membership=member, name="bench import")
    headers = {"Authorization": f"Bearer {raw}"}
    content = _csv(rows, f"{uuid.uuid4().hex[:7]}{random.randrange(10)}")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ACCORD_API_RATE_PER_TOKEN": "0", "ACCORD_API_RATE_PER_IP": "0"}
    quiet = {"cwd": ROOT, "env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    server = subprocess.Popen(
        [sys.executable, "-m", "accord.cli", "serve", "--host", "127.0.0.1", "--port", str(port)], **quiet
    )
    beats_before = set(WorkerHeartbeat.objects.values_list("pk", flat=True))
    worker = subprocess.Popen([sys.executable, "-m", "accord.cli", "worker", "--no-scheduler"], **quiet)
    try:
        _wait_for(base + "/healthz")
        deadline = time.monotonic() + 120
        while not WorkerHeartbeat.objects.exclude(pk__in=beats_before).filter(pid=worker.pid).exists():
            if time.monotonic() > deadline:
                raise RuntimeError("the worker did not start")
            time.sleep(0.1)
        body, content_type = _multipart(
            {"kind": "contacts", "default_client_id": str(client.pk)}, "contacts.csv", content
        )
        before = Contact.objects.filter(organization=member.organization).count()
        for _ in range(4):  # each of the server's processes has loaded the app
            _call("GET", base + "/api/v1/imports", headers)
        started = time.perf_counter()
        status, run = _call("POST", base + "/api/v1/imports", {**headers, "Content-Type": content_type}, body)
        assert status == 201, (status, run)
        uploaded = time.perf_counter() - started
        status, run = _call(
            "POST",
            f"{base}/api/v1/imports/{run['id']}/run",
            {**headers, "Content-Type": "application/json"},
            b"{}",
        )
        assert status == 202, (status, run)
        while run["status"] not in ("done", "failed"):
            time.sleep(0.05)
            status, run = _call("GET", f"{base}/api/v1/imports/{run['id']}", headers)
        seconds = time.perf_counter() - started
    finally:
        for process in (worker, server):
            process.terminate()
            process.wait(timeout=30)
    created = Contact.objects.filter(organization=member.organization).count() - before
    result = {
        "rows": rows,
        "file_mb": round(len(content) / 1024 / 1024, 1),
        "status": run["status"],
        "created": created,
        "upload_seconds": round(uploaded, 2),
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "target_rows_per_second": TARGET_ROWS_PER_S,
    }
    result["met"] = (
        run["status"] == "done" and created == rows and result["rows_per_second"] >= TARGET_ROWS_PER_S
    )
    print(
        f"  {'ok ' if result['met'] else 'MISS'} API import of {rows:,} contacts ({result['file_mb']} MB): "
        f"{result['status']}, {created:,} created in {result['seconds']} s from the upload "
        f"(upload {result['upload_seconds']} s) = {result['rows_per_second']:,} rows/s "
        f"(goal {TARGET_ROWS_PER_S:,}, x{TARGET_ROWS_PER_S / max(result['rows_per_second'], 1):.2f})"
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--out")
    args = parser.parse_args()
    result = measure(args.rows)
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
