import datetime as dt

import factory

from accord.evaluation.models import Lesson, RetroAction, Retrospective


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    title = factory.Sequence(lambda n: f"Lesson {n}")
    recommendation = "Agree the acceptance criteria in writing."
    category = "requirements"
    phase = "planning"


class RetrospectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Retrospective

    organization = factory.SelfAttribute("project.organization")
    title = factory.Sequence(lambda n: f"Sprint {n} retrospective")
    held_on = factory.LazyFunction(dt.date.today)
    went_well = "Daily stand-ups with the key users."
    to_improve = "Test data arrived late."


class RetroActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RetroAction

    organization = factory.SelfAttribute("retrospective.organization")
    title = factory.Sequence(lambda n: f"Action {n}")
