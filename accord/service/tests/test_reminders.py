"""Response-target reminders: once when a request nears its first-response target, once when it
misses it — with the clock passed in."""

import datetime as dt

import pytest

from accord.comms.models import Notification
from accord.core.scheduler import PERIODIC
from accord.service import services
from accord.service.models import SupportRequest
from accord.service.tests.factories import SupportRequestFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _request(world, *, hours=10, **kwargs):
    request = SupportRequestFactory(
        project=world.project, first_response_due_at=T0 + dt.timedelta(hours=hours), **kwargs
    )
    SupportRequest.objects.filter(pk=request.pk).update(created_at=T0)
    return request


def _titles(user):
    return list(Notification.objects.filter(user=user).order_by("id").values_list("title", flat=True))


def test_one_reminder_per_stage_to_the_assignee(world):
    request = _request(world, assignee=world.member)
    at = T0.__add__
    assert services.support_response_reminders(now=at(dt.timedelta(hours=7, minutes=59))) == 0
    assert services.support_response_reminders(now=at(dt.timedelta(hours=8))) == 1
    assert services.support_response_reminders(now=at(dt.timedelta(hours=9))) == 0
    assert services.support_response_reminders(now=at(dt.timedelta(hours=10))) == 1
    assert services.support_response_reminders(now=at(dt.timedelta(hours=30))) == 0
    assert _titles(world.member) == [
        f"Support request #{request.pk} is near its response target: {request.title}",
        f"Support request #{request.pk} missed its response target: {request.title}",
    ]
    assert _titles(world.manager) == []
    request.refresh_from_db()
    assert request.reminded_near_at == at(dt.timedelta(hours=8))
    assert request.reminded_breach_at == at(dt.timedelta(hours=10))


def test_unassigned_requests_remind_the_project_manager(world):
    request = _request(world)
    services.support_response_reminders(now=T0 + dt.timedelta(hours=9))
    assert _titles(world.manager) == [
        f"Support request #{request.pk} is near its response target: {request.title}"
    ]
    assert Notification.objects.count() == 1


def test_a_request_found_late_gets_only_the_breach_reminder(world):
    request = _request(world, assignee=world.member)
    assert services.support_response_reminders(now=T0 + dt.timedelta(hours=12)) == 1
    assert services.support_response_reminders(now=T0 + dt.timedelta(hours=13)) == 0
    assert _titles(world.member) == [
        f"Support request #{request.pk} missed its response target: {request.title}"
    ]


def test_answered_closed_and_far_requests_are_left_alone(world):
    _request(world, first_response_at=T0 + dt.timedelta(hours=1))
    _request(world, status="resolved")
    _request(world, hours=72)  # a low-priority target: 80 % is 57.6 h away
    assert services.support_response_reminders(now=T0 + dt.timedelta(hours=11)) == 0
    assert Notification.objects.count() == 0


def test_the_long_target_is_reminded_too(world):
    _request(world, hours=72, assignee=world.member)
    assert services.support_response_reminders(now=T0 + dt.timedelta(hours=57)) == 0
    assert services.support_response_reminders(now=T0 + dt.timedelta(hours=58)) == 1


def test_the_reminder_is_mailed_in_the_users_language(world):
    world.member.language = "zh-hans"
    world.member.save()
    request = _request(world, assignee=world.member)
    services.support_response_reminders(now=T0 + dt.timedelta(hours=8))
    notice = Notification.objects.get(user=world.member)
    assert notice.title.startswith(f"支持请求 #{request.pk}")
    assert notice.url == f"/support/{request.pk}/"


def test_the_job_is_registered_with_the_scheduler():
    job = PERIODIC["service.response_reminders"]
    assert job.dotted == "accord.service.services.support_response_reminders" and job.every <= 900
