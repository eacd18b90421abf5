"""Periodic jobs, registered by apps in ``AppConfig.ready()`` and run by the worker's scheduler.

    register_periodic("risks.review_reminders", "accord.risks.tasks.review_reminders", every=3600)

The dotted path names a django-tasks task (enqueued) or a plain callable taking no
arguments (called inside the worker). ``every`` is in seconds.

Any number of workers may run the scheduler: each job's turn is claimed with a conditional
UPDATE on its ``PeriodicRun`` row, so one worker out of many runs it per period.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    dotted: str
    every: int


PERIODIC: dict[str, PeriodicJob] = {}


def register_periodic(name: str, dotted: str, *, every: int) -> None:
    PERIODIC[name] = PeriodicJob(name, dotted, every)


def claim_turn(job: PeriodicJob, now=None) -> bool:
    """True when this worker won the job's turn for the current period."""
    from .models import PeriodicRun

    now = now or timezone.now()
    try:
        with transaction.atomic():
            PeriodicRun.objects.get_or_create(name=job.name)
    except IntegrityError:
        pass  # another worker created it at the same moment
    due = Q(last_run_at__isnull=True) | Q(last_run_at__lte=now - timedelta(seconds=job.every))
    return bool(PeriodicRun.objects.filter(due, name=job.name).update(last_run_at=now))


def run_job(job: PeriodicJob):
    target = import_string(job.dotted)
    if hasattr(target, "enqueue"):
        return target.enqueue()
    return target()


def tick(now=None) -> list[str]:
    """Run every job whose turn has come. Returns the names of the jobs run here."""
    ran = []
    for job in list(PERIODIC.values()):
        if not claim_turn(job, now):
            continue
        try:
            run_job(job)
            ran.append(job.name)
        except Exception:  # one broken job must not stop the others
            logger.exception("Periodic job %s failed", job.name)
    return ran
