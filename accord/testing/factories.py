"""factory_boy factories for the core models; apps add theirs in their own tests/factories.py."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from accord.crm.models import Client, Contact, ContactRole, Interaction, InteractionKind
from accord.projects.models import Milestone, Project, Task
from accord.tenancy.models import Membership, Organization, Role, User


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    default_currency = "EUR"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Client {n}")
    currency = "EUR"
    timezone = "Europe/Berlin"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    organization = factory.SelfAttribute("client.organization")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = "Contact"
    email = factory.Sequence(lambda n: f"contact{n}@client.example")
    role = ContactRole.KEY_USER


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    client = factory.SubFactory(ClientFactory)
    organization = factory.SelfAttribute("client.organization")
    code = factory.Sequence(lambda n: f"P-{n:04d}")
    name = factory.Sequence(lambda n: f"Project {n}")
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=90))
    budget_amount = Decimal("100000.00")
    currency = "EUR"


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    project = factory.SubFactory(ProjectFactory)
    organization = factory.SelfAttribute("project.organization")
    name = factory.Sequence(lambda n: f"Milestone {n}")
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    project = factory.SubFactory(ProjectFactory)
    organization = factory.SelfAttribute("project.organization")
    title = factory.Sequence(lambda n: f"Task {n}")


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    client = factory.SubFactory(ClientFactory)
    organization = factory.SelfAttribute("client.organization")
    kind = InteractionKind.CALL
    occurred_at = factory.LazyFunction(timezone.now)
    summary = factory.Sequence(lambda n: f"Call {n}")
