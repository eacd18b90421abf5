import datetime as dt

import factory
from django.utils import timezone

from accord.reports.models import StatusReport


class StatusReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusReport

    project = factory.SubFactory("accord.testing.factories.ProjectFactory")
    organization = factory.SelfAttribute("project.organization")
    version = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Report {n}")
    period_start = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=7))
    period_end = factory.LazyFunction(timezone.localdate)
    summary = "All good."
