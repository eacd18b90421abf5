"""The project services check their own rule, whoever calls them: a view, the API, an import or a
script. Settings, closing and deleting take the project's manager or an admin; milestones and
tasks take someone on the project. Before, only the views' lookups checked: a service called
with a client contact's membership, a member of another project or another organisation's admin
changed the project."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accord.audit.models import AuditEntry
from accord.projects import services
from accord.projects.models import Milestone, Project, ProjectStatus, Task
from accord.testing import factories as f

TODAY = timezone.localdate()


def _writes(world):
    """Each write of a project's records, as a function of who acts, with what it should leave."""
    project = world.other_project
    milestone = f.MilestoneFactory(project=project)
    task = f.TaskFactory(project=project)
    return {
        "project_update": lambda actor: services.project_update(actor=actor, project=project, name="Renamed"),
        "project_close": lambda actor: services.project_close(actor=actor, project=project),
        "project_delete": lambda actor: services.project_delete(actor=actor, project=project),
        "milestone_create": lambda actor: services.milestone_create(
            actor=actor, project=project, name="Extra", due_date=TODAY + dt.timedelta(days=9)
        ),
        "milestone_update": lambda actor: services.milestone_update(
            actor=actor, milestone=milestone, name="Moved"
        ),
        "milestone_complete": lambda actor: services.milestone_complete(actor=actor, milestone=milestone),
        "milestone_delete": lambda actor: services.milestone_delete(actor=actor, milestone=milestone),
        "task_create": lambda actor: services.task_create(actor=actor, project=project, title="Sneaked in"),
        "task_update": lambda actor: services.task_update(actor=actor, task=task, title="Changed"),
        "task_move": lambda actor: services.task_move(actor=actor, task=task, status="done"),
        "task_delete": lambda actor: services.task_delete(actor=actor, task=task),
    }


WRITES = [
    "project_update",
    "project_close",
    "project_delete",
    "milestone_create",
    "milestone_update",
    "milestone_complete",
    "milestone_delete",
    "task_create",
    "task_update",
    "task_move",
    "task_delete",
]


def _state():
    return (
        list(Project.objects.order_by("pk").values_list("pk", "name", "status")),
        list(Milestone.objects.order_by("pk").values_list("pk", "name", "status")),
        list(Task.objects.order_by("pk").values_list("pk", "title", "status")),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("who", ["client_user", "member", "outsider"])
def test_a_service_refuses_whoever_may_not_change_the_project(world, write, who):
    # `member` is on the ERP project's team, not on this one; `outsider` is another organisation's admin.
    act = _writes(world)[write]
    before = _state()
    with pytest.raises(PermissionDenied):
        act(world.as_member(getattr(world, who)))
    assert _state() == before


@pytest.mark.parametrize("write", WRITES)
def test_the_same_service_lets_the_projects_manager_do_it(world, write):
    act = _writes(world)[write]
    act(world.as_member(world.manager))
    if write == "project_close":
        assert Project.objects.get(pk=world.other_project.pk).status == ProjectStatus.CLOSED


def test_a_team_member_writes_tasks_but_not_the_settings(world):
    member = world.as_member(world.member)
    task = services.task_create(actor=member, project=world.project, title="On my project")
    services.task_move(actor=member, task=task, status="done")
    with pytest.raises(PermissionDenied):
        services.project_update(actor=member, project=world.project, name="Not mine to rename")
    assert Project.objects.get(pk=world.project.pk).name == "ERP rollout"
