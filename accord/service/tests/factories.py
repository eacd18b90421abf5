import datetime as dt

import factory
from django.utils import timezone

from accord.service.models import Priority, SupportReply, SupportRequest, TrainingSession
from accord.testing.factories import ProjectFactory


class SupportRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportRequest

    project = factory.SubFactory(ProjectFactory)
    organization = factory.SelfAttribute("project.organization")
    title = factory.Sequence(lambda n: f"Support request {n}")
    description = "The export stops halfway."
    priority = Priority.NORMAL
    first_response_due_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=24))


class SupportReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportReply

    request = factory.SubFactory(SupportRequestFactory)
    organization = factory.SelfAttribute("request.organization")
    body = factory.Sequence(lambda n: f"Reply {n}")


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    project = factory.SubFactory(ProjectFactory)
    organization = factory.SelfAttribute("project.organization")
    topic = factory.Sequence(lambda n: f"Training {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))


def confirmed_mailbox(actor, address: str, **fields):
    """A support address added as an admin does, then confirmed by following the mailed link."""
    from accord.service import services

    box = services.support_mailbox_create(actor=actor, address=address, **fields)
    return services.support_mailbox_confirm(raw=box.raw_token)
