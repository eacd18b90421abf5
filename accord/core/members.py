"""Who is on an organisation's team: the one query the feature apps share."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from accord.tenancy.models import TEAM_ROLES


def team_members(organization_id: int) -> QuerySet:
    """The organisation's active team members (every role but client contacts), by name.

    Narrow it further (``.filter(pk=...)``) to check that one person is on the team."""
    return (
        get_user_model()
        .objects.filter(
            memberships__organization_id=organization_id,
            memberships__role__in=TEAM_ROLES,
            memberships__is_active=True,
        )
        .order_by("full_name", "email")
    )
