import factory

from accord.risks.models import ContingencyAction, Risk
from accord.testing.factories import ProjectFactory


class RiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Risk

    project = factory.SubFactory(ProjectFactory)
    organization = factory.SelfAttribute("project.organization")
    title = factory.Sequence(lambda n: f"Risk {n}")
    category = "technical"
    probability = 3
    impact = 3
    score = factory.LazyAttribute(lambda o: o.probability * o.impact)


class ContingencyActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContingencyAction

    risk = factory.SubFactory(RiskFactory)
    organization = factory.SelfAttribute("risk.organization")
    description = factory.Sequence(lambda n: f"Action {n}")
