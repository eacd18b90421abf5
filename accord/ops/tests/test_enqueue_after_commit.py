"""A saved write answers 2xx/302 even when queueing its follow-up job fails (Redis down): the
job is enqueued after commit, a failure is logged, and the outbox row waits for the sweeper.
Before: the enqueue error escaped the request as a 500 after the row was committed, and a
client that retried created a duplicate."""

from __future__ import annotations

import logging

import pytest

from accord.comms.models import OutboxMessage
from accord.comms.tests.conftest import free_port
from accord.tenancy.models import Invitation, Role


@pytest.fixture
def redis_down(settings):
    """RQ pointed at a port nothing listens on: every enqueue raises a connection error."""
    settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{free_port()}/0", "DEFAULT_TIMEOUT": 5}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    from django_tasks import task_backends

    from accord.comms.tasks import deliver_message

    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever redis-py raises: the backend is down
        deliver_message.enqueue(0)
    assert type(task_backends["default"]).__name__ == "RQBackend"


@pytest.mark.django_db(transaction=True)
def test_invitation_saved_once_when_the_queue_is_down(world, redis_down, caplog):
    http = world.http(world.admin)
    with caplog.at_level(logging.ERROR):
        response = http.post("/accounts/members/", {"email": "zhang.min@acme.example", "role": Role.MEMBER})
    assert response.status_code == 302
    assert Invitation.objects.filter(email="zhang.min@acme.example").count() == 1
    message = OutboxMessage.objects.get(recipient="zhang.min@acme.example")
    assert message.status == "pending"
    assert any("on_commit" in record.getMessage() for record in caplog.records)
    # The outbox is the source of truth: the row is due, so the sweeper hands it out later.
    assert message.next_attempt_at is None


@pytest.mark.django_db(transaction=True)
def test_api_write_answers_2xx_when_the_queue_is_down(world, redis_down):
    message = OutboxMessage.objects.create(
        organization=world.org, recipient="a@b.example", subject="s", status="dead", attempts=8
    )
    api = world.api(world.admin)
    response = api.post(f"/api/v1/outbox/{message.pk}/retry", {})
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == "pending"
