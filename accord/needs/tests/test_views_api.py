"""Needs pages and API: traceability, tenancy, validation, query counts."""

import pytest
from django.urls import reverse

from accord.needs.models import Need, NeedStatus
from accord.needs.tests.factories import NeedFactory
from accord.testing import factories as f


def _needs(world, n):
    for _ in range(n):
        need = NeedFactory(project=world.project, source_contact=world.contact)
        task = f.TaskFactory(project=world.project, status="done")
        need.task_links.create(organization_id=world.org.pk, task=task)


@pytest.mark.parametrize("n", [2, 50])
@pytest.mark.parametrize("name,count", [("needs:project_list", 6), ("needs:trace", 7)])
def test_list_pages_query_count(world, django_assert_num_queries, n, name, count):
    _needs(world, n)
    http = world.http(world.member)
    url = reverse(name, args=[world.project.pk])
    http.get(url)
    with django_assert_num_queries(count):
        assert http.get(url).status_code == 200


@pytest.mark.parametrize("n", [2, 50])
def test_api_list_query_count(world, django_assert_num_queries, n):
    _needs(world, n)
    api = world.api(world.member)
    with django_assert_num_queries(6):
        response = api.get(f"/projects/{world.project.pk}/needs", {"limit": 100})
    assert len(response.json()["items"]) == n


def test_traceability_shows_tasks_delivered_and_accepted(world):
    accepted = NeedFactory(project=world.project, title="Single sign-on", status=NeedStatus.ACCEPTED)
    task = f.TaskFactory(project=world.project, title="Configure SAML")
    accepted.task_links.create(organization_id=world.org.pk, task=task)
    NeedFactory(project=world.project, title="Dashboard", status=NeedStatus.AGREED)
    page = world.http(world.member).get(reverse("needs:trace", args=[world.project.pk])).content.decode()
    assert "Configure SAML" in page and "1 of 2 needs delivered, 1 accepted" in page


def test_create_and_move_status_from_the_page(world):
    task = f.TaskFactory(project=world.project)
    http = world.http(world.member)
    response = http.post(
        reverse("needs:create", args=[world.project.pk]),
        {
            "title": "Export to Excel",
            "priority": "should",
            "source_contact": world.contact.pk,
            "tasks": [task.pk],
        },
    )
    need = Need.objects.get()
    assert response.status_code == 302 and list(need.tasks.all()) == [task]
    http.post(reverse("needs:status", args=[need.pk]), {"status": "accepted"})
    need.refresh_from_db()
    assert need.status == NeedStatus.PROPOSED  # proposed → accepted is refused
    http.post(reverse("needs:status", args=[need.pk]), {"status": "agreed"})
    need.refresh_from_db()
    assert need.status == NeedStatus.AGREED


def test_form_refuses_a_task_of_another_project(world):
    response = world.http(world.member).post(
        reverse("needs:create", args=[world.project.pk]),
        {"title": "X", "priority": "must", "tasks": [f.TaskFactory(project=world.other_project).pk]},
    )
    assert response.status_code == 422 and not Need.objects.exists()


@pytest.mark.parametrize("name", ["needs:detail", "needs:edit", "needs:delete"])
def test_own_200_other_organisation_404(world, name):
    http = world.http(world.admin)
    assert http.get(reverse(name, args=[NeedFactory(project=world.project).pk])).status_code == 200
    assert http.get(reverse(name, args=[NeedFactory(project=world.foreign_project).pk])).status_code == 404


@pytest.mark.parametrize("name", ["needs:project_list", "needs:trace", "needs:create"])
def test_project_pages_own_200_other_organisation_404(world, name):
    http = world.http(world.admin)
    assert http.get(reverse(name, args=[world.project.pk])).status_code == 200
    assert http.get(reverse(name, args=[world.foreign_project.pk])).status_code == 404


@pytest.mark.parametrize(
    "body,field",
    [
        ({"title": "x", "priority": "urgent"}, "priority"),
        ({"title": "x", "source_contact_id": -1}, "source_contact_id"),
        ({"title": "x", "milestone_id": 999999}, "milestone_id"),
        ({"title": "x", "task_ids": [999999]}, "task_ids"),
        ({"title": ""}, "title"),
    ],
)
def test_api_bad_input(world, body, field):
    response = world.api(world.member).post(f"/projects/{world.project.pk}/needs", body)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


def test_api_foreign_ids_in_body_are_refused(world):
    response = world.api(world.member).post(
        f"/projects/{world.project.pk}/needs", {"title": "x", "source_contact_id": world.foreign_contact.pk}
    )
    assert response.status_code == 422


def test_api_crud_and_other_organisation_404(world):
    api = world.api(world.member)
    task = f.TaskFactory(project=world.project)
    created = api.post(f"/projects/{world.project.pk}/needs", {"title": "Reports", "task_ids": [task.pk]})
    assert created.status_code == 201 and created.json()["task_ids"] == [task.pk]
    need_id = created.json()["id"]
    assert api.post(f"/needs/{need_id}/status", {"status": "agreed"}).json()["status"] == "agreed"
    assert api.post(f"/needs/{need_id}/status", {"status": "accepted"}).status_code == 422
    assert (
        api.patch(f"/needs/{need_id}", {"business_goal": "Save time"}).json()["business_goal"] == "Save time"
    )
    foreign = NeedFactory(project=world.foreign_project)
    admin = world.api(world.admin)
    assert admin.get(f"/needs/{foreign.pk}").status_code == 404
    assert admin.patch(f"/needs/{foreign.pk}", {"title": "x"}).status_code == 404
    assert admin.post(f"/needs/{foreign.pk}/status", {"status": "agreed"}).status_code == 404
    assert admin.delete(f"/needs/{foreign.pk}").status_code == 404
    assert admin.get(f"/projects/{world.foreign_project.pk}/needs").status_code == 404
    assert api.delete(f"/needs/{need_id}").status_code == 204
