"""The dashboard's milestones due soon: the soonest of the projects asked about, whichever way
they are found (the organisation's soonest read first, or the projects joined)."""

import datetime as dt

import pytest
from django.utils import timezone

from accord.projects.models import Project
from accord.projects.selectors import milestones_due_soon
from accord.testing import factories as f

pytestmark = pytest.mark.django_db


def _expected(world, projects, limit):
    due = []
    for project in projects:
        due.extend(
            project.milestones.filter(
                status="planned", due_date__lte=timezone.localdate() + dt.timedelta(days=14)
            )
        )
    return [m.pk for m in sorted(due, key=lambda m: (m.due_date, m.pk))][:limit]


@pytest.mark.parametrize(
    ("mine", "others", "limit"),
    [
        (30, 0, 20),  # all the soonest are mine: found among the organisation's soonest
        (3, 40, 20),  # few are mine, behind many others: the join
        (2, 2, 20),  # fewer than a page in all
        (12, 30, 5),  # mine interleaved with others'
    ],
)
def test_the_soonest_of_the_projects_asked_about(world, mine, others, limit):
    today = timezone.localdate()
    own = Project.objects.filter(pk=world.project.pk)
    for i in range(others):
        f.MilestoneFactory(project=world.other_project, due_date=today - dt.timedelta(days=60 - i))
    for i in range(mine):
        f.MilestoneFactory(project=world.project, due_date=today + dt.timedelta(days=i % 14))
    f.MilestoneFactory(project=world.project, due_date=today + dt.timedelta(days=30))  # not soon
    f.MilestoneFactory(project=world.foreign_project, due_date=today)  # another organisation's
    found = [m.pk for m in milestones_due_soon(world.org.pk, own, limit=limit)]
    assert found == _expected(world, [world.project], limit)
    assert len(found) == min(mine, limit)
    both = Project.objects.filter(pk__in=[world.project.pk, world.other_project.pk])
    found = [m.pk for m in milestones_due_soon(world.org.pk, both, limit=limit)]
    assert found == _expected(world, [world.project, world.other_project], limit)
