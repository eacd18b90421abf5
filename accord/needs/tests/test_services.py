"""Needs register rules."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accord.needs import services
from accord.needs.models import Need, NeedStatus
from accord.needs.tests.factories import NeedFactory
from accord.testing import factories as f


def test_create_with_source_tasks_and_milestone(world):
    task = f.TaskFactory(project=world.project)
    milestone = f.MilestoneFactory(project=world.project)
    interaction = f.InteractionFactory(client=world.client)
    need = services.need_create(
        actor=world.as_member(world.manager),
        project=world.project,
        title="Month-end close in 3 days",
        business_goal="Faster reporting",
        priority="must",
        acceptance_criteria="Close done in 3 working days",
        source_contact=world.contact,
        source_interaction=interaction,
        milestone=milestone,
        tasks=[task],
    )
    assert list(need.tasks.all()) == [task]
    assert need.status == NeedStatus.PROPOSED and need.milestone == milestone


@pytest.mark.parametrize(
    "field,make",
    [
        ("source_contact", lambda w: w.foreign_contact),
        ("source_interaction", lambda w: f.InteractionFactory(client=w.foreign_client)),
        ("milestone", lambda w: f.MilestoneFactory(project=w.other_project)),
    ],
)
def test_links_must_belong_to_the_project(world, field, make):
    with pytest.raises(ValidationError) as exc:
        services.need_create(
            actor=world.as_member(world.manager), project=world.project, title="X", **{field: make(world)}
        )
    assert field in exc.value.message_dict
    assert not Need.objects.exists()


def test_tasks_of_another_project_are_refused(world):
    with pytest.raises(ValidationError):
        services.need_create(
            actor=world.as_member(world.manager),
            project=world.project,
            title="X",
            tasks=[f.TaskFactory(project=world.other_project)],
        )
    assert not Need.objects.exists()


def test_bad_title_and_priority(world):
    with pytest.raises(ValidationError) as exc:
        services.need_create(
            actor=world.as_member(world.manager), project=world.project, title=" ", priority="urgent"
        )
    assert {"title", "priority"} <= set(exc.value.message_dict)


@pytest.mark.parametrize(
    "start,target,allowed",
    [
        (NeedStatus.PROPOSED, NeedStatus.AGREED, True),
        (NeedStatus.PROPOSED, NeedStatus.DELIVERED, False),
        (NeedStatus.AGREED, NeedStatus.IN_PROGRESS, True),
        (NeedStatus.IN_PROGRESS, NeedStatus.DELIVERED, True),
        (NeedStatus.DELIVERED, NeedStatus.ACCEPTED, True),
        (NeedStatus.DELIVERED, NeedStatus.IN_PROGRESS, True),
        (NeedStatus.ACCEPTED, NeedStatus.IN_PROGRESS, False),
        (NeedStatus.ACCEPTED, NeedStatus.DROPPED, False),
        (NeedStatus.PROPOSED, NeedStatus.DROPPED, True),
        (NeedStatus.DROPPED, NeedStatus.PROPOSED, True),
        (NeedStatus.DROPPED, NeedStatus.ACCEPTED, False),
    ],
)
def test_status_transitions(world, start, target, allowed):
    need = NeedFactory(project=world.project, status=start)
    if allowed:
        assert (
            services.need_set_status(actor=world.as_member(world.manager), need=need, status=target).status
            == target
        )
    else:
        with pytest.raises(ValidationError):
            services.need_set_status(actor=world.as_member(world.manager), need=need, status=target)
        need.refresh_from_db()
        assert need.status == start


def test_update_replaces_task_links(world):
    t1, t2 = f.TaskFactory(project=world.project), f.TaskFactory(project=world.project)
    need = services.need_create(
        actor=world.as_member(world.manager), project=world.project, title="X", tasks=[t1]
    )
    services.need_update(actor=world.as_member(world.manager), need=need, tasks=[t2])
    assert list(need.tasks.all()) == [t2]


def test_source_meeting_must_be_of_the_project(world):
    from accord.meetings.tests.factories import MeetingFactory

    own = MeetingFactory(project=world.project)
    need = services.need_create(
        actor=world.as_member(world.manager),
        project=world.project,
        title="From the kick-off",
        source_meeting=own,
    )
    assert need.source_meeting == own
    with pytest.raises(ValidationError) as exc:
        services.need_create(
            actor=world.as_member(world.manager),
            project=world.project,
            title="X",
            source_meeting=MeetingFactory(project=world.other_project),
        )
    assert "source_meeting" in exc.value.message_dict


@pytest.mark.django_db
def test_services_refuse_a_member_the_project_does_not_allow(world):
    """The services check the actor's role themselves, whoever calls them."""
    member = world.as_member(world.member)  # on world.project, not on world.other_project
    theirs = services.need_create(
        actor=world.as_member(world.manager), project=world.other_project, title="T"
    )
    refused = [
        lambda: services.need_create(actor=member, project=world.other_project, title="No"),
        lambda: services.need_create(
            actor=world.as_member(world.client_user), project=world.project, title="No"
        ),
        lambda: services.need_create(
            actor=world.as_member(world.outsider), project=world.project, title="No"
        ),
        lambda: services.need_update(actor=member, need=theirs, title="No"),
        lambda: services.need_set_status(actor=member, need=theirs, status="agreed"),
        lambda: services.need_delete(actor=member, need=theirs),
    ]
    for call in refused:
        with pytest.raises(PermissionDenied):
            call()
    assert list(Need.objects.values_list("title", "status")) == [("T", "proposed")]
