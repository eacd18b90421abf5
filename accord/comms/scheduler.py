"""Periodic jobs, registered by apps in ``AppConfig.ready()`` and run by the worker's scheduler.

    register_periodic("risks.review_reminders", "accord.risks.tasks.review_reminders", every=3600)

The dotted path names a django-tasks task (enqueued) or a plain callable taking no
arguments (called inside the worker). ``every`` is in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    dotted: str
    every: int


PERIODIC: dict[str, PeriodicJob] = {}


def register_periodic(name: str, dotted: str, *, every: int) -> None:
    PERIODIC[name] = PeriodicJob(name, dotted, every)
