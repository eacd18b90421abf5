import datetime as dt
import re

import pytest
from django.utils import timezone

from accord.projects.models import Milestone, MilestoneStatus, Project, Task, TaskStatus
from accord.testing import factories as f

TODAY = timezone.localdate()


def project_form(world, **overrides):
    data = {
        "client": world.client.pk,
        "code": "WEB-9",
        "name": "Website relaunch",
        "manager": world.manager.pk,
        "start_date": TODAY.isoformat(),
        "end_date": (TODAY + dt.timedelta(days=90)).isoformat(),
        "budget_amount": "25000",
        "currency": "EUR",
        "status": "active",
        "rag": "green",
        "team": [world.member.pk],
        "contacts": [world.contact.pk],
        "description": "**Scope**",
    }
    data.update(overrides)
    return data


def test_project_list_shows_progress_rag_and_overdue(world):
    f.TaskFactory(project=world.project, status=TaskStatus.DONE)
    f.TaskFactory(project=world.project, due_date=TODAY - dt.timedelta(days=1))
    body = world.http(world.member).get("/projects/").content.decode()
    assert "ERP rollout" in body
    assert "Data migration" not in body  # the member is not on it
    assert "50%" in body
    assert "1 overdue" in body
    assert "Rival project" not in body


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("q=rollout", "ERP rollout", "Data migration"),
        ("status=closed", "Data migration", "ERP rollout"),
        ("rag=red", "ERP rollout", "Data migration"),
    ],
)
def test_project_list_filters(world, query, shown, hidden):
    world.project.rag = "red"
    world.project.save()
    world.other_project.status = "closed"
    world.other_project.save()
    body = world.http(world.manager).get(f"/projects/?{query}").content.decode()
    assert shown in body
    assert hidden not in body


def test_project_list_filters_by_client_and_manager(world):
    other_client = f.ClientFactory(organization=world.org, name="Berlin Retail")
    f.ProjectFactory(client=other_client, name="Shop relaunch", manager=world.admin)
    http = world.http(world.admin)
    body = http.get(f"/projects/?client={other_client.pk}").content.decode()
    assert "Shop relaunch" in body and "ERP rollout" not in body
    body = http.get(f"/projects/?manager={world.manager.pk}").content.decode()
    assert "ERP rollout" in body and "Shop relaunch" not in body
    # a bad filter value is a form error, not a crash
    assert http.get("/projects/?client=abc&status=nope").status_code == 200


@pytest.mark.parametrize("rows", [2, 50])
def test_project_list_query_count(world, rows, django_assert_num_queries):
    for i in range(rows):
        p = f.ProjectFactory(client=world.client, manager=world.manager, code=f"Q{rows}-{i}")
        p.team.add(world.member)
        f.TaskFactory(project=p)
    http = world.http(world.member)
    http.get("/projects/")
    with django_assert_num_queries(
        9
    ):  # the page's ids, its rows with their counts, and for the pager their count
        assert http.get("/projects/?status=open&q=Project").status_code == 200


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_project_list_pages_through_every_project(world, language):
    """Before: the first 200 only, and a note to narrow the filters; a team with more projects
    could not reach the others from the list."""
    for i in range(60):
        f.ProjectFactory(
            client=world.client, manager=world.manager, code=f"PG-{i:02d}", name=f"Paged {i:02d}"
        )
    http = world.http(world.manager)
    http.cookies["django_language"] = language
    first = http.get("/projects/?q=Paged", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    second = http.get("/projects/?q=Paged&page=2", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    shown = [re.findall(r"Paged \d\d", page) for page in (first, second)]
    assert (len(shown[0]), len(shown[1])) == (50, 10)
    assert sorted(shown[0] + shown[1]) == [f"Paged {i:02d}" for i in range(60)]
    pager = {"en": "Page 1 of 2", "zh-hans": "第 1 页，共 2 页"}[language]
    assert pager in first
    assert 'href="?q=Paged&amp;page=2"' in first


def test_create_project(world):
    http = world.http(world.manager)
    assert http.get("/projects/new/").status_code == 200
    response = http.post("/projects/new/", project_form(world))
    assert response.status_code == 302
    project = Project.objects.get(code="WEB-9")
    assert response["Location"] == f"/projects/{project.pk}/"
    assert list(project.team.all()) == [world.member]
    assert list(project.contacts.all()) == [world.contact]


def test_member_cannot_create_projects(world):
    assert world.http(world.member).get("/projects/new/").status_code == 403


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_date": (TODAY - dt.timedelta(days=1)).isoformat()}, "end_date"),
        ({"budget_amount": "-5"}, "budget_amount"),
        ({"currency": "XYZ"}, "currency"),
        ({"code": "P-dup"}, "code"),
        ({"client": "999999"}, "client"),
        ({"team": [999999]}, "team"),
        ({"contacts": [0]}, "contacts"),
    ],
)
def test_create_project_bad_input_shows_errors_beside_fields(world, overrides, field):
    world.project.code = "P-DUP"
    world.project.save()
    before = Project.objects.count()
    response = world.http(world.manager).post("/projects/new/", project_form(world, **overrides))
    assert response.status_code == 422
    assert f'id="id_{field}_errors"' in response.content.decode()
    assert Project.objects.count() == before


def test_foreign_client_and_contact_are_refused(world):
    http = world.http(world.manager)
    response = http.post("/projects/new/", project_form(world, client=world.foreign_client.pk))
    assert 'id="id_client_errors"' in response.content.decode()
    other_client = f.ClientFactory(organization=world.org)
    response = http.post("/projects/new/", project_form(world, client=other_client.pk))
    assert 'id="id_contacts_errors"' in response.content.decode()
    assert not Project.objects.filter(code="WEB-9").exists()


def test_edit_project_by_manager_and_not_by_member(world):
    http = world.http(world.manager)
    assert http.get(f"/projects/{world.project.pk}/edit/").status_code == 200
    response = http.post(
        f"/projects/{world.project.pk}/edit/",
        project_form(world, code=world.project.code, name="ERP II", rag="amber"),
    )
    assert response.status_code == 302
    world.project.refresh_from_db()
    assert (world.project.name, world.project.rag) == ("ERP II", "amber")
    assert world.http(world.member).get(f"/projects/{world.project.pk}/edit/").status_code == 403


def test_other_manager_can_read_but_not_change(world):
    other_manager = f.MembershipFactory(organization=world.org, role="manager").user
    http = world.http(other_manager)
    assert http.get(f"/projects/{world.project.pk}/").status_code == 200
    assert http.get(f"/projects/{world.project.pk}/board/").status_code == 200
    task = f.TaskFactory(project=world.project)
    assert http.post(f"/tasks/{task.pk}/move/", {"status": "done"}).status_code == 403
    assert http.get(f"/projects/{world.project.pk}/edit/").status_code == 403
    task.refresh_from_db()
    assert task.status == TaskStatus.TODO


def test_overview_shows_progress_milestones_team_budget_history(world):
    ms = f.MilestoneFactory(
        project=world.project, name="Blueprint signed", due_date=TODAY + dt.timedelta(days=3)
    )
    ms.baseline_due_date = TODAY - dt.timedelta(days=4)
    ms.save()
    f.TaskFactory(project=world.project, status=TaskStatus.DONE, milestone=ms)
    f.TaskFactory(project=world.project, title="Chase sign-off", due_date=TODAY - dt.timedelta(days=2))
    f.InteractionFactory(client=world.client, project=world.project, summary="Kick-off call")
    response = world.http(world.member).get(f"/projects/{world.project.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Blueprint signed" in body
    assert "7 days" in body  # slip against the baseline
    assert "Chase sign-off" in body
    assert "Kick-off call" in body
    assert "member@acme.example" in body or world.member.get_full_name() in body
    assert "李娜" in body or "Li" in body
    assert "50%" in body


def test_other_organisation_is_404_everywhere(world):
    http = world.http(world.outsider)
    project = world.project
    task = f.TaskFactory(project=project)
    ms = f.MilestoneFactory(project=project)
    for url in [
        f"/projects/{project.pk}/",
        f"/projects/{project.pk}/edit/",
        f"/projects/{project.pk}/milestones/",
        f"/projects/{project.pk}/tasks/",
        f"/projects/{project.pk}/board/",
        f"/projects/{project.pk}/tasks/new/",
        f"/tasks/{task.pk}/",
        f"/tasks/{task.pk}/edit/",
        f"/milestones/{ms.pk}/edit/",
    ]:
        assert http.get(url).status_code == 404, url
    assert http.post(f"/tasks/{task.pk}/move/", {"status": "done"}).status_code == 404
    assert http.post(f"/milestones/{ms.pk}/complete/").status_code == 404
    assert http.post(f"/projects/{project.pk}/delete/").status_code == 404
    assert Project.objects.filter(pk=project.pk).exists()


def test_member_not_on_project_gets_404(world):
    http = world.http(world.member)
    assert http.get(f"/projects/{world.other_project.pk}/").status_code == 404
    task = f.TaskFactory(project=world.other_project)
    assert http.get(f"/tasks/{task.pk}/").status_code == 404


def test_milestones_page_add_edit_complete_delete(world):
    http = world.http(world.member)
    url = f"/projects/{world.project.pk}/milestones/"
    assert http.get(url).status_code == 200
    due = TODAY + dt.timedelta(days=20)
    response = http.post(
        f"/projects/{world.project.pk}/milestones/new/",
        {"name": "Go-live", "due_date": due.isoformat(), "status": "planned", "client_visible": "on"},
    )
    assert response.status_code == 302
    ms = Milestone.objects.get(name="Go-live")
    assert ms.baseline_due_date == due
    response = http.post(
        f"/milestones/{ms.pk}/edit/",
        {"name": "Go-live", "due_date": (due + dt.timedelta(days=3)).isoformat(), "status": "planned"},
    )
    assert response.status_code == 302
    assert "3 days" in http.get(url).content.decode()
    assert http.post(f"/milestones/{ms.pk}/complete/").status_code == 302
    ms.refresh_from_db()
    assert ms.status == MilestoneStatus.DONE
    f.TaskFactory(project=world.project, milestone=ms, status=TaskStatus.DONE)
    ms.status = MilestoneStatus.PLANNED
    ms.save()
    assert "Ready to mark reached" in http.get(url).content.decode()
    assert http.get(f"/milestones/{ms.pk}/delete/").status_code == 200
    assert http.post(f"/milestones/{ms.pk}/delete/").status_code == 302
    assert not Milestone.objects.filter(pk=ms.pk).exists()


def test_milestone_bad_input(world):
    response = world.http(world.member).post(
        f"/projects/{world.project.pk}/milestones/new/", {"name": "", "due_date": "soon", "status": "planned"}
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_name_errors"' in body and 'id="id_due_date_errors"' in body
    assert not Milestone.objects.exists()


def test_task_list_filters_and_sort(world):
    ms = f.MilestoneFactory(project=world.project, name="Phase 1")
    f.TaskFactory(
        project=world.project, title="Alpha", assignee=world.member, due_date=TODAY + dt.timedelta(days=5)
    )
    f.TaskFactory(project=world.project, title="Beta", milestone=ms, due_date=TODAY - dt.timedelta(days=5))
    f.TaskFactory(project=world.project, title="Gamma", status=TaskStatus.BLOCKED)
    http = world.http(world.member)
    base = f"/projects/{world.project.pk}/tasks/"
    body = http.get(base).content.decode()
    assert all(t in body for t in ("Alpha", "Beta", "Gamma"))
    body = http.get(f"{base}?assignee={world.member.pk}").content.decode()
    assert "Alpha" in body and "Beta" not in body
    body = http.get(f"{base}?milestone={ms.pk}").content.decode()
    assert "Beta" in body and "Alpha" not in body
    body = http.get(f"{base}?overdue=on").content.decode()
    assert "Beta" in body and "Alpha" not in body and "Gamma" not in body
    body = http.get(f"{base}?status=blocked").content.decode()
    assert "Gamma" in body and "Alpha" not in body
    body = http.get(f"{base}?q=alp").content.decode()
    assert "Alpha" in body and "Beta" not in body
    body = http.get(f"{base}?sort=due").content.decode()
    assert body.index("Beta") < body.index("Alpha")
    body = http.get(f"{base}?sort=-due").content.decode()
    assert body.index("Alpha") < body.index("Beta")
    assert http.get(f"{base}?assignee=x&milestone=y&sort=z").status_code == 200


@pytest.mark.parametrize("rows", [2, 50])
def test_task_list_query_count(world, rows, django_assert_num_queries):
    ms = f.MilestoneFactory(project=world.project)
    for _ in range(rows):
        f.TaskFactory(project=world.project, assignee=world.member, milestone=ms)
    http = world.http(world.member)
    url = f"/projects/{world.project.pk}/tasks/"
    http.get(url)
    with django_assert_num_queries(9):
        assert http.get(url).status_code == 200


@pytest.mark.parametrize("rows", [2, 50])
def test_board_query_count(world, rows, django_assert_num_queries):
    ms = f.MilestoneFactory(project=world.project)
    for i in range(rows):
        f.TaskFactory(
            project=world.project, assignee=world.member, milestone=ms, status=TaskStatus.values[i % 4]
        )
    http = world.http(world.member)
    url = f"/projects/{world.project.pk}/board/"
    http.get(url)
    with django_assert_num_queries(7):
        assert http.get(url).status_code == 200


@pytest.mark.parametrize(
    ("language", "announced"), [("en", "“Cut over” moved to Done."), ("zh-hans", "“Cut over”已移至已完成。")]
)
def test_board_move_with_htmx_returns_the_board(world, language, announced):
    task = f.TaskFactory(project=world.project, title="Cut over")
    http = world.http(world.member)
    http.post("/i18n/setlang/", {"language": language, "next": "/"})
    board = http.get(f"/projects/{world.project.pk}/board/").content.decode()
    assert 'draggable="true"' in board
    assert f'data-move-url="/tasks/{task.pk}/move/"' in board
    assert 'id="board-announce"' in board and "data-moved" not in board
    response = http.post(f"/tasks/{task.pk}/move/", {"status": "done"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    # The board names the moved card (the page keeps the keyboard on it) and what to announce.
    assert body.startswith(f'<div id="board" data-moved="task-{task.pk}" data-announce="{announced}">')
    assert "100%" in body
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.done_on == TODAY


def test_board_move_without_js_redirects(world):
    task = f.TaskFactory(project=world.project)
    response = world.http(world.member).post(f"/tasks/{task.pk}/move/", {"status": "blocked"})
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{world.project.pk}/board/"
    task.refresh_from_db()
    assert task.status == TaskStatus.BLOCKED


def test_board_move_bad_status(world):
    task = f.TaskFactory(project=world.project)
    http = world.http(world.member)
    response = http.post(f"/tasks/{task.pk}/move/", {"status": "later"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert http.post(f"/tasks/{task.pk}/move/", {"status": "later"}).status_code == 302
    assert http.get(f"/tasks/{task.pk}/move/").status_code == 405
    task.refresh_from_db()
    assert task.status == TaskStatus.TODO


def test_task_create_detail_edit_delete(world):
    http = world.http(world.member)
    url = f"/projects/{world.project.pk}/tasks/new/"
    assert http.get(url).status_code == 200
    response = http.post(
        url,
        {
            "title": "Import BOMs",
            "status": "doing",
            "kind": "task",
            "assignee": world.member.pk,
            "estimate_hours": "6",
        },
    )
    assert response.status_code == 302
    task = Task.objects.get(title="Import BOMs")
    assert http.get(f"/tasks/{task.pk}/").status_code == 200
    response = http.post(
        f"/tasks/{task.pk}/edit/",
        {"title": "Import BOMs", "status": "done", "kind": "task", "spent_hours": "7"},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.done_on == TODAY and task.assignee is None
    assert http.get(f"/tasks/{task.pk}/delete/").status_code == 200
    assert http.post(f"/tasks/{task.pk}/delete/").status_code == 302
    assert not Task.objects.filter(pk=task.pk).exists()


def test_task_create_bad_input(world):
    foreign_ms = f.MilestoneFactory(project=world.other_project)
    response = world.http(world.member).post(
        f"/projects/{world.project.pk}/tasks/new/",
        {
            "title": "",
            "status": "someday",
            "kind": "task",
            "estimate_hours": "-1",
            "milestone": foreign_ms.pk,
        },
    )
    body = response.content.decode()
    for field in ("title", "status", "estimate_hours", "milestone"):
        assert f'id="id_{field}_errors"' in body
    assert not Task.objects.exists()


def test_close_and_delete_project(world):
    http = world.http(world.manager)
    assert http.post(f"/projects/{world.project.pk}/close/").status_code == 302
    world.project.refresh_from_db()
    assert world.project.status == "closed" and world.project.actual_end_date == TODAY
    assert world.http(world.member).post(f"/projects/{world.project.pk}/delete/").status_code == 403
    assert http.get(f"/projects/{world.project.pk}/delete/").status_code == 200
    assert http.post(f"/projects/{world.project.pk}/delete/").status_code == 302
    assert not Project.objects.filter(pk=world.project.pk).exists()


def test_pages_in_chinese(world):
    f.TaskFactory(project=world.project, title="导入物料主数据")
    http = world.http(world.member)
    http.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    body = http.get(f"/projects/{world.project.pk}/board/").content.decode()
    assert "看板" in body and "待办" in body and "受阻" in body
    body = http.get(f"/projects/{world.project.pk}/").content.decode()
    assert "里程碑" in body and "客户干系人" in body
