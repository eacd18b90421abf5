import datetime as dt
from email.message import EmailMessage

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from icalendar import Calendar

from accord.comms.models import Event, Notification
from accord.meetings import ics, selectors, services
from accord.meetings.models import ActionItem, Meeting, detect_provider
from accord.projects.models import TaskKind, TaskStatus
from accord.testing import factories as f
from accord.testing.mailserver import deliver_all

START = dt.datetime(2030, 3, 4, 10, 0)  # naive: local time in the meeting's time zone


def _data(**extra):
    return {
        "kind": "status",
        "title": "Weekly status",
        "starts_at": START,
        "timezone": "Asia/Shanghai",
        "duration_minutes": 45,
        "video_url": "https://meeting.tencent.com/dm/abc123",
        **extra,
    }


def _schedule(world, **extra):
    return services.meeting_schedule(
        actor=world.as_member(world.manager),
        project=world.project,
        data=_data(**extra),
        users=[world.member],
        contacts=[world.contact],
        agenda=[
            {"title": "Progress", "minutes_allotted": 15},
            {"title": "Risks", "owner_id": world.member.pk},
        ],
    )


def _calendar_of(message: EmailMessage):
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert parts, "no text/calendar part"
    return Calendar.from_ical(parts[0].get_content())


def _event(cal):
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    assert len(events) == 1
    return events[0]


@pytest.mark.parametrize(
    "url, provider",
    [
        ("https://us02web.zoom.us/j/123", "zoom"),
        ("https://teams.microsoft.com/l/meetup-join/x", "teams"),
        ("https://meeting.tencent.com/dm/abc", "tencent"),
        ("https://voovmeeting.com/dm/abc", "tencent"),
        ("https://meet.example.com/x", "other"),
        ("https://zoom.us.evil.example/j/1", "other"),
        ("", ""),
    ],
)
def test_provider_detection(url, provider):
    assert detect_provider(url) == provider


def test_invitations_are_valid_rfc5545(world, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _schedule(world)
    assert meeting.video_provider == "tencent"
    assert meeting.starts_at == START.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
    recipients = sorted(str(m["To"]) for m in smtp.messages)
    assert recipients == ["li.na@client.example", "member@acme.example"]  # not the organiser
    for message in smtp.messages:
        cal = _calendar_of(message)
        assert str(cal["METHOD"]) == "REQUEST"
        event = _event(cal)
        assert str(event["UID"]) == meeting.uid
        assert int(event["SEQUENCE"]) == 0
        assert str(event["ORGANIZER"]) == "mailto:manager@acme.example"
        attendees = {str(a): a.params for a in event.get("ATTENDEE")}
        assert set(attendees) == {
            "mailto:manager@acme.example",
            "mailto:member@acme.example",
            "mailto:li.na@client.example",
        }
        params = attendees["mailto:li.na@client.example"]
        assert params["ROLE"] == "REQ-PARTICIPANT" and params["PARTSTAT"] == "NEEDS-ACTION"
        assert params["RSVP"] == "TRUE" and params["CN"]
        assert attendees["mailto:manager@acme.example"]["ROLE"] == "CHAIR"
        dtstart = event.decoded("DTSTART")
        assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
        assert dtstart.astimezone(dt.UTC) == dt.datetime(2030, 3, 4, 2, 0, tzinfo=dt.UTC)
        assert event.decoded("DTEND") - dtstart == dt.timedelta(minutes=45)
        assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
        assert "meeting.tencent.com" in str(event["LOCATION"])
    assert Event.objects.get(name="meeting.scheduled").payload["uid"] == meeting.uid


def test_update_bumps_sequence_and_cancel_sends_cancel(world, smtp, django_capture_on_commit_callbacks):
    meeting = _schedule(world)
    deliver_all()  # the invitations (SEQUENCE 0) go first: a worker sends what is due with the update's
    smtp.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.meeting_update(
            actor=world.as_member(world.manager), meeting=meeting, data={"duration_minutes": 60}
        )
    assert meeting.sequence == 1
    updated = [_event(_calendar_of(m)) for m in smtp.messages]
    assert {int(e["SEQUENCE"]) for e in updated} == {1}
    assert {str(e["UID"]) for e in updated} == {meeting.uid}
    smtp.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.meeting_cancel(actor=world.as_member(world.manager), meeting=meeting)
    assert len(smtp.messages) == 2
    for message in smtp.messages:
        cal = _calendar_of(message)
        assert str(cal["METHOD"]) == "CANCEL"
        event = _event(cal)
        assert str(event["UID"]) == meeting.uid and int(event["SEQUENCE"]) == 2
        assert str(event["STATUS"]) == "CANCELLED"
    with pytest.raises(ValidationError, match="cancelled"):
        services.meeting_update(
            actor=world.as_member(world.manager), meeting=meeting, data={"title": "Again"}
        )


def test_removed_attendee_gets_a_cancel(world, smtp, django_capture_on_commit_callbacks):
    meeting = _schedule(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(actor=world.as_member(world.manager), meeting=meeting, data={}, contacts=[])
    methods = {str(m["To"]): str(_calendar_of(m)["METHOD"]) for m in smtp.messages}
    assert methods == {"member@acme.example": "REQUEST", "li.na@client.example": "CANCEL"}


def test_bad_input_is_refused(world):
    nomail = f.ContactFactory(client=world.client, email="")
    with pytest.raises(ValidationError) as exc:
        services.meeting_schedule(
            actor=world.as_member(world.manager), project=world.project, data=_data(), contacts=[nomail]
        )
    assert "has no e-mail address" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.meeting_schedule(
            actor=world.as_member(world.manager), project=world.project, data=_data(timezone="Mars/Olympus")
        )
    assert "timezone" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.meeting_schedule(
            actor=world.as_member(world.manager), project=world.project, data=_data(duration_minutes=0)
        )
    with pytest.raises(ValidationError):
        services.meeting_schedule(
            actor=world.as_member(world.manager), project=world.project, data=_data(video_url="javascript:x")
        )
    with pytest.raises(ValidationError):
        services.meeting_schedule(
            actor=world.as_member(world.manager),
            project=world.project,
            data=_data(),
            contacts=[world.foreign_contact],
        )
    assert not Meeting.objects.exists()


def test_recurrence_appears_as_rrule(world):
    meeting = _schedule(world, recurrence="biweekly", recurrence_count=6)
    event = _event(Calendar.from_ical(ics.meeting_ics(meeting)))
    assert event["RRULE"]["FREQ"] == ["WEEKLY"] and event["RRULE"]["INTERVAL"] == [2]
    assert event["RRULE"]["COUNT"] == [6]


def test_minutes_decisions_action_items_published(world, smtp, django_capture_on_commit_callbacks):
    earlier = _schedule(world, title="Kick-off")
    old = services.action_item_create(
        actor=world.as_member(world.manager),
        meeting=earlier,
        data={"title": "Send org chart", "owner_contact_id": world.contact.pk, "due_date": "2030-01-01"},
    )
    meeting = _schedule(world)
    zh = f.ContactFactory(client=world.client, email="wang@client.example", language="zh-hans")
    meeting = services.meeting_update(
        actor=world.as_member(world.manager), meeting=meeting, data={}, contacts=[world.contact, zh]
    )
    items = list(meeting.agenda_items.all())
    services.minutes_record(
        actor=world.as_member(world.manager),
        meeting=meeting,
        summary="Good progress.",
        notes={items[0].pk: "Design done.", items[1].pk: "VPN risk."},
    )
    services.decision_record(
        actor=world.as_member(world.manager),
        project=world.project,
        meeting=meeting,
        data={"title": "Go-live on 1 April", "client_visible": True},
    )
    services.decision_record(
        actor=world.as_member(world.manager),
        project=world.project,
        meeting=meeting,
        data={"title": "Internal: add a tester", "client_visible": False},
    )
    ours = services.action_item_create(
        actor=world.as_member(world.manager),
        meeting=meeting,
        data={"title": "Fix VPN", "owner_id": world.member.pk},
    )
    theirs = services.action_item_create(
        actor=world.as_member(world.manager),
        meeting=meeting,
        data={"title": "Approve design", "owner_contact_id": world.contact.pk},
    )
    assert ours.task.kind == TaskKind.ACTION_ITEM and not ours.task.client_visible
    assert ours.task.assignee == world.member
    assert theirs.task.client_visible and theirs.owner_contact == world.contact
    smtp.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        published = services.minutes_publish(actor=world.as_member(world.manager), meeting=meeting)
    assert published.minutes_published
    by_to = {str(m["To"]): m for m in smtp.messages}
    assert set(by_to) == {
        "li.na@client.example",
        "member@acme.example",
        "wang@client.example",
        "manager@acme.example",
    }
    client_text = by_to["li.na@client.example"].get_body(("plain",)).get_content()
    assert "Good progress." in client_text and "Design done." in client_text
    assert "Go-live on 1 April" in client_text and "Internal: add a tester" not in client_text
    assert "Fix VPN" in client_text and "Approve design" in client_text
    assert "Send org chart" in client_text  # still open from the earlier meeting
    team_text = by_to["member@acme.example"].get_body(("plain",)).get_content()
    assert "Internal: add a tester" in team_text
    assert "会议纪要" in str(by_to["wang@client.example"]["Subject"])
    event = Event.objects.get(name="minutes.published")
    assert event.payload["open_earlier_action_items"] == 1 and event.payload["decisions"] == 2
    with pytest.raises(ValidationError, match="published"):
        services.minutes_record(actor=world.as_member(world.manager), meeting=meeting, summary="changed")
    assert old.task.status != TaskStatus.DONE


def test_client_completes_own_action_item_and_team_is_told(world):
    meeting = _schedule(world)
    item = services.action_item_create(
        actor=world.as_member(world.manager),
        meeting=meeting,
        data={"title": "Approve design", "owner_contact_id": world.contact.pk},
    )
    services.action_item_complete(actor=world.as_member(world.client_user), item=item, by_client=True)
    item.task.refresh_from_db()
    assert item.task.status == TaskStatus.DONE and item.task.done_on == timezone.localdate()
    assert Notification.objects.filter(user=world.manager, title__contains="Approve design").exists()


def test_action_item_owner_rules(world):
    meeting = _schedule(world)
    with pytest.raises(ValidationError):
        services.action_item_create(
            actor=world.as_member(world.manager), meeting=meeting, data={"title": "Nobody"}
        )
    with pytest.raises(ValidationError):
        services.action_item_create(
            actor=world.as_member(world.manager),
            meeting=meeting,
            data={"title": "x", "owner_contact_id": world.foreign_contact.pk},
        )
    with pytest.raises(ValidationError):
        services.action_item_create(
            actor=world.as_member(world.manager),
            meeting=meeting,
            data={"title": "x", "owner_id": world.client_user.pk},
        )
    assert not ActionItem.objects.exists()


def test_overdue_action_items_selector(world):
    meeting = _schedule(world)
    late = services.action_item_create(
        actor=world.as_member(world.manager),
        meeting=meeting,
        data={
            "title": "Late",
            "owner_id": world.member.pk,
            "due_date": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        },
    )
    services.action_item_create(
        actor=world.as_member(world.manager),
        meeting=meeting,
        data={
            "title": "Later",
            "owner_id": world.member.pk,
            "due_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        },
    )
    f.TaskFactory(
        project=world.project, due_date=timezone.localdate() - dt.timedelta(days=5)
    )  # not an action item
    member = world.memberships[world.member.pk]
    assert [t.pk for t in selectors.overdue_action_items(member)] == [late.task_id]
    outsider = world.memberships[world.outsider.pk]
    assert not selectors.overdue_action_items(outsider).exists()


def test_calendar_feed_token(world):
    meeting = _schedule(world)
    raw = services.calendar_token_rotate(user=world.member)
    world.member.refresh_from_db()
    assert raw not in world.member.calendar_token  # only the hash is stored
    assert services.feed_user(raw) == world.member
    assert list(services.feed_meetings(world.member)) == [meeting]
    assert services.feed_user("nope") is None
    services.calendar_token_rotate(user=world.member)
    assert services.feed_user(raw) is None


def test_services_refuse_a_member_the_project_does_not_allow(world):
    """The services check the actor's role themselves, whoever calls them."""
    from django.core.exceptions import PermissionDenied

    from accord.meetings.models import AgendaItem, Decision

    member = world.as_member(world.member)  # on world.project, not on world.other_project
    meeting = _schedule(world)
    theirs = services.meeting_schedule(
        actor=world.as_member(world.manager), project=world.other_project, data=_data()
    )
    item = services.action_item_create(
        actor=world.as_member(world.manager),
        meeting=meeting,
        data={"title": "Approve design", "owner_contact_id": world.contact.pk},
    )
    stranger = f.ContactFactory(client=world.client, portal_user=f.UserFactory())
    stranger_member = f.MembershipFactory(organization=world.org, user=stranger.portal_user, role="client")
    refused = [
        lambda: services.meeting_schedule(actor=member, project=world.other_project, data=_data()),
        lambda: services.meeting_schedule(
            actor=world.as_member(world.client_user), project=world.project, data=_data()
        ),
        lambda: services.meeting_update(actor=member, meeting=theirs, data={"title": "No"}),
        lambda: services.meeting_cancel(actor=member, meeting=theirs),
        lambda: services.meeting_delete(actor=member, meeting=theirs),
        lambda: services.agenda_item_add(actor=member, meeting=theirs, data={"title": "No"}),
        lambda: services.minutes_record(actor=member, meeting=theirs, summary="No"),
        lambda: services.decision_record(actor=member, project=world.other_project, data={"title": "No"}),
        lambda: services.action_item_create(actor=member, meeting=theirs, data={"title": "No"}),
        # Publishing is for the project's manager or the organiser; the member is neither.
        lambda: services.minutes_publish(actor=member, meeting=meeting),
        # A client contact completes only the items they own.
        lambda: services.action_item_complete(actor=stranger_member, item=item, by_client=True),
    ]
    for call in refused:
        with pytest.raises(PermissionDenied):
            call()
    theirs.refresh_from_db()
    item.task.refresh_from_db()
    assert theirs.title == "Weekly status" and not theirs.is_cancelled
    assert meeting.minutes_published_at is None and item.task.status != TaskStatus.DONE
    assert not AgendaItem.objects.filter(meeting=theirs).exists() and not Decision.objects.exists()
    assert Meeting.objects.count() == 2
