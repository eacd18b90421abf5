"""Organisation-wide lists show the rows of the projects the caller may see: every project of
their organisation for owners, admins and managers, their own for members, none of another
organisation's for anyone."""

import pytest

from accord.projects.models import Task
from accord.risks.models import Risk
from accord.tenancy.access import in_visible_projects
from accord.testing import factories as f


@pytest.fixture
def tasks(world):
    return {
        "own": f.TaskFactory(project=world.project, title="On the member's project"),
        "other": f.TaskFactory(project=world.other_project, title="On another project"),
        "foreign": f.TaskFactory(project=world.foreign_project, title="Another organisation's"),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "seen"),
    [
        ("owner", {"own", "other"}),
        ("admin", {"own", "other"}),
        ("manager", {"own", "other"}),
        ("member", {"own"}),
    ],
)
def test_each_role_sees_the_rows_of_its_projects(world, tasks, role, seen):
    member = world.as_member(getattr(world, role))
    found = set(in_visible_projects(Task.objects.all(), member).values_list("pk", flat=True))
    assert found == {tasks[name].pk for name in seen}
    # Through the API list, which pages newest first.
    items = world.api(getattr(world, role)).get("/tasks", {"limit": 200}).json()["items"]
    assert {item["id"] for item in items} == {tasks[name].pk for name in seen}


@pytest.mark.django_db
def test_another_organisations_admin_sees_only_their_own(world, tasks):
    member = world.as_member(world.outsider)
    assert set(in_visible_projects(Task.objects.all(), member).values_list("pk", flat=True)) == {
        tasks["foreign"].pk
    }
    risks = in_visible_projects(Risk.objects.all(), member)
    assert not risks.exclude(organization_id=world.other_org.pk).exists()


@pytest.mark.django_db
def test_a_client_contact_sees_only_the_projects_shared_with_them(world, tasks):
    member = world.as_member(world.client_user)
    assert set(in_visible_projects(Task.objects.all(), member).values_list("pk", flat=True)) == {
        tasks["own"].pk
    }
