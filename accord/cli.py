"""The ``accord`` command for operators: a thin wrapper over Django's management commands.

accord serve [--host 127.0.0.1] [--port 8000]   run the web app (gunicorn)
accord worker                                    run the background worker
accord demo                                      load the demo data (idempotent)
accord createadmin EMAIL                         create an organisation owner
accord <any manage.py command>                   e.g. accord migrate, accord check --deploy
"""

from __future__ import annotations

import os
import sys


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")


def serve(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="accord serve")
    parser.add_argument("--host", default=os.environ.get("ACCORD_HOST", "127.0.0.1"))
    parser.add_argument("--port", default=os.environ.get("ACCORD_PORT", "8000"))
    parser.add_argument("--workers", default=os.environ.get("ACCORD_WEB_WORKERS", "2"))
    args = parser.parse_args(argv)
    _django_setup()
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "accord.wsgi:application",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        "--threads",
        "4",
        "--timeout",
        "60",
        "--no-control-socket",
        "--access-logfile",
        "-",
    ]
    os.execv(sys.executable, cmd)  # noqa: S606 - replace this process with gunicorn
    return 0  # pragma: no cover - execv does not return


COMMAND_ALIASES = {"worker": "accord_worker", "mail-in": "mail_in", "mail-fetch": "mail_fetch"}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    if argv[0] == "serve":
        return serve(argv[1:])
    _django_setup()
    from django.core.management import execute_from_command_line

    command = COMMAND_ALIASES.get(argv[0], argv[0])
    execute_from_command_line(["accord", command, *argv[1:]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
