"""Invitation and cancellation mails as calendar clients expect them: received through a real
SMTP server, the MIME tree parsed with ``email`` and the calendar with ``icalendar``."""

import datetime as dt
from email.message import EmailMessage

from icalendar import Calendar

from accord.meetings import services

START = dt.datetime(2030, 3, 4, 10, 0)


def _schedule(world):
    return services.meeting_schedule(
        actor=world.as_member(world.manager),
        project=world.project,
        data={
            "kind": "status",
            "title": "Weekly status",
            "starts_at": START,
            "timezone": "Asia/Shanghai",
            "duration_minutes": 45,
        },
        users=[world.member],
        contacts=[world.contact],
    )


def _tree(message: EmailMessage) -> list:
    """The MIME structure as nested (content type, children or disposition) pairs."""
    if message.is_multipart():
        return [message.get_content_type(), [_tree(part) for part in message.iter_parts()]]
    return [message.get_content_type(), message.get_content_disposition()]


def _calendar_part(message: EmailMessage) -> EmailMessage:
    """The text/calendar part inside the multipart/alternative (not the attached copy)."""
    body, _attachment = message.iter_parts()
    assert body.get_content_type() == "multipart/alternative"
    plain, html, calendar = body.iter_parts()
    assert (plain.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert calendar.get_content_type() == "text/calendar" and calendar.get_content_disposition() is None
    return calendar


def _check(message: EmailMessage, method: str):
    """The iTIP part and the attachment carry the same calendar; returns its one event."""
    assert _tree(message) == [
        "multipart/mixed",
        [
            ["multipart/alternative", [["text/plain", None], ["text/html", None], ["text/calendar", None]]],
            ["application/ics", "attachment"],
        ],
    ]
    part = _calendar_part(message)
    assert part.get_param("method") == method
    assert part.get_content_charset() == "utf-8"
    attachment = list(message.iter_attachments())[0]
    assert attachment.get_filename() == "invite.ics"
    cal = Calendar.from_ical(part.get_content())
    assert Calendar.from_ical(attachment.get_content()) == cal
    assert str(cal["METHOD"]) == method
    (event,) = cal.walk("VEVENT")
    return event


def test_invitation_update_and_cancel_are_multipart_alternative(
    world, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _schedule(world)
    assert sorted(str(m["To"]) for m in smtp.messages) == ["li.na@client.example", "member@acme.example"]
    for message in smtp.messages:
        event = _check(message, "REQUEST")
        assert str(event["UID"]) == meeting.uid and int(event["SEQUENCE"]) == 0
        assert str(event["ORGANIZER"]) == "mailto:manager@acme.example"
        assert {str(a) for a in event.get("ATTENDEE")} == {
            "mailto:manager@acme.example",
            "mailto:member@acme.example",
            "mailto:li.na@client.example",
        }
        assert str(event["STATUS"]) == "CONFIRMED"
        assert "Weekly status" in message.get_body(("plain",)).get_content()

    smtp.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            actor=world.as_member(world.manager), meeting=meeting, data={"duration_minutes": 60}
        )
    updates = [_check(m, "REQUEST") for m in smtp.messages]
    assert len(updates) == 2
    assert {(str(e["UID"]), int(e["SEQUENCE"])) for e in updates} == {(meeting.uid, 1)}
    assert {e.decoded("DTEND") - e.decoded("DTSTART") for e in updates} == {dt.timedelta(minutes=60)}

    smtp.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(actor=world.as_member(world.manager), meeting=meeting)
    cancels = [_check(m, "CANCEL") for m in smtp.messages]
    assert len(cancels) == 2
    assert {(str(e["UID"]), int(e["SEQUENCE"]), str(e["STATUS"])) for e in cancels} == {
        (meeting.uid, 2, "CANCELLED")
    }
    assert all(str(m["Subject"]).strip().startswith("Cancelled: Weekly status") for m in smtp.messages)


def test_calendar_part_is_in_the_attendees_language_mail(world, smtp, django_capture_on_commit_callbacks):
    world.contact.language = "zh-hans"
    world.contact.save()
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _schedule(world)
    chinese = next(m for m in smtp.messages if str(m["To"]) == "li.na@client.example")
    assert "邀请" in str(chinese["Subject"])
    event = _check(chinese, "REQUEST")
    # The event itself is the same for everyone: the title as the organiser wrote it.
    assert str(event["SUMMARY"]) == meeting.title == "Weekly status"


def test_cancellation_to_a_removed_attendee_names_them(world, smtp, django_capture_on_commit_callbacks):
    """RFC 5546 §3.2.5: a CANCEL to attendees taken off the meeting lists them as its attendees."""
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _schedule(world)
    smtp.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            actor=world.as_member(world.manager),
            meeting=meeting,
            data={},
            users=[world.manager],
            contacts=[world.contact],
        )
    (removed,) = [m for m in smtp.messages if str(m["To"]) == "member@acme.example"]
    event = _check(removed, "CANCEL")
    attendees = event.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert [str(a) for a in attendees] == ["mailto:member@acme.example"]
    # The others get the update, which no longer names the removed attendee.
    (update,) = [m for m in smtp.messages if str(m["To"]) == "li.na@client.example"]
    assert "mailto:member@acme.example" not in {str(a) for a in _check(update, "REQUEST").get("ATTENDEE")}
