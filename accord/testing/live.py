"""A live Accord for black-box tests: a fresh SQLite database with the demo data, the web app
under gunicorn on a free 127.0.0.1 port, and the background worker."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from accord.core.datadir import init

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, *, smtp_port: int | None = None, extra_env: dict | None = None, worker: bool = True):
        self.data_dir = Path(tempfile.mkdtemp(prefix="accord-live-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "ACCORD_DATA_DIR": str(self.data_dir),
            "ACCORD_BASE_URL": self.url,
            "ACCORD_TASKS_BACKEND": "database",
            "ACCORD_WEBHOOK_ALLOWLIST": "127.0.0.1",
            "ACCORD_LOG_LEVEL": "WARNING",
            **({"ACCORD_SMTP_HOST": "127.0.0.1", "ACCORD_SMTP_PORT": str(smtp_port)} if smtp_port else {}),
            **(extra_env or {}),
        }
        for name in ("DATABASE_URL", "PYTEST_VERSION", "REDIS_URL", "DJANGO_SETTINGS_MODULE"):
            self.env.pop(name, None)
        # ACCORD_LIVE_POSTGRES (a server URL, e.g. postgres://postgres@127.0.0.1:5433/postgres) runs
        # the live server on a PostgreSQL database of its own, made here and dropped in stop();
        # without it the server keeps an SQLite file in its data directory.
        self.pg_server = os.environ.get("ACCORD_LIVE_POSTGRES", "")
        self.pg_database = f"accord_live_{self.port}" if self.pg_server else ""
        if self.pg_server:
            self.env["DATABASE_URL"] = self.pg_server.rsplit("/", 1)[0] + "/" + self.pg_database
        self.with_worker = worker
        self.processes: list[subprocess.Popen] = []

    def manage(self, *args: str, capture: bool = False) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=False,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def _pg(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.pg_server, autocommit=True) as conn:
            conn.execute(statement)

    def start(self) -> LiveServer:
        init(self.data_dir)
        if self.pg_server:
            self._pg(f'CREATE DATABASE "{self.pg_database}"')
        self.manage("migrate", "--noinput")
        self.manage("demo")
        web_log = (self.data_dir / "web.log").open("w")
        self.processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "accord.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "2",
                    "--threads",
                    "4",
                    "--no-control-socket",
                    "--timeout",
                    "120",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=web_log,
                stderr=subprocess.STDOUT,
            )
        )
        if self.with_worker:
            worker_log = (self.data_dir / "worker.log").open("w")
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "accord_worker"],
                    cwd=ROOT,
                    env=self.env,
                    stdout=worker_log,
                    stderr=subprocess.STDOUT,
                )
            )
        # /healthz answers as soon as the process does; /readyz also wants the database migrated
        # and, with a worker, its heartbeat (so mail is sent from the first test on).
        probe = f"{self.url}/readyz" if self.with_worker else f"{self.url}/healthz"
        deadline = time.monotonic() + 180
        last = ""
        while True:
            try:
                with urllib.request.urlopen(probe, timeout=5) as response:  # noqa: S310 - our own server
                    if response.status == 200:
                        return self
            except urllib.error.HTTPError as exc:  # 503 from /readyz: not ready yet, says why
                last = exc.read().decode(errors="replace")
            except OSError:
                pass
            if self.processes[0].poll() is not None or time.monotonic() > deadline:
                logs = self.log("web") + self.log("worker")  # read before stop() removes them
                self.stop()
                raise RuntimeError(f"the web server did not become ready:\n{last}\n{logs}")
            time.sleep(0.3)

    def log(self, name: str) -> str:
        path = self.data_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        for proc in self.processes:
            proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.processes.clear()
        if self.pg_server and not os.environ.get("ACCORD_LIVE_KEEP"):
            self._pg(f'DROP DATABASE IF EXISTS "{self.pg_database}" WITH (FORCE)')
        if not os.environ.get("ACCORD_LIVE_KEEP"):
            shutil.rmtree(self.data_dir, ignore_errors=True)
