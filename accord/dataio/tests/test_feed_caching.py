"""Every feed a client polls (the project calendar, the personal meetings calendar, the project's
contacts as vCard) answers ETag and Last-Modified, and 304 with no body while nothing changed;
a change, a deletion included, gives a new ETag and a later Last-Modified. Documents are read
with icalendar and vobject."""

import datetime as dt
import re

import pytest
import vobject
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from accord.dataio import services
from accord.meetings import services as meeting_services
from accord.testing import factories as f


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _poll(http, url, response):
    """The follow-up requests of a client that kept ``response``'s validators."""
    by_etag = http.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    by_date = http.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    return by_etag, by_date


def _assert_not_modified(http, url, response):
    for again in _poll(http, url, response):
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == response["ETag"]


def _later(http, url, response):
    """A change must reach clients using either validator (a second passes so dates differ)."""
    for again in _poll(http, url, response):
        assert again.status_code == 200
        assert again["ETag"] != response["ETag"]
    return http.get(url)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_project_calendar(world, client, language):
    milestone = f.MilestoneFactory(project=world.project, name="Go-live 上线", due_date=dt.date(2026, 6, 1))
    feed = services.project_feed_get(project=world.project)
    url = reverse("dataio:project_ics", args=[feed.token])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    first = client.get(url)
    assert first.status_code == 200 and re.fullmatch(r'"[0-9a-f]{32}"', first["ETag"])
    assert first["Last-Modified"] and "private" in first["Cache-Control"]
    cal = Calendar.from_ical(first.content)
    assert [str(e["summary"]) for e in cal.walk("VEVENT")] == ["◆ Go-live 上线"]
    _assert_not_modified(client, url, first)
    # A new milestone: new ETag, later Last-Modified.
    f.MilestoneFactory(project=world.project, name="Training")
    second = _later(client, url, first)
    assert len(Calendar.from_ical(second.content).walk("VEVENT")) == 2
    _assert_not_modified(client, url, second)
    # A deletion leaves no updated_at behind, and still reaches clients.
    milestone.delete()
    third = _later(client, url, second)
    assert [str(e["summary"]) for e in Calendar.from_ical(third.content).walk("VEVENT")] == ["◆ Training"]


def test_personal_meetings_calendar(world, client):
    meeting = meeting_services.meeting_schedule(
        actor=world.as_member(world.manager),
        project=world.project,
        data={"title": "Review", "starts_at": timezone.now() + dt.timedelta(days=1), "timezone": "UTC"},
        users=[world.member],
    )
    raw = meeting_services.calendar_token_rotate(user=world.member)
    url = reverse("meetings:feed", args=[raw])
    first = client.get(url)
    assert first.status_code == 200
    assert [str(e["UID"]) for e in Calendar.from_ical(first.content).walk("VEVENT")] == [meeting.uid]
    _assert_not_modified(client, url, first)
    meeting.title = "Review (moved)"
    meeting.save()
    second = _later(client, url, first)
    assert "Review (moved)" in second.content.decode()


def test_project_contacts_vcard(world):
    http = world.http(world.member)
    url = reverse("dataio:project_contacts_vcf", args=[world.project.pk])
    first = http.get(url)
    assert first.status_code == 200 and first["ETag"]
    assert [c.email.value for c in vobject.readComponents(first.content.decode())] == [world.contact.email]
    _assert_not_modified(http, url, first)
    world.contact.title = "CIO"
    world.contact.save()
    second = _later(http, url, first)
    assert vobject.readOne(second.content.decode()).title.value == "CIO"
    # Someone outside the project gets nothing, validators or not.
    assert world.http(world.outsider).get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 404
