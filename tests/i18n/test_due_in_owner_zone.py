"""Due today and overdue are judged by the calendar of the owner's time zone, not UTC's: every
reminder and overdue decision asks accord.lib.dates.today_for. The clock is set by the tests."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from freezegun import freeze_time

from accord.comms import obligations
from accord.comms.models import Notification, Obligation
from accord.comms.tests.factories import PlanItemFactory
from accord.lib.dates import owner_zone, today_for
from accord.risks import services as risk_services
from accord.risks.tests.factories import RiskFactory
from accord.testing import factories as f

DUE = dt.date(2027, 3, 15)


def local(zone: str, *args) -> dt.datetime:
    """A clock time in ``zone`` as an instant (UTC)."""
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(dt.UTC)


# (owner's zone, the last minute of the due day there, the first minute of the next day there).
# Shanghai's 16th begins at 16:00 UTC on the 15th (UTC's day told its owners 8 hours late); Los
# Angeles' 15th (summer time since the 14th) lasts until 07:00 UTC on the 16th (UTC's day told
# them "overdue" from 17:00 on the due day).
ZONES = [
    (zone, local(zone, 2027, 3, 15, 23, 59), local(zone, 2027, 3, 16, 0, 1))
    for zone in ("UTC", "Asia/Shanghai", "America/Los_Angeles")
]


def test_los_angeles_owner_is_not_overdue_at_half_past_five_on_the_due_day():
    owner = type("Owner", (), {"timezone": "America/Los_Angeles"})()
    half_past_five = local("America/Los_Angeles", 2027, 3, 15, 17, 30)
    assert half_past_five.date() == DUE + dt.timedelta(days=1)  # in UTC, already the next day
    assert today_for(owner=owner, now=half_past_five) == DUE


@pytest.mark.parametrize(("zone", "due_day_end", "next_day"), ZONES)
def test_today_for_follows_the_owners_zone(zone, due_day_end, next_day):
    owner = type("Owner", (), {"timezone": zone})()
    assert today_for(owner=owner, now=due_day_end) == DUE
    assert today_for(owner=owner, now=next_day) == DUE + dt.timedelta(days=1)


def test_zone_falls_back_to_the_project_then_the_organisation():
    org = type("Org", (), {"default_timezone": "Asia/Shanghai"})()
    client = type("Client", (), {"timezone": "America/Los_Angeles"})()
    project = type("Project", (), {"client": client, "organization": org})()
    nobody = type("Owner", (), {"timezone": ""})()
    assert owner_zone(owner=nobody, project=project).key == "America/Los_Angeles"
    client.timezone = ""
    assert owner_zone(owner=nobody, project=project).key == "Asia/Shanghai"
    assert owner_zone(owner=None, organization=org).key == "Asia/Shanghai"
    assert owner_zone().key == "UTC"


def _obligation(world, owner) -> Obligation:
    item = PlanItemFactory(project=world.project, owner=owner, start_date=DUE)
    return Obligation.objects.create(
        organization=world.org,
        plan_item=item,
        project=world.project,
        owner=owner,
        channel=item.channel,
        window_start=DUE - dt.timedelta(days=2),
        due_date=DUE,
    )


@pytest.mark.parametrize(("zone", "due_day_end", "next_day"), ZONES)
def test_obligation_overdue_reminder_waits_for_the_owners_next_day(world, zone, due_day_end, next_day):
    world.member.timezone = zone
    world.member.save()
    obligation = _obligation(world, world.member)
    Obligation.objects.filter(pk=obligation.pk).update(reminded_before_at=local("UTC", 2027, 3, 14))
    assert obligations.send_reminders(now=due_day_end) == 0
    obligation.refresh_from_db()
    assert obligation.reminded_overdue_at is None
    assert obligations.send_reminders(now=next_day) == 1
    obligation.refresh_from_db()
    assert obligation.reminded_overdue_at == next_day
    assert Notification.objects.filter(user=world.member, title__startswith="Overdue").count() == 1


@pytest.mark.parametrize(("zone", "due_day_end", "next_day"), ZONES)
def test_obligation_due_soon_reminder_starts_on_the_owners_day_before(world, zone, due_day_end, next_day):
    world.member.timezone = zone
    world.member.save()
    obligation = _obligation(world, world.member)
    assert obligations.send_reminders(now=local(zone, 2027, 3, 13, 23, 59)) == 0
    assert obligations.send_reminders(now=local(zone, 2027, 3, 14, 0, 1)) == 1
    obligation.refresh_from_db()
    assert obligation.reminded_before_at is not None and obligation.reminded_overdue_at is None


@pytest.mark.parametrize(("zone", "due_day_end", "next_day"), ZONES)
def test_risk_review_reminder_on_the_owners_review_day(world, zone, due_day_end, next_day):
    world.member.timezone = zone
    world.member.save()
    RiskFactory(project=world.project, owner=world.member, next_review_on=DUE)
    assert risk_services.risk_review_reminders(now=local(zone, 2027, 3, 14, 23, 59)) == 0
    assert risk_services.risk_review_reminders(now=local(zone, 2027, 3, 15, 0, 1)) == 1
    assert risk_services.risk_review_reminders(now=due_day_end) == 0  # once a day
    assert risk_services.risk_review_reminders(now=next_day) == 1  # still due: the next day again


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(("zone", "due_day_end", "next_day"), ZONES)
def test_dashboard_lists_a_task_as_overdue_from_the_users_next_day(
    world, zone, due_day_end, next_day, language
):
    world.member.timezone, world.member.language = zone, language
    world.member.save()
    f.TaskFactory(project=world.project, assignee=world.member, title="Ship the pilot", due_date=DUE)
    with freeze_time(due_day_end):
        page = world.http(world.member).get(reverse("web:dashboard")).context
        assert [t.title for t in page["overdue_tasks"]] == []
    with freeze_time(next_day):
        page = world.http(world.member).get(reverse("web:dashboard")).context
        assert [t.title for t in page["overdue_tasks"]] == ["Ship the pilot"]
