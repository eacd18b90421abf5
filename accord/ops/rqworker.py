"""The RQ worker (REDIS_URL set) with Accord's heartbeat, so /readyz tells a live RQ worker from
a dead one as it does for the database worker.

RQ calls ``heartbeat()`` from its own loop: on every turn of its wait for a job, after each job
and while a long job runs. This worker also records that beat in ``ops_workerheartbeat`` (at
most every few seconds), from the worker process only, never from the forked process that runs
a job. The database connection is closed after each beat so that no forked job inherits it. It
waits for jobs in turns short enough that an idle worker still beats well within
ACCORD_WORKER_HEARTBEAT_MAX_AGE. A database outage is logged and skipped: RQ's loop goes on.

RQ runs its scheduler (delayed jobs) in a forked process. A worker killed outright (SIGKILL, the
OOM killer) used to leave that process running for good, holding the scheduler's lock in Redis;
here it stops, releasing the lock, within a second of its worker's end.

``settings.RQ["WORKER_CLASS"]`` names it, so both ``accord worker`` and ``manage.py rqworker`` use it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone
from rq import Worker
from rq.scheduler import RQScheduler

logger = logging.getLogger("accord.comms.worker")

MIN_BEAT_SECONDS = 5.0


class WorkerBoundScheduler(RQScheduler):
    """RQ's scheduler process, which stops once the worker that forked it is gone."""

    def start(self):
        self.accord_worker_pid = os.getpid()  # taken before the fork: the child's parent
        return super().start()

    def heartbeat(self):
        # Called on every turn of the scheduler's loop; the loop then stops and releases its locks.
        if os.getppid() != self.accord_worker_pid:
            self.log.warning("Scheduler: its worker (PID %s) is gone; stopping", self.accord_worker_pid)
            self.request_stop()
        super().heartbeat()


class HeartbeatWorker(Worker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.accord_pid = os.getpid()
        self.accord_started_at = timezone.now()
        self.accord_last_beat = 0.0

    @property
    def dequeue_timeout(self) -> int:
        # An idle worker beats once per wait; RQ's default wait (worker TTL - 15 s) is minutes.
        return max(1, min(super().dequeue_timeout, settings.ACCORD_WORKER_HEARTBEAT_MAX_AGE // 4))

    def _start_scheduler(self, burst=False, logging_level="INFO", date_format=None, log_format=None):
        # As RQ's own, with the scheduler bound to this worker's life.
        options = {"date_format": date_format, "log_format": log_format}
        self.scheduler = WorkerBoundScheduler(
            self.queues,
            connection=self.connection,
            logging_level=logging_level if logging_level is not None else self.log.level,
            serializer=self.serializer,
            **{k: v for k, v in options.items() if v is not None},
        )
        self.scheduler.acquire_locks()
        if not self.scheduler.acquired_locks:
            return
        if burst:
            try:
                self.scheduler.register_birth()
                self.scheduler.enqueue_scheduled_jobs()
            finally:
                self.scheduler.release_locks()
                self.scheduler.register_death()
        else:
            self.scheduler.start()

    def heartbeat(self, timeout=None, pipeline=None):
        super().heartbeat(timeout, pipeline=pipeline)
        if os.getpid() != self.accord_pid:
            return  # the forked process running a job: its parent reports for it
        if time.monotonic() - self.accord_last_beat < MIN_BEAT_SECONDS:
            return
        self.accord_record_beat()

    def accord_record_beat(self) -> None:
        from . import services

        worker_id, host, pid = services.worker_identity()
        try:
            services.heartbeat_beat(
                worker_id=f"{worker_id}-rq", host=host, pid=pid, started_at=self.accord_started_at
            )
            self.accord_last_beat = time.monotonic()
        except DatabaseError:
            logger.warning("RQ worker %s: could not record its heartbeat (database unavailable)", self.name)
        finally:
            for conn in connections.all(initialized_only=True):
                with contextlib.suppress(DatabaseError):  # a broken one may fail to close: gone anyway
                    conn.close()
