import datetime as dt

import pytest
from django.utils import timezone

from accord.testing import factories as f


def test_anonymous_is_sent_to_sign_in(world):
    response = world.http(None).get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/signin/")


def test_dashboard_lists_my_projects_overdue_tasks_and_follow_ups(world):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    f.TaskFactory(
        project=world.project, title="Write interface spec", assignee=world.member, due_date=yesterday
    )
    f.InteractionFactory(
        client=world.client,
        summary="Call back about invoices",
        follow_up_on=timezone.localdate(),
        follow_up_owner=world.member,
    )
    response = world.http(world.member).get("/dashboard/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "ERP rollout" in body
    assert "Data migration" not in body  # the member is not on that project
    assert "Write interface spec" in body
    assert "Call back about invoices" in body


def test_dashboard_lists_milestones_due_in_the_next_two_weeks(world):
    today = timezone.localdate()
    f.MilestoneFactory(
        project=world.project, name="Blueprint sign-off", due_date=today + dt.timedelta(days=5)
    )
    f.MilestoneFactory(project=world.project, name="Go-live", due_date=today + dt.timedelta(days=40))
    f.MilestoneFactory(project=world.other_project, name="Cut-over rehearsal", due_date=today)
    f.MilestoneFactory(project=world.foreign_project, name="Rival milestone", due_date=today)
    body = world.http(world.member).get("/dashboard/").content.decode()
    assert "Blueprint sign-off" in body
    assert "Go-live" not in body  # beyond 14 days
    assert "Cut-over rehearsal" not in body  # not the member's project
    assert "Rival milestone" not in body


def test_dashboard_shows_progress_of_my_projects(world):
    f.TaskFactory(project=world.project, status="done")
    f.TaskFactory(project=world.project)
    f.TaskFactory(project=world.project, status="done")
    f.TaskFactory(project=world.project, status="done")
    body = world.http(world.member).get("/dashboard/").content.decode()
    assert "75% · 3/4" in body


def test_client_contact_is_sent_to_the_portal(world):
    response = world.http(world.client_user).get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


@pytest.mark.parametrize("rows", [2, 50])
def test_dashboard_query_count_does_not_grow(world, rows, django_assert_num_queries):
    for i in range(rows):
        project = f.ProjectFactory(client=world.client, manager=world.manager, code=f"Q-{rows}-{i}")
        f.TaskFactory(
            project=project, assignee=world.manager, due_date=timezone.localdate() - dt.timedelta(days=2)
        )
        f.MilestoneFactory(project=project, due_date=timezone.localdate() + dt.timedelta(days=3))
    http = world.http(world.manager)
    http.get("/dashboard/")  # warm the session
    # session, membership, my projects (which, then their counts), overdue tasks, follow-ups,
    # milestones (the soonest, then which of them are on my projects), action items, client
    # updates due, clients at risk … — the same number whatever the data.
    with django_assert_num_queries(14):
        assert http.get("/dashboard/").status_code == 200


def test_switching_language_is_kept_on_the_user(world):
    http = world.http(world.member)
    response = http.post("/i18n/setlang/", {"language": "zh-hans", "next": "/dashboard/"})
    assert response.status_code == 302
    world.member.refresh_from_db()
    assert world.member.language == "zh-hans"


def test_main_menu_shows_plain_links_and_groups(world):
    body = world.http(world.admin).get("/dashboard/").content.decode()
    assert '<a href="/clients/"' in body  # a plain entry is a link on the bar
    assert '<details class="navgroup"><summary>Setup</summary>' in body  # admin pages are grouped
    assert body.count('<details class="navgroup">') == 2


def test_overdue_action_items_from_meetings_are_on_the_dashboard(world):
    from accord.meetings.tests.factories import ActionItemFactory, MeetingFactory
    from accord.projects.models import TaskKind

    meeting = MeetingFactory(project=world.project, title="Steering committee")
    late = f.TaskFactory(
        project=world.project,
        kind=TaskKind.ACTION_ITEM,
        title="Send the data mapping sheet",
        due_date=timezone.localdate() - dt.timedelta(days=3),
    )
    ActionItemFactory(meeting=meeting, task=late, owner_contact=world.contact)
    body = world.http(world.manager).get("/dashboard/").content.decode()
    assert "Send the data mapping sheet" in body and "Steering committee" in body


def test_dashboard_shows_the_twenty_projects_ending_first_once_each(world):
    today = timezone.localdate()
    for i in range(25):
        project = f.ProjectFactory(
            client=world.client,
            manager=world.member if i % 2 else world.manager,
            code=f"E-{i:02d}",
            name=f"Ending {i:02d}",
            start_date=today - dt.timedelta(days=30),
            end_date=today + dt.timedelta(days=60 - i),
        )
        project.team.add(world.member)  # managed and on the team: still listed once
        f.TaskFactory(project=project, status="done")
    body = world.http(world.member).get("/dashboard/").content.decode()
    shown = [f"Ending {i:02d}" for i in range(25) if f"Ending {i:02d}<" in body]
    assert shown == [f"Ending {i:02d}" for i in range(5, 25)]
    assert body.index("Ending 24<") < body.index("Ending 05<")  # nearest end first
    assert body.count("Ending 24<") == 1
    assert "100% · 1/1" in body
