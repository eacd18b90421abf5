"""Meetings and reports against the communication plan: recurrence from a plan item, obligations met."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accord.comms.models import Obligation, PlanItem
from accord.meetings import services
from accord.reports import services as report_services


def _item(world, channel, cadence="weeks", interval=2):
    return PlanItem.objects.create(
        organization=world.org,
        project=world.project,
        purpose="Status",
        channel=channel,
        cadence=cadence,
        interval=interval,
        owner=world.manager,
        start_date=timezone.localdate(),
    )


def _obligation(world, item):
    today = timezone.localdate()
    return Obligation.objects.create(
        organization=world.org,
        plan_item=item,
        project=world.project,
        owner=world.manager,
        channel=item.channel,
        window_start=today - dt.timedelta(days=3),
        due_date=today + dt.timedelta(days=3),
    )


def test_recurrence_comes_from_the_plan_item(world):
    item = _item(world, "meeting")
    meeting = services.meeting_schedule(
        actor=world.as_member(world.manager),
        project=world.project,
        data={"title": "Fortnightly", "starts_at": dt.datetime(2030, 1, 7, 10), "plan_item_id": item.pk},
    )
    assert meeting.recurrence == "biweekly" and meeting.plan_item_id == item.pk
    other = PlanItem.objects.create(
        organization=world.org,
        project=world.other_project,
        purpose="x",
        channel="email",
        cadence="monthly",
        owner=world.manager,
        start_date=timezone.localdate(),
    )
    with pytest.raises(ValidationError):
        services.meeting_schedule(
            actor=world.as_member(world.manager),
            project=world.project,
            data={"title": "x", "starts_at": dt.datetime(2030, 1, 7, 10), "plan_item_id": other.pk},
        )


def test_minutes_meet_meeting_and_email_obligations(world):
    meeting_duty = _obligation(world, _item(world, "meeting"))
    email_duty = _obligation(world, _item(world, "email"))
    meeting = services.meeting_schedule(
        actor=world.as_member(world.manager),
        project=world.project,
        data={"title": "Status", "starts_at": timezone.now(), "timezone": "UTC"},
        contacts=[world.contact],
    )
    services.minutes_publish(actor=world.as_member(world.manager), meeting=meeting)
    meeting_duty.refresh_from_db()
    email_duty.refresh_from_db()
    assert meeting_duty.status == "met" and email_duty.status == "met"


def test_published_report_meets_the_email_obligation(world):
    duty = _obligation(world, _item(world, "email"))
    report = report_services.status_report_draft(actor=world.as_member(world.manager), project=world.project)
    report_services.status_report_publish(actor=world.as_member(world.manager), report=report)
    duty.refresh_from_db()
    assert duty.status == "met" and duty.met_source.startswith("reports.statusreport:")
