import pytest

from accord.service.models import SupportReply, SupportRequest, TrainingSession
from accord.service.tests.factories import SupportReplyFactory, SupportRequestFactory, TrainingSessionFactory

pytestmark = pytest.mark.django_db


def test_support_request_lifecycle(world):
    api = world.api(world.member)
    created = api.post(
        "/support-requests",
        {
            "project_id": world.project.pk,
            "title": "VPN",
            "description": "No access",
            "priority": "urgent",
            "contact_id": world.contact.pk,
        },
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["sla_breached"] is False
    assert api.post(f"/support-requests/{pk}/replies", {"body": "Note", "internal": True}).status_code == 201
    assert api.post(f"/support-requests/{pk}/replies", {"body": "Reset done"}).status_code == 201
    replies = api.get(f"/support-requests/{pk}/replies").json()
    assert [r["internal"] for r in replies] == [True, False]
    patched = api.patch(f"/support-requests/{pk}", {"status": "resolved", "assignee_id": world.member.pk})
    assert patched.status_code == 200 and patched.json()["status"] == "resolved"
    assert patched.json()["assignee_id"] == world.member.pk
    listed = api.get("/support-requests", {"status": "resolved"}).json()
    assert [r["id"] for r in listed["items"]] == [pk]


@pytest.mark.parametrize(
    "payload",
    [
        {"title": "", "description": "d"},
        {"title": "t", "description": "d", "priority": "critical"},
        {"title": "t", "description": "d", "contact_id": 999999},
    ],
)
def test_bad_support_input_is_422(world, payload):
    response = world.api(world.member).post("/support-requests", {"project_id": world.project.pk, **payload})
    assert response.status_code == 422
    assert response.json()["errors"]
    assert not SupportRequest.objects.exists()


def test_other_organisation_and_clients(world):
    foreign = SupportRequestFactory(project=world.foreign_project)
    api = world.api(world.admin)
    assert api.get(f"/support-requests/{foreign.pk}").status_code == 404
    assert api.patch(f"/support-requests/{foreign.pk}", {"status": "closed"}).status_code == 404
    assert api.post(f"/support-requests/{foreign.pk}/replies", {"body": "x"}).status_code == 404
    assert (
        api.post(
            "/support-requests", {"project_id": world.foreign_project.pk, "title": "t", "description": "d"}
        ).status_code
        == 404
    )
    assert not SupportReply.objects.exists()
    assert world.api(world.client_user).get("/support-requests").status_code == 403
    assert world.api(world.outsider).get(f"/support-requests/{foreign.pk}").status_code == 200


def test_training_sessions(world):
    api = world.api(world.member)
    created = api.post(
        "/training-sessions",
        {
            "project_id": world.project.pk,
            "topic": "Reports",
            "starts_at": "2026-12-01T09:00:00+08:00",
            "attendee_ids": [world.contact.pk],
            "trainer_id": world.member.pk,
        },
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["attendee_ids"] == [world.contact.pk]
    assert (
        api.patch(f"/training-sessions/{pk}", {"topic": "Reports II", "attendee_ids": []}).json()[
            "attendee_ids"
        ]
        == []
    )
    bad = api.post(
        "/training-sessions",
        {
            "project_id": world.project.pk,
            "topic": "x",
            "starts_at": "2026-12-01T09:00:00Z",
            "attendee_ids": [world.foreign_contact.pk],
        },
    )
    assert bad.status_code == 422
    assert (
        api.post(
            "/training-sessions", {"project_id": world.project.pk, "topic": "x", "starts_at": "soon"}
        ).status_code
        == 422
    )
    assert TrainingSession.objects.count() == 1
    foreign = TrainingSessionFactory(project=world.foreign_project)
    assert api.get(f"/training-sessions/{foreign.pk}").status_code == 404


@pytest.mark.parametrize("rows", [2, 50])
def test_list_query_counts(world, rows, django_assert_num_queries):
    for _ in range(rows):
        SupportReplyFactory(request=SupportRequestFactory(project=world.project, contact=world.contact))
        TrainingSessionFactory(project=world.project).attendees.add(world.contact)
    api = world.api(world.member)
    with django_assert_num_queries(4):
        assert len(api.get("/support-requests").json()["items"]) == rows
    with django_assert_num_queries(4):
        assert len(api.get("/training-sessions").json()["items"]) == rows
