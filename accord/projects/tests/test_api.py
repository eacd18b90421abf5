import datetime as dt

import pytest
from django.utils import timezone

from accord.comms.models import Event
from accord.projects.models import Milestone, Project, Task, TaskStatus
from accord.testing import factories as f

TODAY = timezone.localdate()


def body(world, **overrides):
    data = {
        "client_id": world.client.pk,
        "code": "API-1",
        "name": "API project",
        "start_date": TODAY.isoformat(),
        "end_date": (TODAY + dt.timedelta(days=30)).isoformat(),
        "team_ids": [world.member.pk],
        "contact_ids": [world.contact.pk],
        "budget_amount": "5000.00",
    }
    data.update(overrides)
    return data


def fields(response):
    return {e["field"] for e in response.json()["errors"]}


def test_create_get_update_delete_project(world):
    api = world.api(world.manager)
    response = api.post("/projects", body(world))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["manager_id"] == world.manager.pk
    assert data["team_ids"] == [world.member.pk]
    assert data["contact_ids"] == [world.contact.pk]
    assert data["currency"] == "EUR"
    assert data["progress"] == 0
    pid = data["id"]
    assert api.get(f"/projects/{pid}").json()["code"] == "API-1"
    response = api.patch(f"/projects/{pid}", {"rag": "red", "name": "Renamed", "team_ids": []})
    assert response.status_code == 200
    assert (response.json()["rag"], response.json()["name"], response.json()["team_ids"]) == (
        "red",
        "Renamed",
        [],
    )
    assert api.delete(f"/projects/{pid}").status_code == 204
    assert not Project.objects.filter(pk=pid).exists()


def test_project_progress_in_output(world):
    f.TaskFactory(project=world.project, status=TaskStatus.DONE)
    f.TaskFactory(project=world.project)
    f.TaskFactory(project=world.project)
    f.TaskFactory(project=world.project, status=TaskStatus.DONE)
    data = world.api(world.member).get(f"/projects/{world.project.pk}").json()
    assert data["progress"] == 50
    assert (data["tasks_done"], data["tasks_total"]) == (2, 4)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_date": (TODAY - dt.timedelta(days=1)).isoformat()}, "end_date"),
        ({"budget_amount": "-1"}, "budget_amount"),
        ({"currency": "ABC"}, "currency"),
        ({"client_id": 0}, "client_id"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"code": ""}, "code"),
        ({"status": "asleep"}, "status"),
    ],
)
def test_create_bad_input(world, overrides, field):
    response = world.api(world.manager).post("/projects", body(world, **overrides))
    assert response.status_code == 422
    assert field in fields(response)
    assert not Project.objects.filter(code="API-1").exists()


def test_duplicate_code(world):
    response = world.api(world.manager).post("/projects", body(world, code=world.project.code))
    assert response.status_code == 422
    assert fields(response) == {"code"}


def test_ids_from_another_organisation_are_422(world):
    api = world.api(world.manager)
    foreign_member = f.MembershipFactory(organization=world.other_org, role="member").user
    for overrides, field in [
        ({"client_id": world.foreign_client.pk, "contact_ids": []}, "client_id"),
        ({"manager_id": world.outsider.pk}, "manager_id"),
        ({"team_ids": [foreign_member.pk]}, "team_ids"),
        ({"contact_ids": [world.foreign_contact.pk]}, "contact_ids"),
    ]:
        response = api.post("/projects", body(world, **overrides))
        assert response.status_code == 422, overrides
        assert field in fields(response)
    foreign_ms = f.MilestoneFactory(project=world.foreign_project)
    url = f"/projects/{world.project.pk}/tasks"
    response = api.post(url, {"title": "x", "milestone_id": foreign_ms.pk})
    assert response.status_code == 422 and fields(response) == {"milestone_id"}
    response = api.post(url, {"title": "x", "assignee_id": world.outsider.pk})
    assert response.status_code == 422 and fields(response) == {"assignee_id"}
    assert not Task.objects.exists()


def test_ten_megabyte_body_is_refused(world):
    response = world.api(world.manager).post("/projects", body(world, description="x" * (10 * 1024 * 1024)))
    assert response.status_code in (413, 422)
    assert not Project.objects.filter(code="API-1").exists()


def test_other_organisation_is_404(world):
    api = world.api(world.outsider)
    task = f.TaskFactory(project=world.project)
    ms = f.MilestoneFactory(project=world.project)
    pid = world.project.pk
    for method, path in [
        ("get", f"/projects/{pid}"),
        ("patch", f"/projects/{pid}"),
        ("delete", f"/projects/{pid}"),
        ("get", f"/projects/{pid}/milestones"),
        ("post", f"/projects/{pid}/milestones"),
        ("get", f"/milestones/{ms.pk}"),
        ("patch", f"/milestones/{ms.pk}"),
        ("delete", f"/milestones/{ms.pk}"),
        ("get", f"/projects/{pid}/tasks"),
        ("post", f"/projects/{pid}/tasks"),
        ("get", f"/tasks/{task.pk}"),
        ("patch", f"/tasks/{task.pk}"),
        ("delete", f"/tasks/{task.pk}"),
    ]:
        if method in ("post", "patch"):
            response = getattr(api, method)(path, {"name": "x", "title": "x", "due_date": TODAY.isoformat()})
        else:
            response = getattr(api, method)(path)
        assert response.status_code == 404, (method, path)
    assert api.get("/projects").json()["items"][0]["id"] == world.foreign_project.pk
    assert Task.objects.filter(pk=task.pk).exists() and Milestone.objects.filter(pk=ms.pk).exists()


def test_rights_member_manager_admin(world):
    other_manager = f.MembershipFactory(organization=world.org, role="manager").user
    world.memberships[other_manager.pk] = other_manager.memberships.get()
    pid = world.project.pk
    # a member not on the project does not see it
    assert world.api(world.member).get(f"/projects/{world.other_project.pk}").status_code == 404
    # a manager of another project reads but may not change
    api = world.api(other_manager)
    assert api.get(f"/projects/{pid}").status_code == 200
    assert api.patch(f"/projects/{pid}", {"rag": "red"}).status_code == 403
    assert api.post(f"/projects/{pid}/tasks", {"title": "x"}).status_code == 403
    # a member on the project adds tasks but may not change settings or delete it
    member_api = world.api(world.member)
    assert member_api.post(f"/projects/{pid}/tasks", {"title": "x"}).status_code == 201
    assert member_api.patch(f"/projects/{pid}", {"rag": "red"}).status_code == 403
    assert member_api.delete(f"/projects/{pid}").status_code == 403
    assert member_api.post("/projects", body(world)).status_code == 403
    # an admin changes anything
    assert world.api(world.admin).patch(f"/projects/{pid}", {"rag": "amber"}).status_code == 200


def test_project_filters(world):
    world.other_project.status = "closed"
    world.other_project.save()
    api = world.api(world.manager)
    ids = lambda r: {p["id"] for p in r.json()["items"]}  # noqa: E731
    assert ids(api.get("/projects", {"status": "closed"})) == {world.other_project.pk}
    assert ids(api.get("/projects", {"q": "rollout"})) == {world.project.pk}
    assert ids(api.get("/projects", {"client_id": world.client.pk})) == {
        world.project.pk,
        world.other_project.pk,
    }
    assert ids(api.get("/projects", {"manager_id": world.admin.pk})) == set()
    assert api.get("/projects", {"status": "nope"}).status_code == 422


def test_keyset_pagination(world):
    for i in range(5):
        f.ProjectFactory(client=world.client, code=f"PG-{i}")
    api = world.api(world.admin)
    first = api.get("/projects", {"limit": 3}).json()
    second = api.get("/projects", {"limit": 3, "cursor": first["next_cursor"]}).json()
    seen = [p["id"] for p in first["items"] + second["items"]]
    assert len(seen) == len(set(seen)) == 6
    assert api.get("/projects", {"cursor": "!!"}).status_code == 422


def test_project_list_counts_and_ids_per_project(world):
    """The list's figures are each project's own, whatever its neighbours on the page hold."""
    busy = f.ProjectFactory(client=world.client, code="CNT-1", manager=world.manager)
    f.ProjectFactory(client=world.client, code="CNT-2")
    for status, due in (
        (TaskStatus.DONE, TODAY - dt.timedelta(days=3)),  # done: not overdue
        (TaskStatus.TODO, TODAY - dt.timedelta(days=1)),  # overdue
        (TaskStatus.BLOCKED, TODAY - dt.timedelta(days=9)),  # overdue
        (TaskStatus.TODO, TODAY),  # due today: not overdue
        (TaskStatus.TODO, None),
    ):
        f.TaskFactory(project=busy, status=status, due_date=due)
    f.MilestoneFactory(project=busy, status="done")
    f.MilestoneFactory(project=busy)
    busy.team.add(world.member, world.admin)
    busy.contacts.add(world.contact)
    items = {p["code"]: p for p in world.api(world.admin).get("/projects", {"limit": 200}).json()["items"]}
    figures = ("tasks_total", "tasks_done", "tasks_overdue", "milestones_total", "milestones_done")
    assert [items["CNT-1"][k] for k in figures] == [5, 1, 2, 2, 1]
    assert (items["CNT-1"]["progress"], items["CNT-1"]["milestone_progress"]) == (20, 50)
    assert items["CNT-1"]["team_ids"] == sorted([world.member.pk, world.admin.pk])
    assert items["CNT-1"]["contact_ids"] == [world.contact.pk]
    assert [items["CNT-2"][k] for k in figures] == [0, 0, 0, 0, 0]
    assert (items["CNT-2"]["team_ids"], items["CNT-2"]["contact_ids"]) == ([], [])
    one = world.api(world.admin).get(f"/projects/{busy.pk}").json()
    assert one == items["CNT-1"]


@pytest.mark.parametrize("rows", [2, 50])
def test_project_list_query_count(world, rows, django_assert_num_queries):
    for i in range(rows):
        p = f.ProjectFactory(client=world.client, code=f"QC-{rows}-{i}", manager=world.manager)
        p.team.add(world.member)
        p.contacts.add(world.contact)
        f.TaskFactory(project=p)
    api = world.api(world.member)
    api.get("/projects")  # the token's first use is recorded once
    with django_assert_num_queries(5):
        assert api.get("/projects", {"limit": 200}).status_code == 200


@pytest.mark.parametrize("rows", [2, 50])
def test_task_and_milestone_list_query_count(world, rows, django_assert_num_queries):
    for _ in range(rows):
        f.TaskFactory(project=world.project, assignee=world.member)
        f.MilestoneFactory(project=world.project)
    api = world.api(world.member)
    api.get("/tasks")  # the token's first use is recorded once
    with django_assert_num_queries(4):
        response = api.get(f"/projects/{world.project.pk}/tasks", {"limit": 200})
    assert len(response.json()["items"]) == rows
    with django_assert_num_queries(4):
        assert len(api.get(f"/projects/{world.project.pk}/milestones").json()["items"]) == rows
    with django_assert_num_queries(3):
        assert len(api.get("/tasks", {"limit": 200}).json()["items"]) == rows


def test_milestone_crud_and_completion(world):
    api = world.api(world.member)
    due = TODAY + dt.timedelta(days=7)
    response = api.post(
        f"/projects/{world.project.pk}/milestones", {"name": "Design", "due_date": due.isoformat()}
    )
    assert response.status_code == 201
    mid = response.json()["id"]
    assert response.json()["baseline_due_date"] == due.isoformat()
    response = api.patch(f"/milestones/{mid}", {"due_date": (due + dt.timedelta(days=2)).isoformat()})
    assert response.json()["slip_days"] == 2
    response = api.patch(f"/milestones/{mid}", {"status": "done"})
    assert response.json()["completed_on"] == TODAY.isoformat()
    assert Event.objects.filter(name="milestone.completed", payload__milestone_id=mid).exists()
    assert api.get(f"/milestones/{mid}").status_code == 200
    assert (
        api.post(f"/projects/{world.project.pk}/milestones", {"name": "", "due_date": "x"}).status_code == 422
    )
    assert api.delete(f"/milestones/{mid}").status_code == 204


def test_task_crud_move_and_filters(world):
    api = world.api(world.member)
    url = f"/projects/{world.project.pk}/tasks"
    ms = f.MilestoneFactory(project=world.project)
    response = api.post(
        url,
        {
            "title": "Convert vendors",
            "assignee_id": world.member.pk,
            "milestone_id": ms.pk,
            "due_date": (TODAY - dt.timedelta(days=1)).isoformat(),
            "estimate_hours": "4.5",
        },
    )
    assert response.status_code == 201
    tid = response.json()["id"]
    other = api.post(url, {"title": "Other"}).json()["id"]
    ids = lambda r: {t["id"] for t in r.json()["items"]}  # noqa: E731
    assert ids(api.get(url, {"overdue": "true"})) == {tid}
    assert ids(api.get(url, {"assignee_id": world.member.pk})) == {tid}
    assert ids(api.get(url, {"milestone_id": ms.pk})) == {tid}
    assert ids(api.get(url, {"due_before": TODAY.isoformat()})) == {tid}
    assert ids(api.get(url, {"status": "todo"})) == {tid, other}
    response = api.patch(f"/tasks/{tid}", {"status": "done"})
    assert response.status_code == 200
    assert response.json()["done_on"] == TODAY.isoformat()
    assert response.json()["is_overdue"] is False
    assert Event.objects.filter(name="task.done", payload__task_id=tid).exists()
    assert api.get(f"/projects/{world.project.pk}").json()["progress"] == 50
    response = api.patch(f"/tasks/{tid}", {"status": "doing", "title": "Convert all vendors"})
    assert (response.json()["status"], response.json()["done_on"], response.json()["title"]) == (
        "doing",
        None,
        "Convert all vendors",
    )
    assert api.patch(f"/tasks/{tid}", {"status": "later"}).status_code == 422
    assert api.patch(f"/tasks/{tid}", {"estimate_hours": "-1"}).status_code == 422
    assert api.get(f"/tasks/{tid}").status_code == 200
    assert api.delete(f"/tasks/{tid}").status_code == 204
