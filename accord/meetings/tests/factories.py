import datetime as dt

import factory
from django.utils import timezone

from accord.meetings.models import ActionItem, Attendee, Decision, Meeting
from accord.projects.models import TaskKind
from accord.testing.factories import TaskFactory


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    project = factory.SubFactory("accord.testing.factories.ProjectFactory")
    organization = factory.SelfAttribute("project.organization")
    title = factory.Sequence(lambda n: f"Weekly status {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=2))
    timezone = "Asia/Shanghai"
    organizer = factory.SelfAttribute("project.manager")


class AttendeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendee

    meeting = factory.SubFactory(MeetingFactory)
    organization = factory.SelfAttribute("meeting.organization")


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    meeting = factory.SubFactory(MeetingFactory)
    project = factory.SelfAttribute("meeting.project")
    organization = factory.SelfAttribute("meeting.organization")
    title = factory.Sequence(lambda n: f"Decision {n}")
    decided_on = factory.LazyFunction(timezone.localdate)


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionItem

    meeting = factory.SubFactory(MeetingFactory)
    organization = factory.SelfAttribute("meeting.organization")
    task = factory.LazyAttribute(
        lambda o: TaskFactory(project=o.meeting.project, kind=TaskKind.ACTION_ITEM, client_visible=True)
    )
