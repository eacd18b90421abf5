import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from accord.changes.models import ChangeRequest, ChangeStatus
from accord.testing.factories import ProjectFactory


class ChangeRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeRequest

    project = factory.SubFactory(ProjectFactory)
    organization = factory.SelfAttribute("project.organization")
    title = factory.Sequence(lambda n: f"Change {n}")
    requested_on = factory.LazyFunction(timezone.localdate)
    currency = factory.SelfAttribute("project.currency")
    status = ChangeStatus.DRAFT


def assessed(project, *, days=5, cost="1000.00", **kwargs) -> ChangeRequest:
    """An assessed request (the state in which the client may decide)."""
    return ChangeRequestFactory(
        project=project,
        status=ChangeStatus.ASSESSED,
        schedule_days=days,
        cost_amount=Decimal(cost),
        effort_hours=Decimal("8"),
        submitted_at=timezone.now() - dt.timedelta(days=1),
        assessed_at=timezone.now(),
        **kwargs,
    )
