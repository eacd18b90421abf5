"""``accord worker``: runs background tasks plus the scheduler and the outbox sweeper.

On one machine tasks come from the database (django-tasks-db); with REDIS_URL set they come
from RQ. Either way this process also runs, in a side thread, the periodic-job scheduler
(each job claimed per period, so any number of workers may run) and the sweeper that hands
out again any outbox row that is due but not queued.

The worker outlives the database: an error while polling (PostgreSQL restarting, a full disk,
a locked SQLite file) closes the connections, waits with exponential backoff (up to
ACCORD_WORKER_MAX_BACKOFF seconds) and tries again. Every poll records a heartbeat, which
/readyz reads to tell a live worker from a dead one; on RQ the worker class
(accord.ops.rqworker.HeartbeatWorker) records it from RQ's own loop.
"""

from __future__ import annotations

import logging
import signal
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connections
from django.utils import timezone

from accord.core.checks import CONFIGURATION_CHECKS

logger = logging.getLogger("accord.comms.worker")

TRANSIENT = (OperationalError, InterfaceError, DatabaseError)


class Backoff:
    """0.5 s, 1 s, 2 s … up to ``cap`` seconds after consecutive failures; reset on success."""

    def __init__(self, cap: float):
        self.cap = cap
        self.failures = 0

    def next_delay(self) -> float:
        self.failures += 1
        return min(0.5 * 2 ** (self.failures - 1), self.cap)

    def reset(self) -> None:
        self.failures = 0


def drop_connections() -> None:
    """Close every connection so the next query opens a fresh one (the old may be dead)."""
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except Exception:  # noqa: BLE001 - a broken connection may fail to close; it is gone anyway
            logger.debug("Closing a broken connection failed", exc_info=True)


def scheduler_loop(
    stop: threading.Event,
    *,
    tick_seconds: float,
    sweep_seconds: float,
    sweep_age: int,
) -> None:
    from accord.comms import delivery
    from accord.core import scheduler

    backoff = Backoff(settings.ACCORD_WORKER_MAX_BACKOFF)
    last_sweep = 0.0
    while not stop.is_set():
        close_old_connections()
        delay = tick_seconds
        try:
            scheduler.tick()
            if time.monotonic() - last_sweep >= sweep_seconds:
                last_sweep = time.monotonic()
                delivery.sweep(min_age_seconds=sweep_age)
            backoff.reset()
        except TRANSIENT:
            delay = max(tick_seconds, backoff.next_delay())
            logger.warning("Scheduler: database unavailable, retrying in %.1f s", delay, exc_info=True)
            drop_connections()
        except Exception:  # the scheduler must outlive any one failing tick
            logger.exception("Scheduler tick failed")
        stop.wait(delay)
    close_old_connections()


def _database_worker_class():
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

    class ResilientWorker(Worker):
        """django-tasks-db's worker, with one poll per loop turn that may fail without ending
        the loop, and a heartbeat per turn."""

        def __init__(self, *, max_backoff: float, stop: threading.Event | None = None, **kwargs):
            super().__init__(**kwargs)
            self.backoff = Backoff(max_backoff)
            self.stop = stop or threading.Event()
            self.started_at = timezone.now()
            from accord.ops import services as ops

            _id, self.host, self.pid = ops.worker_identity()

        def beat(self) -> None:
            from accord.ops import services as ops

            ops.heartbeat_beat(
                worker_id=self.worker_id, host=self.host, pid=self.pid, started_at=self.started_at
            )

        def poll_once(self) -> tuple[bool, bool]:
            """Claim and run one task. Returns (ran a task, queue looked empty)."""
            tasks = DBTaskResult.objects.ready().filter(
                backend_name=self.backend_name, queue_name__in=self.queue_names
            )
            task_result = None
            with exclusive_transaction(tasks.db):
                try:
                    task_result = tasks.get_locked()
                    if task_result is not None:
                        task_result.claim(self.worker_id)
                except OperationalError as exc:
                    if not is_locked_database_exception(exc):
                        raise
                    return False, False
            if task_result is not None:
                self.run_task(task_result)
                return True, False
            return False, True

        def run(self) -> None:
            logger.info("Worker %s started (queues %s)", self.worker_id, ",".join(self.queue_names))
            while self.running and not self.stop.is_set():
                close_old_connections()
                try:
                    self.beat()
                    ran, empty = self.poll_once()
                    self.backoff.reset()
                except TRANSIENT:
                    delay = self.backoff.next_delay()
                    logger.warning(
                        "Worker %s: database unavailable, retrying in %.1f s",
                        self.worker_id,
                        delay,
                        exc_info=True,
                    )
                    drop_connections()
                    self.stop.wait(delay)
                    continue
                if self.batch and empty:
                    return
                close_old_connections()
                if self.running and not ran:
                    self.stop.wait(self.interval)

    return ResilientWorker


def database_worker(
    *, interval: float, batch: bool = False, stop: threading.Event | None = None, worker_id=""
):
    from accord.ops import services as ops

    return _database_worker_class()(
        queue_names=["default"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id or ops.worker_identity()[0],
        excluded_queue_names=[],
        max_backoff=settings.ACCORD_WORKER_MAX_BACKOFF,
        stop=stop,
    )


class Command(BaseCommand):
    help = "Run the background worker (database queue on one machine, RQ when REDIS_URL is set)."
    # The installation's checks only: the code's (URLs, templates, the API's schemas) load every
    # view, which a worker never serves, and were most of its start-up.
    requires_system_checks = CONFIGURATION_CHECKS

    def add_arguments(self, parser):
        parser.add_argument("--no-scheduler", action="store_true", help="Only run tasks.")
        parser.add_argument("--tick", type=float, default=5.0, help="Seconds between scheduler ticks.")
        parser.add_argument("--sweep", type=float, default=60.0, help="Seconds between outbox sweeps.")
        parser.add_argument(
            "--sweep-age",
            type=int,
            default=120,
            help="Seconds a due outbox row may wait before it is re-queued.",
        )
        parser.add_argument(
            "--interval", type=float, default=0.5, help="Seconds between queue polls (database)."
        )
        parser.add_argument("--batch", action="store_true", help="Exit when the database queue is empty.")

    def handle(self, *args, **options):
        from accord.ops import services as ops

        try:
            ops.key_check()
        except TRANSIENT:
            logger.warning("Could not compare the encryption key's fingerprint (database unavailable)")
        stop = threading.Event()
        thread = None
        if not options["no_scheduler"]:
            thread = threading.Thread(
                target=scheduler_loop,
                args=(stop,),
                kwargs={
                    "tick_seconds": options["tick"],
                    "sweep_seconds": options["sweep"],
                    "sweep_age": options["sweep_age"],
                },
                name="accord-scheduler",
                daemon=True,
            )
            thread.start()
        try:
            if settings.REDIS_URL:
                call_command("rqworker", "default", job_class="django_tasks_rq.Job", with_scheduler=True)
            else:
                self.run_database_worker(options, stop)
        finally:
            stop.set()
            if thread is not None:
                thread.join(timeout=10)

    def run_database_worker(self, options, stop: threading.Event) -> None:
        worker = database_worker(interval=options["interval"], batch=options["batch"], stop=stop)
        worker.configure_signals()
        try:
            worker.run()
        finally:
            worker.reset_signals()
            signal.signal(signal.SIGINT, signal.SIG_DFL)
