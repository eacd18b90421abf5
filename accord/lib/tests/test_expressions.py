"""CountOf: the same counts as the ORM's correlated subquery, on both databases."""

import datetime as dt

import pytest
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from accord.crm.models import Contact
from accord.lib.expressions import CountOf
from accord.projects.models import Project, Task, TaskStatus
from accord.testing import factories as f


def _subquery(rows):
    counted = rows.filter(project=OuterRef("pk")).order_by().values("project").annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n")[:1], output_field=IntegerField()), Value(0))


@pytest.fixture
def projects(world):
    today = dt.date(2030, 6, 1)
    busy = world.project
    for status, due in (
        (TaskStatus.DONE, today - dt.timedelta(days=3)),
        (TaskStatus.DONE, None),
        (TaskStatus.TODO, today - dt.timedelta(days=1)),
        (TaskStatus.TODO, today + dt.timedelta(days=1)),
        (TaskStatus.TODO, None),
    ):
        f.TaskFactory(project=busy, status=status, due_date=due)
    f.TaskFactory(project=world.other_project, status=TaskStatus.DONE)
    f.TaskFactory(project=world.foreign_project, status=TaskStatus.TODO, due_date=dt.date(2030, 5, 1))
    return today


def test_counts_are_the_orm_subquerys(world, projects):
    today = projects
    filters = {
        "total": Task.objects.all(),
        "done": Task.objects.filter(status=TaskStatus.DONE),
        "overdue": Task.objects.exclude(status=TaskStatus.DONE).filter(due_date__lt=today),
        "no_date": Task.objects.filter(due_date__isnull=True),
        "either": Task.objects.filter(Q(status=TaskStatus.DONE) | Q(due_date__gt=today)),
        "none": Task.objects.filter(status__in=[]),
    }
    ours = Project.objects.annotate(**{k: CountOf(rows, project="pk") for k, rows in filters.items()})
    theirs = Project.objects.annotate(**{k: _subquery(rows) for k, rows in filters.items()})
    columns = ["pk", *filters]
    expected = list(theirs.order_by("pk").values_list(*columns))
    assert list(ours.order_by("pk").values_list(*columns)) == expected
    by_project = {row[0]: row[1:] for row in expected}
    # total, done, overdue, without a date, done or due later, none
    assert by_project[world.project.pk] == (5, 2, 1, 2, 3, 0)
    assert by_project[world.other_project.pk] == (1, 1, 0, 1, 1, 0)


def test_it_filters_orders_and_nests(world, projects):
    done = Task.objects.filter(status=TaskStatus.DONE)
    counted = Project.objects.annotate(done=CountOf(done, project="pk"))
    assert list(counted.filter(done__gte=1).order_by("-done", "pk").values_list("pk", "done")) == [
        (world.project.pk, 2),
        (world.other_project.pk, 1),
    ]
    # Inside another query (the outer table under an alias of its own).
    inner = counted.filter(done=2).values("pk")
    assert list(Project.objects.filter(pk__in=inner)) == [world.project]
    # Matched on two fields: the organisation too.
    per_org = Project.objects.annotate(
        n=CountOf(Task.objects.all(), organization="organization_id", project="pk")
    ).get(pk=world.foreign_project.pk)
    assert per_org.n == 1


def test_it_refuses_what_it_cannot_spell(world):
    joined = Task.objects.filter(project__client__name="x")
    with pytest.raises(ValueError, match="no joins"):
        list(Project.objects.annotate(n=CountOf(joined, project="pk")))
    with pytest.raises(ValueError, match="own table"):
        list(Contact.objects.annotate(n=CountOf(Contact.objects.all(), client="client_id")))
    with pytest.raises(ValueError, match="inner=outer"):
        CountOf(Task.objects.all())
