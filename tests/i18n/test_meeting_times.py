"""A meeting names one instant everywhere: stored, on its page, in its .ics (read back with
icalendar), in the invitation, minutes and cancellation mails received by a real SMTP server and on
the client portal — whatever the zone and language of whoever scheduled it."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import formats, translation
from icalendar import Calendar

from accord.meetings import services
from accord.meetings.models import Meeting

# (meeting zone, wall time typed on the form): Berlin on both sides of the summer-time change of
# 2027-03-28, and zones east and west of UTC.
MEETINGS = [
    ("Europe/Berlin", dt.datetime(2027, 3, 27, 10, 0)),
    ("Europe/Berlin", dt.datetime(2027, 3, 29, 10, 0)),
    ("Asia/Shanghai", dt.datetime(2026, 12, 7, 10, 0)),
    ("America/Los_Angeles", dt.datetime(2027, 3, 15, 17, 30)),
    ("UTC", dt.datetime(2026, 12, 7, 23, 30)),
]
CREATORS = ["UTC", "Asia/Shanghai", "America/Los_Angeles"]
LANGUAGES = ["en", "zh-hans"]


def _shown(instant: dt.datetime, zone: str, language: str) -> str:
    """How a page or mail in ``language`` prints ``instant`` in ``zone``: the expected text."""
    with translation.override(language):
        local = instant.astimezone(zoneinfo.ZoneInfo(zone))
        return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({zone})"


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _ics_start(payload: bytes | str) -> dt.datetime:
    (event,) = Calendar.from_ical(payload).walk("VEVENT")
    return event.decoded("DTSTART")


def _by_recipient(smtp_sink) -> dict:
    return {str(m["To"]): m for m in smtp_sink.messages}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("creator_zone", CREATORS)
@pytest.mark.parametrize(("meeting_zone", "wall"), MEETINGS)
def test_every_view_of_a_meeting_names_the_same_instant(
    world, smtp, django_capture_on_commit_callbacks, meeting_zone, wall, creator_zone, language
):
    instant = wall.replace(tzinfo=zoneinfo.ZoneInfo(meeting_zone)).astimezone(dt.UTC)
    expected = _shown(instant, meeting_zone, language)
    manager = world.manager
    manager.timezone, manager.language = creator_zone, language
    manager.save()
    world.contact.language, world.contact.timezone = language, ""
    world.contact.save()
    world.client_user.language, world.client_user.timezone = language, creator_zone
    world.client_user.save()
    http = world.http(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(
            reverse("meetings:create", args=[world.project.pk]),
            {
                "kind": "status",
                "title": "Steering",
                "starts_at": wall.strftime("%Y-%m-%dT%H:%M"),
                "timezone": meeting_zone,
                "duration_minutes": "45",
                "recurrence": "",
                "contacts": [world.contact.pk],
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting = Meeting.objects.get(project=world.project, title="Steering")
    assert meeting.starts_at == instant

    page = http.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert expected in page
    form = http.get(reverse("meetings:edit", args=[meeting.pk])).content.decode()
    assert f'value="{wall.strftime("%Y-%m-%dT%H:%M")}"' in form
    assert _ics_start(http.get(reverse("meetings:ics", args=[meeting.pk])).content) == instant

    invitation = _by_recipient(smtp)["li.na@client.example"]
    assert expected in _text(invitation)
    assert _ics_start(list(invitation.iter_attachments())[0].get_content()) == instant

    smtp.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert http.post(reverse("meetings:publish", args=[meeting.pk])).status_code == 302
    assert expected in _text(_by_recipient(smtp)["li.na@client.example"])
    portal = world.http(world.client_user).get(reverse("meetings:portal_detail", args=[meeting.pk]))
    assert expected in portal.content.decode()

    smtp.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert http.post(reverse("meetings:cancel", args=[meeting.pk])).status_code == 302
    cancellation = _by_recipient(smtp)["li.na@client.example"]
    assert expected in _text(cancellation)
    assert _ics_start(list(cancellation.iter_attachments())[0].get_content()) == instant


@pytest.mark.parametrize("language", LANGUAGES)
def test_mail_also_names_the_recipients_own_time(world, smtp, django_capture_on_commit_callbacks, language):
    world.contact.language, world.contact.timezone = language, "America/Los_Angeles"
    world.contact.save()
    wall = dt.datetime(2026, 12, 7, 10, 0)
    instant = wall.replace(tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    with django_capture_on_commit_callbacks(execute=True):
        world.http(world.manager).post(
            reverse("meetings:create", args=[world.project.pk]),
            {
                "kind": "status",
                "title": "Steering",
                "starts_at": "2026-12-07T10:00",
                "timezone": "Asia/Shanghai",
                "duration_minutes": "45",
                "contacts": [world.contact.pk],
            },
        )
    text = _text(_by_recipient(smtp)["li.na@client.example"])
    assert _shown(instant, "Asia/Shanghai", language) in text
    assert _shown(instant, "America/Los_Angeles", language) in text


@pytest.mark.parametrize("creator_zone", CREATORS)
def test_a_time_the_clocks_skip_is_refused(world, creator_zone):
    world.manager.timezone = creator_zone
    world.manager.save()
    response = world.http(world.manager).post(
        reverse("meetings:create", args=[world.project.pk]),
        {
            "kind": "status",
            "title": "Steering",
            "starts_at": "2027-03-28T02:30",
            "timezone": "Europe/Berlin",
            "duration_minutes": "45",
        },
    )
    assert response.status_code == 422
    assert re.search(r"2027-03-28 02:30", response.content.decode())
    assert not Meeting.objects.filter(title="Steering").exists()


def test_decisions_and_action_items_take_the_meetings_own_day(world):
    """07:00 in Shanghai on the 8th is 23:00 UTC on the 7th: the meeting's day is the 8th."""
    meeting = services.meeting_schedule(
        actor=world.as_member(world.manager),
        project=world.project,
        data={
            "kind": "status",
            "title": "Early call",
            "starts_at": dt.datetime(2026, 12, 8, 7, 0),
            "timezone": "Asia/Shanghai",
            "duration_minutes": 30,
        },
    )
    assert meeting.starts_at.astimezone(dt.UTC).date() == dt.date(2026, 12, 7)
    decision = services.decision_record(
        actor=world.as_member(world.manager), project=world.project, data={"title": "Go"}, meeting=meeting
    )
    assert decision.decided_on == dt.date(2026, 12, 8)
    item = services.action_item_create(
        actor=world.as_member(world.manager),
        meeting=meeting,
        data={"title": "Send the plan", "owner_id": world.member.pk},
    )
    assert "2026-12-08" in item.task.description
