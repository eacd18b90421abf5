"""The same task code on both backends: django-tasks-db (a real worker loop) and RQ (a real
RQ worker against Redis at ACCORD_TEST_REDIS_URL)."""

import datetime as dt
import os

import pytest
from django.utils import timezone

from accord.comms import services
from accord.comms.models import OutboxMessage
from accord.core import scheduler
from accord.core.models import PeriodicRun

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_database_backend_worker_delivers(
    world, smtp_server, settings, django_capture_on_commit_callbacks, monkeypatch
):
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    # The worker loop recycles connections; the test's connection holds its transaction.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    settings.TASKS = DB_TASKS
    with django_capture_on_commit_callbacks(execute=True):
        message = services.outbox_email(
            organization=world.org, to="li.na@client.example", subject="Via db", text="t"
        )
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    ).run()
    message.refresh_from_db()
    assert message.status == "sent", message.last_error
    assert [m["message"]["Subject"] for m in smtp_server.messages] == ["Via db"]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.skipif(
    not os.environ.get("ACCORD_TEST_REDIS_URL"),
    reason="ACCORD_TEST_REDIS_URL is not set (CI starts Redis on 127.0.0.1:6390 and sets it)",
)
def test_rq_backend_worker_delivers(world, smtp_server, settings, django_capture_on_commit_callbacks):
    import django_rq
    from django_tasks_rq import Job
    from rq import SimpleWorker

    url = os.environ["ACCORD_TEST_REDIS_URL"]
    settings.RQ_QUEUES = {"default": {"URL": url, "DEFAULT_TIMEOUT": 60}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default", job_class=Job)
    queue.empty()
    with django_capture_on_commit_callbacks(execute=True):
        message = services.outbox_email(
            organization=world.org, to="li.na@client.example", subject="Via RQ", text="t"
        )
    assert queue.count == 1
    worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
    worker.work(burst=True, with_scheduler=False)
    message.refresh_from_db()
    assert message.status == "sent", message.last_error
    assert [m["message"]["Subject"] for m in smtp_server.messages] == ["Via RQ"]
    queue.empty()


CALLS = []


def _job():
    CALLS.append(1)


def test_periodic_job_runs_once_per_period_whoever_ticks(db, monkeypatch):
    monkeypatch.setitem(
        scheduler.PERIODIC, "test.job", scheduler.PeriodicJob("test.job", f"{__name__}._job", 60)
    )
    CALLS.clear()
    now = timezone.now()
    assert "test.job" in scheduler.tick(now)
    assert "test.job" not in scheduler.tick(now)  # a second worker in the same period
    assert "test.job" not in scheduler.tick(now + dt.timedelta(seconds=30))
    assert "test.job" in scheduler.tick(now + dt.timedelta(seconds=61))
    assert len(CALLS) == 2
    assert PeriodicRun.objects.filter(name="test.job").exists()


def test_registered_jobs_include_comms_periodics():
    assert {"comms.regenerate_obligations", "comms.reminders"} <= set(scheduler.PERIODIC)


def test_broken_periodic_job_does_not_stop_others(db, monkeypatch):
    monkeypatch.setitem(
        scheduler.PERIODIC, "a.broken", scheduler.PeriodicJob("a.broken", "no.such.module.fn", 60)
    )
    monkeypatch.setitem(
        scheduler.PERIODIC, "test.job", scheduler.PeriodicJob("test.job", f"{__name__}._job", 60)
    )
    CALLS.clear()
    ran = scheduler.tick()
    assert "test.job" in ran and "a.broken" not in ran


def test_sweeper_enqueues_missed_rows(world, settings, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from accord.comms import delivery

    settings.TASKS = DB_TASKS
    message = services.outbox_email(organization=world.org, to="a@b.example", subject="missed", text="t")
    # the on-commit enqueue never ran (e.g. the web process died right after commit)
    assert DBTaskResult.objects.count() == 0
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert delivery.sweep() == 1
    assert DBTaskResult.objects.get().args_kwargs["args"] == [message.pk]


def test_sweeper_leaves_queued_rows_alone(world, settings, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from accord.comms import delivery

    settings.TASKS = DB_TASKS
    with django_capture_on_commit_callbacks(execute=True):
        message = services.outbox_email(organization=world.org, to="a@b.example", subject="queued", text="t")
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert delivery.sweep() == 0
    assert DBTaskResult.objects.count() == 1
