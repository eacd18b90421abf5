"""``accord worker``: runs background tasks plus the scheduler and the outbox sweeper.

On one machine tasks come from the database (django-tasks-db); with REDIS_URL set they come
from RQ. Either way this process also runs, in a side thread, the periodic-job scheduler
(each job claimed per period, so any number of workers may run) and the sweeper that hands
out again any outbox row that is due but not queued.
"""

from __future__ import annotations

import logging
import signal
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

logger = logging.getLogger("accord.comms.worker")


def scheduler_loop(
    stop: threading.Event, *, tick_seconds: float, sweep_seconds: float, sweep_age: int
) -> None:
    from accord.comms import delivery, scheduler

    last_sweep = 0.0
    while not stop.is_set():
        close_old_connections()
        try:
            scheduler.tick()
            if time.monotonic() - last_sweep >= sweep_seconds:
                last_sweep = time.monotonic()
                delivery.sweep(min_age_seconds=sweep_age)
        except Exception:  # the scheduler must outlive a database hiccup
            logger.exception("Scheduler tick failed")
        stop.wait(tick_seconds)
    close_old_connections()


class Command(BaseCommand):
    help = "Run the background worker (database queue on one machine, RQ when REDIS_URL is set)."

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
                self.run_database_worker(options)
        finally:
            stop.set()
            if thread is not None:
                thread.join(timeout=10)

    def run_database_worker(self, options) -> None:
        import os

        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(
            queue_names=["default"],
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"{os.uname().nodename}-{os.getpid()}",
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            worker.reset_signals()
            signal.signal(signal.SIGINT, signal.SIG_DFL)
