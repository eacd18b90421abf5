import factory

from accord.needs.models import Need
from accord.testing.factories import ProjectFactory


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    project = factory.SubFactory(ProjectFactory)
    organization = factory.SelfAttribute("project.organization")
    title = factory.Sequence(lambda n: f"Need {n}")
    priority = "must"
