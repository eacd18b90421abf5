"""Readiness: each check answers (ok, detail). /readyz is 503 when any check fails, so a load
balancer or an orchestrator stops sending work to an instance whose mail has silently stopped."""

from __future__ import annotations

import shutil
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

Check = Callable[[], tuple[bool, str]]


def check_database() -> tuple[bool, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return True, "reachable"


def unapplied_migrations() -> list[str]:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


_MIGRATIONS_APPLIED: set[str] = set()


def check_migrations() -> tuple[bool, str]:
    # Loading every migration takes a while; once this code's migrations are all applied they
    # stay so for the life of the process (new code means a new process).
    key = repr(settings.MIGRATION_MODULES)
    if key in _MIGRATIONS_APPLIED:
        return True, "all applied"
    pending = unapplied_migrations()
    if pending:
        return False, f"{len(pending)} unapplied: {', '.join(pending[:5])}"
    _MIGRATIONS_APPLIED.add(key)
    return True, "all applied"


def static_manifest_path():
    return settings.STATIC_ROOT / "staticfiles.json"


def check_static() -> tuple[bool, str]:
    backend = settings.STORAGES["staticfiles"]["BACKEND"]
    if "Manifest" not in backend and not settings.ACCORD_REQUIRE_STATIC_MANIFEST:
        return True, "served from the app folders (development)"
    if not static_manifest_path().is_file():
        return False, "staticfiles.json missing: run `accord collectstatic`"
    return True, "manifest present"


def check_worker() -> tuple[bool, str]:
    from .services import heartbeat_latest

    latest = heartbeat_latest()
    if latest is None:
        return False, "no worker has ever reported"
    age = (timezone.now() - latest).total_seconds()
    if age > settings.ACCORD_WORKER_HEARTBEAT_MAX_AGE:
        return False, f"last heartbeat {int(age)} s ago"
    return True, f"last heartbeat {int(age)} s ago"


def queue_stats() -> dict:
    """Tasks waiting in the database queue and due outbox messages, with the oldest's age."""
    from django.db.models import Min, Q

    from accord.comms.models import OutboxMessage, OutboxStatus

    now = timezone.now()
    due = OutboxMessage.objects.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.FAILED]).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    agg = due.aggregate(oldest=Min("created_at"))
    stats = {
        "outbox_due": due.count(),
        "outbox_oldest_due_seconds": (now - agg["oldest"]).total_seconds() if agg["oldest"] else 0.0,
        "tasks_ready": 0,
        "tasks_oldest_seconds": 0.0,
    }
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - installed with Accord
        return stats
    ready = DBTaskResult.objects.filter(status="READY")
    oldest = ready.aggregate(oldest=Min("enqueued_at"))["oldest"]
    stats["tasks_ready"] = ready.count()
    stats["tasks_oldest_seconds"] = (now - oldest).total_seconds() if oldest else 0.0
    return stats


def check_queue() -> tuple[bool, str]:
    from .services import delivery_paused

    stats = queue_stats()
    detail = (
        f"{stats['tasks_ready']} tasks waiting, {stats['outbox_due']} messages due, "
        f"oldest due {int(stats['outbox_oldest_due_seconds'])} s"
    )
    if stats["tasks_ready"] > settings.ACCORD_READY_MAX_QUEUE:
        return False, detail
    if stats["outbox_oldest_due_seconds"] > settings.ACCORD_READY_MAX_OUTBOX_AGE and not delivery_paused():
        return False, detail
    return True, detail


def check_disk() -> tuple[bool, str]:
    usage = shutil.disk_usage(settings.DATA_DIR)
    free_mb = usage.free // (1024 * 1024)
    if free_mb < settings.ACCORD_READY_MIN_FREE_MB:
        return False, f"{free_mb} MB free in {settings.DATA_DIR}"
    return True, f"{free_mb} MB free"


def check_encryption_key() -> tuple[bool, str]:
    from .models import SiteState
    from .services import key_fingerprint

    stored = SiteState.objects.filter(pk=1).values_list("key_fingerprint", flat=True).first()
    if stored and stored != key_fingerprint():
        return False, "the encryption key differs from the one the stored secrets were written with"
    return True, "matches" if stored else "not recorded yet"


CHECKS: dict[str, Check] = {
    "database": check_database,
    "migrations": check_migrations,
    "static": check_static,
    "worker": check_worker,
    "queue": check_queue,
    "disk": check_disk,
    "encryption_key": check_encryption_key,
}
DB_CHECKS = {"migrations", "worker", "queue", "encryption_key"}


def readiness() -> tuple[bool, dict[str, dict]]:
    results: dict[str, dict] = {}
    db_ok = True
    for name, check in CHECKS.items():
        if name in DB_CHECKS and not db_ok:
            results[name] = {"ok": False, "detail": "skipped: database unreachable"}
            continue
        try:
            ok, detail = check()
        except DatabaseError as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        except OSError as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        if name == "database" and not ok:
            db_ok = False
        results[name] = {"ok": ok, "detail": detail}
    return all(r["ok"] for r in results.values()), results
