import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accord.audit.models import AuditEntry
from accord.comms.models import Event
from accord.projects import services
from accord.projects.models import Milestone, MilestoneStatus, Project, ProjectStatus, Task, TaskStatus
from accord.testing import factories as f

TODAY = timezone.localdate()


def m(world, user):
    return world.memberships[user.pk]


def new_project(world, **overrides):
    data = {
        "client": world.client,
        "code": "NEW-1",
        "name": "New project",
        "start_date": TODAY,
        "end_date": TODAY + dt.timedelta(days=60),
    }
    data.update(overrides)
    return services.project_create(actor=m(world, world.manager), **data)


def errors_of(exc_info):
    return exc_info.value.message_dict


def test_create_sets_manager_team_contacts_currency_and_audits(world):
    world.client.currency = "CNY"
    world.client.save()
    project = new_project(world, team=[world.member], contacts=[world.contact], budget_amount="1200.456")
    assert project.manager == world.manager
    assert list(project.team.all()) == [world.member]
    assert list(project.contacts.all()) == [world.contact]
    assert project.currency == "CNY"  # the client's currency by default
    assert project.budget_amount == Decimal("1200.46")
    assert AuditEntry.objects.filter(object_id=str(project.pk), action="create").exists()


def test_member_may_not_create_projects(world):
    with pytest.raises(PermissionDenied):
        services.project_create(
            actor=m(world, world.member),
            client=world.client,
            code="X",
            name="X",
            start_date=TODAY,
            end_date=TODAY,
        )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_date": TODAY - dt.timedelta(days=1)}, "end_date"),
        ({"budget_amount": "-1"}, "budget_amount"),
        ({"budget_amount": "lots"}, "budget_amount"),
        ({"currency": "XYZ"}, "currency"),
        ({"code": ""}, "code"),
        ({"name": "  "}, "name"),
        ({"start_date": "not a date"}, "start_date"),
        ({"status": "sleeping"}, "status"),
        ({"rag": "blue"}, "rag"),
    ],
)
def test_create_refuses_bad_input_and_saves_nothing(world, overrides, field):
    before = Project.objects.count()
    with pytest.raises(ValidationError) as exc:
        new_project(world, **overrides)
    assert field in errors_of(exc)
    assert Project.objects.count() == before


def test_code_is_unique_per_organisation_but_not_across(world):
    new_project(world, code="DUP-1")
    with pytest.raises(ValidationError) as exc:
        new_project(world, code="dup-1")
    assert "code" in errors_of(exc)
    other = services.project_create(
        actor=m(world, world.outsider),
        client=world.foreign_client,
        code="DUP-1",
        name="Theirs",
        start_date=TODAY,
        end_date=TODAY,
    )
    assert other.organization == world.other_org


def test_people_from_elsewhere_are_refused_naming_the_field(world):
    with pytest.raises(ValidationError) as exc:
        new_project(world, client=world.foreign_client)
    assert "client_id" in errors_of(exc)
    with pytest.raises(ValidationError) as exc:
        new_project(world, manager=world.outsider)
    assert "manager_id" in errors_of(exc)
    with pytest.raises(ValidationError) as exc:
        new_project(world, manager=world.client_user)  # a client contact is not on the team
    assert "manager_id" in errors_of(exc)
    with pytest.raises(ValidationError) as exc:
        new_project(world, team=[world.member, world.outsider])
    assert "team_ids" in errors_of(exc)
    other_client_contact = f.ContactFactory(client=f.ClientFactory(organization=world.org))
    with pytest.raises(ValidationError) as exc:
        new_project(world, contacts=[other_client_contact])
    assert "contact_ids" in errors_of(exc)
    with pytest.raises(ValidationError) as exc:
        new_project(world, contacts=[world.foreign_contact])
    assert "contact_ids" in errors_of(exc)


def test_update_close_and_reopen(world):
    project = world.project
    services.project_update(
        actor=m(world, world.manager), project=project, rag="amber", name="ERP rollout II"
    )
    project.refresh_from_db()
    assert (project.rag, project.name) == ("amber", "ERP rollout II")
    services.project_close(actor=m(world, world.manager), project=project)
    project.refresh_from_db()
    assert project.status == ProjectStatus.CLOSED
    assert project.actual_end_date == TODAY
    services.project_update(actor=m(world, world.manager), project=project, status=ProjectStatus.ACTIVE)
    project.refresh_from_db()
    assert project.actual_end_date is None


def test_update_keeps_contacts_of_the_client_only_when_client_changes(world):
    other_client = f.ClientFactory(organization=world.org)
    with pytest.raises(ValidationError) as exc:
        services.project_update(actor=m(world, world.manager), project=world.project, client=other_client)
    assert "contact_ids" in errors_of(exc)
    services.project_update(
        actor=m(world, world.manager), project=world.project, client=other_client, contacts=[]
    )
    world.project.refresh_from_db()
    assert world.project.client == other_client


def test_delete_removes_milestones_and_tasks(world):
    ms = f.MilestoneFactory(project=world.project)
    f.TaskFactory(project=world.project, milestone=ms)
    services.project_delete(actor=m(world, world.manager), project=world.project)
    assert not Project.objects.filter(pk=world.project.pk).exists()
    assert not Task.objects.filter(project_id=world.project.pk).exists()


def test_milestone_baseline_slip_and_completion_event(world):
    due = TODAY + dt.timedelta(days=10)
    ms = services.milestone_create(
        actor=m(world, world.member), project=world.project, name="Design", due_date=due
    )
    assert ms.baseline_due_date == due
    ms = services.milestone_update(
        actor=m(world, world.member), milestone=ms, due_date=due + dt.timedelta(days=5)
    )
    assert ms.baseline_due_date == due
    assert ms.slip_days == 5
    ms = services.milestone_complete(actor=m(world, world.member), milestone=ms)
    assert ms.status == MilestoneStatus.DONE
    assert ms.completed_on == TODAY
    event = Event.objects.get(name="milestone.completed")
    assert event.payload["milestone_id"] == ms.pk
    assert event.payload["project_code"] == world.project.code
    assert event.payload["milestone_name"] == "Design"
    ms = services.milestone_update(actor=m(world, world.member), milestone=ms, status=MilestoneStatus.PLANNED)
    assert ms.completed_on is None


def test_milestone_bad_input(world):
    with pytest.raises(ValidationError) as exc:
        services.milestone_create(actor=m(world, world.member), project=world.project, name="", due_date=None)
    assert {"name", "due_date"} <= set(errors_of(exc))
    assert not Milestone.objects.exists()


def test_milestone_delete_keeps_its_tasks(world):
    ms = f.MilestoneFactory(project=world.project)
    task = f.TaskFactory(project=world.project, milestone=ms)
    services.milestone_delete(actor=m(world, world.manager), milestone=ms)
    task.refresh_from_db()
    assert task.milestone is None


def test_task_create_validates_assignee_and_milestone(world):
    foreign_ms = f.MilestoneFactory(project=world.other_project)
    with pytest.raises(ValidationError) as exc:
        services.task_create(
            actor=m(world, world.member), project=world.project, title="T", milestone=foreign_ms
        )
    assert "milestone_id" in errors_of(exc)
    with pytest.raises(ValidationError) as exc:
        services.task_create(
            actor=m(world, world.member), project=world.project, title="T", assignee=world.outsider
        )
    assert "assignee_id" in errors_of(exc)
    with pytest.raises(ValidationError) as exc:
        services.task_create(
            actor=m(world, world.member), project=world.project, title="T", estimate_hours="-2"
        )
    assert "estimate_hours" in errors_of(exc)
    assert not Task.objects.exists()


def test_task_done_sets_done_on_emits_and_leaving_done_clears(world):
    task = services.task_create(
        actor=m(world, world.manager), project=world.project, title="Load masters", assignee=world.member
    )
    assert task.position == 0
    task = services.task_move(actor=m(world, world.member), task=task, status=TaskStatus.DONE)
    assert task.done_on == TODAY
    event = Event.objects.get(name="task.done")
    assert event.payload == {
        "task_id": task.pk,
        "task_title": "Load masters",
        "project_id": world.project.pk,
        "project_code": world.project.code,
        "project_name": world.project.name,
        "milestone_id": None,
        "milestone_name": None,
        "assignee_id": world.member.pk,
        "done_on": TODAY.isoformat(),
    }
    task = services.task_move(actor=m(world, world.member), task=task, status=TaskStatus.DOING)
    assert task.done_on is None
    task = services.task_update(actor=m(world, world.member), task=task, status=TaskStatus.DONE)
    assert task.done_on == TODAY
    assert Event.objects.filter(name="task.done").count() == 2


def test_assigning_a_task_notifies_the_assignee(world):
    from accord.comms.models import Notification

    services.task_create(
        actor=m(world, world.manager), project=world.project, title="Map fields", assignee=world.member
    )
    assert Notification.objects.filter(user=world.member, title__contains="Map fields").exists()


def test_task_move_places_within_column(world):
    actor = m(world, world.member)
    a, b, c = (services.task_create(actor=actor, project=world.project, title=t) for t in "abc")
    assert [a.position, b.position, c.position] == [0, 1, 2]
    services.task_move(actor=actor, task=c, status=TaskStatus.TODO, position=0)
    order = list(
        Task.objects.filter(project=world.project).order_by("position").values_list("title", flat=True)
    )
    assert order == ["c", "a", "b"]
    services.task_move(actor=actor, task=a, status=TaskStatus.DOING)
    a.refresh_from_db()
    assert (a.status, a.position) == (TaskStatus.DOING, 0)
    with pytest.raises(ValidationError):
        services.task_move(actor=actor, task=a, status="nowhere")
    with pytest.raises(ValidationError):
        services.task_move(actor=actor, task=a, status=TaskStatus.TODO, position="x")


def test_task_delete_is_audited(world):
    task = f.TaskFactory(project=world.project)
    pk = task.pk
    services.task_delete(actor=m(world, world.member), task=task)
    assert AuditEntry.objects.filter(object_id=str(pk), action="delete").exists()
    assert not Task.objects.filter(pk=pk).exists()
