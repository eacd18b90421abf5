import datetime as dt

import factory
from django.utils import timezone

from accord.comms.models import CadenceKind, PlanChannel, PlanItem


class PlanItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanItem

    organization = factory.SelfAttribute("project.organization")
    purpose = factory.Sequence(lambda n: f"Weekly update {n}")
    channel = PlanChannel.EMAIL
    cadence = CadenceKind.WEEKLY
    weekday = 0
    interval = 1
    rrule = "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=14))
    owner = factory.SelfAttribute("project.manager")
