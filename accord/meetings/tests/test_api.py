import pytest
from icalendar import Calendar

from accord.comms.models import Event
from accord.meetings.models import Meeting

from .factories import ActionItemFactory, DecisionFactory, MeetingFactory


@pytest.mark.parametrize("rows", [2, 50])
def test_list_query_counts_are_flat(world, rows, django_assert_num_queries):
    for _ in range(rows):
        meeting = MeetingFactory(project=world.project)
        DecisionFactory(meeting=meeting)
        ActionItemFactory(meeting=meeting)
    api = world.api(world.member)
    for path, queries in (("meetings", 5), ("decisions", 4), ("action-items", 4)):
        with django_assert_num_queries(queries):
            response = api.get(f"/projects/{world.project.pk}/{path}", {"limit": 100})
        assert response.status_code == 200 and len(response.json()["items"]) == rows


def test_crud_minutes_publish_and_events(world):
    api = world.api(world.manager)
    bad = api.post(
        f"/projects/{world.project.pk}/meetings",
        {"title": "x", "starts_at": "2030-01-07T10:00:00", "timezone": "Nowhere/City"},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "timezone"
    created = api.post(
        f"/projects/{world.project.pk}/meetings",
        {
            "title": "Kickoff",
            "kind": "kickoff",
            "starts_at": "2030-01-07T10:00:00",
            "timezone": "Asia/Shanghai",
            "video_url": "https://zoom.us/j/1",
            "contact_ids": [world.contact.pk],
            "agenda": [{"title": "Scope", "minutes_allotted": 20}],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    mid = body["id"]
    assert (
        body["video_provider"] == "zoom" and body["sequence"] == 0 and body["agenda"][0]["title"] == "Scope"
    )
    assert Event.objects.filter(name="meeting.scheduled").exists()
    patched = api.patch(f"/meetings/{mid}", {"duration_minutes": 90})
    assert patched.json()["sequence"] == 1
    ics = api.get(f"/meetings/{mid}/ics")
    assert int(next(iter(Calendar.from_ical(ics.content).walk("VEVENT")))["SEQUENCE"]) == 1
    item_id = body["agenda"][0]["id"]
    assert (
        api.put(
            f"/meetings/{mid}/minutes", {"summary": "Done", "notes": {str(item_id): "Agreed"}}
        ).status_code
        == 200
    )
    assert api.put(f"/meetings/{mid}/minutes", {"notes": {"999999": "x"}}).status_code == 422
    decision = api.post(f"/meetings/{mid}/decisions", {"title": "Use SAP"})
    assert decision.status_code == 201
    assert (
        api.get(f"/projects/{world.project.pk}/decisions", {"q": "sap"}).json()["items"][0]["title"]
        == "Use SAP"
    )
    assert api.get(f"/projects/{world.project.pk}/decisions", {"q": "oracle"}).json()["items"] == []
    action = api.post(
        f"/meetings/{mid}/action-items", {"title": "Send data", "owner_contact_id": world.contact.pk}
    )
    assert action.status_code == 201 and action.json()["client_visible"]
    assert api.post(f"/meetings/{mid}/action-items", {"title": "x"}).status_code == 422
    assert api.post(f"/meetings/{mid}/minutes/publish").status_code == 200
    assert Event.objects.filter(name="minutes.published").exists()
    assert api.put(f"/meetings/{mid}/minutes", {"summary": "late"}).status_code == 422
    done = api.post(f"/action-items/{action.json()['id']}/done")
    assert done.json()["status"] == "done"
    assert api.delete(f"/meetings/{mid}").status_code == 422  # published minutes are kept


def test_cancel_and_delete(world):
    api = world.api(world.member)
    created = api.post(
        f"/projects/{world.project.pk}/meetings", {"title": "Review", "starts_at": "2030-02-01T09:00:00"}
    )
    mid = created.json()["id"]
    cancelled = api.post(f"/meetings/{mid}/cancel")
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["sequence"] == 1
    cal = Calendar.from_ical(api.get(f"/meetings/{mid}/ics").content)
    assert str(cal["METHOD"]) == "CANCEL"
    assert api.post(f"/meetings/{mid}/cancel").status_code == 422
    assert api.delete(f"/meetings/{mid}").status_code == 204
    assert not Meeting.objects.filter(pk=mid).exists()


def test_other_organisation_is_404(world):
    meeting = MeetingFactory(project=world.project)
    api = world.api(world.outsider)
    assert api.get(f"/meetings/{meeting.pk}").status_code == 404
    assert api.patch(f"/meetings/{meeting.pk}", {"title": "x"}).status_code == 404
    assert api.get(f"/projects/{world.project.pk}/decisions").status_code == 404


def test_null_in_a_patch_clears_optional_texts_and_keeps_required_ones(world):
    # Found by the API fuzzer: "recurrence": null answered 500 (NOT NULL constraint).
    api = world.api(world.manager)
    created = api.post(
        f"/projects/{world.project.pk}/meetings",
        {
            "title": "Weekly",
            "starts_at": "2030-01-07T10:00:00",
            "timezone": "Europe/Berlin",
            "location": "Room 4",
            "recurrence": "weekly",
            "recurrence_count": 4,
        },
    )
    assert created.status_code == 201, created.content
    mid = created.json()["id"]
    response = api.patch(
        f"/meetings/{mid}", {"recurrence": None, "location": None, "title": None}, HTTP_IF_MATCH="*"
    )
    assert response.status_code == 200, response.content
    meeting = Meeting.objects.get(pk=mid)
    assert meeting.recurrence == "" and meeting.location == "" and meeting.title == "Weekly"
