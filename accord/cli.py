"""The ``accord`` command for operators: a thin wrapper over Django's management commands.

accord init                                      make the data folder and the development secret key
                                                 (idempotent; `accord serve` runs it first)
accord serve [--host 127.0.0.1] [--port 8000]   run the web app (gunicorn) for production:
        [--migrate]                              refuses unapplied migrations unless --migrate;
                                                 collects static files; DEBUG only with ACCORD_DEBUG=1
accord worker                                    run the background worker
accord backup FILE.tar                           online backup: database, uploads, key fingerprint
accord restore FILE.tar                          restore into an empty data folder, after `accord init`
                                                 (delivery paused)
accord delivery resume|pause|status              outgoing delivery switch (paused after a restore)
accord rotate-keys --old-key-file PATH           re-encrypt stored secrets with the current key
accord export-person EMAIL --output F.zip        a person's data (--organization SLUG: one only)
accord erase-person EMAIL --organization SLUG    erase a person from an organisation [--yes]
accord export-organization SLUG --output F.zip   all of an organisation's data and files
accord import-organization F.zip                 load such an export into an empty installation
accord demo                                      load the demo data (idempotent)
accord createadmin EMAIL                         create an organisation owner
accord <any manage.py command>                   e.g. accord migrate, accord check --deploy
"""

from __future__ import annotations

import os
import sys


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")


def _start_django() -> None:
    """Load Django and every app without the garbage collector, then set aside what was loaded.

    Start-up builds some hundred thousand objects (modules, classes, models) and frees few: the
    collector would run some 200 times over them for nothing (about 0.13 s of CPU), and once
    they are all there every full collection walks them again (another 0.1 s in a 10,000-row
    import). Frozen, they are left out of later collections; they live as long as the process."""
    import gc

    import django
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings
    except (ImproperlyConfigured, ImportError):
        return  # Django's command line reports it
    gc.disable()
    try:
        django.setup()
    finally:
        gc.freeze()
        gc.enable()


def prepare_to_serve(*, migrate: bool) -> int:
    """Check the database and static files before the web app starts. 0 when ready to serve."""
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    from django.conf import settings

    from accord.core.datadir import init
    from accord.ops import services as ops
    from accord.ops.health import unapplied_migrations

    init(settings.DATA_DIR)

    pending = unapplied_migrations()
    if pending and not migrate:
        print(
            f"accord serve: {len(pending)} database migration(s) not applied "
            f"({', '.join(pending[:5])}{' …' if len(pending) > 5 else ''}).\n"
            "Back up the database, then run `accord migrate` (or start with `accord serve --migrate`).",
            file=sys.stderr,
        )
        return 2
    if pending:
        call_command("migrate", interactive=False, verbosity=1)
    call_command("collectstatic", interactive=False, verbosity=0)
    if not ops.key_check():
        print(
            "accord serve: the field-encryption key is not the one the stored secrets were written "
            "with; channel secrets show as unreadable until re-entered or `accord rotate-keys` is run.",
            file=sys.stderr,
        )
    connections.close_all()
    return 0


def serve(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="accord serve")
    parser.add_argument("--host", default=os.environ.get("ACCORD_HOST", "127.0.0.1"))
    parser.add_argument("--port", default=os.environ.get("ACCORD_PORT", "8000"))
    parser.add_argument("--workers", default=os.environ.get("ACCORD_WEB_WORKERS", "2"))
    parser.add_argument("--migrate", action="store_true", help="Apply unapplied migrations first.")
    args = parser.parse_args(argv)
    from accord.core.datadir import init

    init()  # before Django reads the settings: they find the key it made
    _django_setup()
    status = prepare_to_serve(migrate=args.migrate)
    if status:
        return status
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


COMMAND_ALIASES = {
    "worker": "accord_worker",
    "mail-in": "mail_in",
    "mail-fetch": "mail_fetch",
    "backup": "accord_backup",
    "restore": "accord_restore",
    "rotate-keys": "rotate_keys",
    "export-person": "export_person",
    "erase-person": "erase_person",
    "export-organization": "export_organization",
    "import-organization": "import_organization",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    if argv[0] == "serve":
        return serve(argv[1:])
    _django_setup()
    _start_django()
    from django.core.management import execute_from_command_line

    command = COMMAND_ALIASES.get(argv[0], argv[0])
    execute_from_command_line(["accord", command, *argv[1:]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
