import datetime as dt
import re

import pytest
from django.utils import timezone
from icalendar import Calendar

from accord.meetings import services
from accord.meetings.models import ActionItem, Decision, Meeting
from accord.projects.models import TaskStatus
from accord.testing import factories as f

from .factories import ActionItemFactory, DecisionFactory, MeetingFactory

FORM = {
    "kind": "status",
    "title": "Steering committee",
    "starts_at": "2030-01-07T10:00",
    "timezone": "Asia/Shanghai",
    "duration_minutes": "60",
    "video_url": "https://teams.microsoft.com/l/meetup-join/abc",
}


@pytest.mark.parametrize("rows", [2, 50])
def test_list_query_count_is_flat(world, rows, django_assert_num_queries):
    for _ in range(rows):
        MeetingFactory(project=world.project)
    http = world.http(world.member)
    http.get(f"/projects/{world.project.pk}/meetings/")
    with django_assert_num_queries(7):
        response = http.get(f"/projects/{world.project.pk}/meetings/")
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [2, 50])
def test_decision_log_query_count_is_flat(world, rows, django_assert_num_queries):
    for _ in range(rows):
        DecisionFactory(meeting=MeetingFactory(project=world.project))
    http = world.http(world.member)
    http.get(f"/projects/{world.project.pk}/decisions/")
    with django_assert_num_queries(6):
        response = http.get(f"/projects/{world.project.pk}/decisions/")
    assert response.status_code == 200


def test_other_organisation_is_404(world):
    meeting = MeetingFactory(project=world.project)
    http = world.http(world.outsider)
    assert http.get(f"/projects/{world.project.pk}/meetings/").status_code == 404
    assert http.get(f"/meetings/{meeting.pk}/").status_code == 404
    assert http.get(f"/meetings/{meeting.pk}/invite.ics").status_code == 404
    assert http.post(f"/meetings/{meeting.pk}/cancel/").status_code == 404


def test_schedule_record_publish_journey(world):
    http = world.http(world.manager)
    response = http.post(
        f"/projects/{world.project.pk}/meetings/new/",
        {**FORM, "users": [world.member.pk], "contacts": [world.contact.pk]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting = Meeting.objects.get()
    assert meeting.video_provider == "teams"
    assert (
        http.post(
            f"/meetings/{meeting.pk}/agenda/", {"title": "Go-live plan", "minutes_allotted": 20}
        ).status_code
        == 302
    )
    item = meeting.agenda_items.get()
    assert (
        http.post(
            f"/meetings/{meeting.pk}/minutes/", {"summary": "Good", f"notes_{item.pk}": "Agreed dates"}
        ).status_code
        == 302
    )
    assert (
        http.post(
            f"/meetings/{meeting.pk}/decisions/", {"title": "Go-live 1 April", "client_visible": "on"}
        ).status_code
        == 302
    )
    http.post(
        f"/meetings/{meeting.pk}/action-items/",
        {"title": "Sign the plan", "owner": f"c{world.contact.pk}", "due_date": "2030-01-14"},
    )
    action = ActionItem.objects.get()
    assert action.task.client_visible and action.owner_contact == world.contact
    page = http.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "Go-live plan" in page and "Go-live 1 April" in page and "Sign the plan" in page
    assert http.post(f"/meetings/{meeting.pk}/minutes/publish/").status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes_published
    # The client sees the minutes in the portal and marks their action item done.
    portal = world.http(world.client_user)
    listing = portal.get(f"/portal/projects/{world.project.pk}/meetings/").content.decode()
    assert "Steering committee" in listing
    detail = portal.get(f"/portal/meetings/{meeting.pk}/")
    assert detail.status_code == 200 and "Agreed dates" in detail.content.decode()
    assert portal.post(f"/portal/action-items/{action.pk}/done/").status_code == 302
    action.task.refresh_from_db()
    assert action.task.status == TaskStatus.DONE


def test_bad_form_input_is_a_clear_422(world):
    nomail = f.ContactFactory(client=world.client, email="")
    http = world.http(world.manager)
    response = http.post(f"/projects/{world.project.pk}/meetings/new/", {**FORM, "timezone": "Atlantis/Lost"})
    assert response.status_code == 422 and "is not a known time zone" in response.content.decode()
    response = http.post(f"/projects/{world.project.pk}/meetings/new/", {**FORM, "contacts": [nomail.pk]})
    assert response.status_code == 422 and "has no e-mail address" in response.content.decode()
    assert not Meeting.objects.exists()


def test_team_ics_download(world):
    meeting = services.meeting_schedule(
        actor=world.as_member(world.manager),
        project=world.project,
        data={"title": "Review", "starts_at": dt.datetime(2030, 1, 1, 9), "timezone": "Europe/Berlin"},
    )
    response = world.http(world.member).get(f"/meetings/{meeting.pk}/invite.ics")
    cal = Calendar.from_ical(response.content)
    assert response["Content-Type"].startswith("text/calendar")
    assert str(cal["METHOD"]) == "REQUEST" and str(next(iter(cal.walk("VEVENT")))["UID"]) == meeting.uid


def test_calendar_feed_rotation(world):
    meeting = services.meeting_schedule(
        actor=world.as_member(world.manager),
        project=world.project,
        data={"title": "Review", "starts_at": timezone.now() + dt.timedelta(days=1), "timezone": "UTC"},
        users=[world.member],
    )
    http = world.http(world.member)
    page = http.post("/meetings/calendar/rotate/").content.decode()
    world.member.refresh_from_db()
    path = re.search(r"/calendar/[A-Za-z0-9_-]+\.ics", page).group(0)
    feed = world.http(None).get(path)
    assert feed.status_code == 200
    cal = Calendar.from_ical(feed.content)
    assert "METHOD" not in cal and [str(e["UID"]) for e in cal.walk("VEVENT")] == [meeting.uid]
    http.post("/meetings/calendar/rotate/")
    assert world.http(None).get(path).status_code == 404


def test_client_cannot_complete_someone_elses_action_item(world):
    meeting = MeetingFactory(project=world.project, minutes_published_at=timezone.now())
    other = f.ContactFactory(client=world.client)
    item = ActionItemFactory(meeting=meeting, owner_contact=other)
    response = world.http(world.client_user).post(f"/portal/action-items/{item.pk}/done/")
    assert response.status_code == 403
    item.task.refresh_from_db()
    assert item.task.status != TaskStatus.DONE


def test_portal_hides_unpublished_minutes_and_internal_decisions(world):
    meeting = MeetingFactory(project=world.project)
    assert world.http(world.client_user).get(f"/portal/meetings/{meeting.pk}/").status_code == 404
    meeting.minutes_published_at = timezone.now()
    meeting.save()
    Decision.objects.create(
        organization=world.org,
        project=world.project,
        meeting=meeting,
        title="Secret",
        decided_on=timezone.localdate(),
        client_visible=False,
    )
    page = world.http(world.client_user).get(f"/portal/meetings/{meeting.pk}/").content.decode()
    assert "Secret" not in page


def test_the_meeting_page_forms_keep_their_ids_apart(world):
    meeting = MeetingFactory(project=world.project)
    html = world.http(world.manager).get(f"/meetings/{meeting.pk}/").content.decode()
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    # Each label names a field of its own form: agenda, decision and action item all have a title.
    for prefix in ("agenda", "decision", "action"):
        assert f'for="{prefix}_title"' in html and f'id="{prefix}_title"' in html
