"""RFC 5545 calendar objects for meetings: invitations (REQUEST), cancellations (CANCEL), feeds."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from .models import AttendeeResponse, AttendeeRole, Meeting, Recurrence

RRULES = {
    Recurrence.WEEKLY: {"FREQ": "WEEKLY", "INTERVAL": 1},
    Recurrence.BIWEEKLY: {"FREQ": "WEEKLY", "INTERVAL": 2},
    Recurrence.MONTHLY: {"FREQ": "MONTHLY", "INTERVAL": 1},
}
PARTSTAT = {
    AttendeeResponse.NEEDS_ACTION: "NEEDS-ACTION",
    AttendeeResponse.ACCEPTED: "ACCEPTED",
    AttendeeResponse.DECLINED: "DECLINED",
    AttendeeResponse.TENTATIVE: "TENTATIVE",
}
ROLES = {
    AttendeeRole.REQUIRED: "REQ-PARTICIPANT",
    AttendeeRole.OPTIONAL: "OPT-PARTICIPANT",
    AttendeeRole.CHAIR: "CHAIR",
}


def _address(email: str, name: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = vText(name)
    return address


def organizer_email(meeting: Meeting) -> str:
    if meeting.organizer_id and meeting.organizer.email:
        return meeting.organizer.email
    return settings.DEFAULT_FROM_EMAIL.split("<")[-1].rstrip(">").strip()


def meeting_event(meeting: Meeting, *, cancelled: bool = False, attendees=None) -> Event:
    """``attendees``: whom the event names (default: the meeting's own list)."""
    event = Event()
    tz = zoneinfo.ZoneInfo(meeting.timezone)
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at.astimezone(tz))
    event.add("dtend", meeting.ends_at.astimezone(tz))
    event.add("summary", meeting.title)
    lines = [f"{item.title} ({item.minutes_allotted}′)" for item in meeting.agenda_items.all()]
    description = meeting.description
    if lines:
        description = (description + "\n\n" if description else "") + "\n".join(f"- {line}" for line in lines)
    if meeting.video_url:
        description = (description + "\n\n" if description else "") + meeting.video_url
        event.add("url", meeting.video_url)
    if description:
        event.add("description", description)
    location = meeting.location or meeting.video_url
    if location:
        event.add("location", location)
    event.add("status", "CANCELLED" if cancelled or meeting.is_cancelled else "CONFIRMED")
    name = str(meeting.organizer) if meeting.organizer_id else ""
    event.add("organizer", _address(organizer_email(meeting), name))
    for attendee in meeting.attendees.all() if attendees is None else attendees:
        if not attendee.email:
            continue
        address = _address(attendee.email, attendee.name)
        address.params["ROLE"] = vText(ROLES.get(attendee.role, "REQ-PARTICIPANT"))
        address.params["PARTSTAT"] = vText(PARTSTAT.get(attendee.response, "NEEDS-ACTION"))
        address.params["RSVP"] = vText("TRUE")
        address.params["CUTYPE"] = vText("INDIVIDUAL")
        event.add("attendee", address, encode=0)
    if meeting.recurrence in RRULES:
        rule = dict(RRULES[meeting.recurrence])
        if meeting.recurrence_count:
            rule["COUNT"] = meeting.recurrence_count
        event.add("rrule", rule)
    return event


def _calendar(method: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//Accord//Meetings//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    return cal


def meeting_ics(meeting: Meeting, *, method: str = "REQUEST", attendees=None) -> bytes:
    """One meeting as an iTIP message: REQUEST (invitation or update) or CANCEL; a CANCEL to
    attendees taken off the meeting names them (``attendees``)."""
    cal = _calendar(method)
    cal.add_component(meeting_event(meeting, cancelled=method == "CANCEL", attendees=attendees))
    cal.add_missing_timezones()
    return cal.to_ical()


def feed_ics(meetings, *, name: str) -> bytes:
    """A subscription feed (no METHOD: calendar apps treat it as published)."""
    cal = _calendar("")
    cal.add("x-wr-calname", name)
    for meeting in meetings:
        cal.add_component(meeting_event(meeting))
    cal.add_missing_timezones()
    return cal.to_ical()


def feed_url(raw_token: str) -> str:
    return settings.BASE_URL + reverse("meetings:feed", args=[raw_token])
