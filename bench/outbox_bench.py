"""Outbox throughput of one ``accord worker``: e-mails to a real SMTP server (aiosmtpd) and
webhooks to a real HTTP server, both on 127.0.0.1, counting what arrives twice.

The periodic jobs take their first turn first, and what they queue is delivered (``_settle``).
The messages are queued next (as the services queue them, one task each); then one worker is
started and the clock runs until every message is sent, so the rate includes the worker's
start-up and pick-up (``per_second``); ``per_second_sending`` counts from the first message sent.
The receivers count the connections they were opened (the webhook receiver speaks HTTP/1.1 and
keeps a connection open, as most do). Run by bench/run.py against the benchmark's database:

    python bench/outbox_bench.py --messages 1000
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET_PER_S = 200


class _MailSink:
    def __init__(self):
        self.ids = collections.Counter()
        self.connections = set()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.connections.add(session)  # one per connection (kept, so no id is reused)
        for line in envelope.original_content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                self.ids[line.split(b":", 1)[1].strip()] += 1
                break
        return "250 OK"


def _webhook_server() -> tuple[ThreadingHTTPServer, collections.Counter, set]:
    seen = collections.Counter()
    connections = set()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # as servers that keep connections open do

        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen[body] += 1
            connections.add(self)  # one handler per connection (kept, so no id is reused)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen, connections


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _drain(kind: str, ids: list[int], env: dict, timeout: float) -> dict:
    """Start one worker, wait until every message of ``ids`` is sent; the rate and outcome."""
    from accord.comms.models import OutboxMessage, OutboxStatus

    cpu_before = _children_cpu()
    worker = subprocess.Popen(
        [sys.executable, "-m", "accord.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started = time.perf_counter()
    first = None
    try:
        deadline = time.monotonic() + timeout
        sent = 0
        while time.monotonic() < deadline:
            sent = OutboxMessage.objects.filter(pk__in=ids, status=OutboxStatus.SENT).count()
            if sent and first is None:
                first = time.perf_counter() - started
            if sent == len(ids):
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    worker_cpu = _children_cpu() - cpu_before
    statuses = collections.Counter(OutboxMessage.objects.filter(pk__in=ids).values_list("status", flat=True))
    return {
        "kind": kind,
        "messages": len(ids),
        "sent": sent,
        "seconds": round(elapsed, 2),
        "per_second": round(sent / elapsed, 1),
        "first_sent_after_seconds": round(first or 0, 2),
        "per_second_sending": round(sent / max(elapsed - (first or 0), 0.01), 1),
        # The worker's whole life (start-up and scheduler included), hardly changed by other load.
        "worker_cpu_ms_per_message": round(worker_cpu * 1000 / max(len(ids), 1), 2),
        "target_per_second": TARGET_PER_S,
        "statuses": dict(statuses),
    }


def _settle(env: dict, timeout: float) -> dict:
    """Take every periodic job's first turn and deliver what it queued, before any clock starts.

    On a database just seeded the first turn drafts a status report for each project due and
    mails its manager, and records each project's health: at full size minutes of one core, which
    the worker's scheduler would otherwise spend beside the deliveries measured (and its mails
    would be sent among them). The jobs' times are reported on their own."""
    from django.utils.module_loading import import_string

    from accord.core import scheduler

    took = {}
    for job in scheduler.PERIODIC.values():
        if not scheduler.claim_turn(job):  # the worker's scheduler leaves it for its period
            continue
        target = import_string(job.dotted)
        started = time.perf_counter()
        target.call() if hasattr(target, "call") else target()
        took[job.name] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "accord.cli", "worker", "--batch"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=timeout,
        check=True,
    )
    took["delivering what they queued"] = round(time.perf_counter() - started, 2)
    slow = ", ".join(f"{name} {seconds} s" for name, seconds in took.items() if seconds >= 0.1)
    print(f"  periodic jobs' first turn, before the outbox is measured: {slow or 'all under 0.1 s'}")
    return took


def measure(messages: int, timeout: float) -> dict:
    import django

    django.setup()
    from aiosmtpd.controller import Controller
    from django.db import transaction

    from accord.comms.models import ChannelConfig, ChannelKind
    from accord.comms.services import outbox_channel_message, outbox_email
    from accord.tenancy.models import Organization
    from accord.testing.live import free_port

    org = Organization.objects.get(slug="bench")
    sink = _MailSink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    http, seen, http_connections = _webhook_server()
    env = {
        **os.environ,
        "ACCORD_SMTP_HOST": "127.0.0.1",
        "ACCORD_SMTP_PORT": str(smtp_port),
        "ACCORD_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32",
        "ACCORD_LOG_LEVEL": "WARNING",
    }
    results = []
    try:
        settled = _settle(env, timeout)
        sink.ids.clear()  # count only the messages measured
        sink.connections.clear()
        with transaction.atomic():
            mail_ids = [
                outbox_email(
                    organization=org,
                    to=[f"bench{i}@example.com"],
                    subject=f"Bench 基准 {i}",
                    text="Weekly status 周报",
                ).pk
                for i in range(messages)
            ]
        results.append(_drain("e-mail (SMTP)", mail_ids, env, timeout))
        results[-1]["received"] = sum(sink.ids.values())
        results[-1]["duplicates"] = sum(n - 1 for n in sink.ids.values() if n > 1)
        results[-1]["connections"] = len(sink.connections)

        channel = ChannelConfig.objects.create(
            organization=org,
            kind=ChannelKind.WEBHOOK,
            name="bench",
            url=f"http://127.0.0.1:{http.server_port}/h",
        )
        with transaction.atomic():
            hook_ids = [
                outbox_channel_message(
                    organization=org, channel_config=channel, title=f"Bench {i}", text="状态 status"
                ).pk
                for i in range(messages)
            ]
        results.append(_drain("webhook (HTTP)", hook_ids, env, timeout))
        results[-1]["received"] = sum(seen.values())
        results[-1]["duplicates"] = sum(n - 1 for n in seen.values() if n > 1)
        results[-1]["connections"] = len(http_connections)
    finally:
        controller.stop()
        http.shutdown()
    for r in results:
        r["met"] = r["per_second"] >= TARGET_PER_S and r["duplicates"] == 0 and r["sent"] == r["messages"]
        print(
            f"  {'ok ' if r['met'] else 'MISS'} outbox {r['kind']:<15} {r['sent']:,}/{r['messages']:,} "
            f"sent in {r['seconds']} s = {r['per_second']:,} /s per worker (goal {TARGET_PER_S}, "
            f"x{TARGET_PER_S / max(r['per_second'], 0.1):.2f}); received {r['received']:,}, "
            f"duplicates {r['duplicates']}; first sent after {r['first_sent_after_seconds']} s "
            f"(worker start-up), then {r['per_second_sending']:,} /s; {r['connections']:,} connections; "
            f"worker CPU {r['worker_cpu_ms_per_message']} ms per message"
        )
    return {"outbox": results, "periodic_jobs_first_turn_seconds": settled}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--out")
    args = parser.parse_args()
    result = measure(args.messages, args.timeout)
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
