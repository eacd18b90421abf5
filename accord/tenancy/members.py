"""Who is on an organisation's team: the one query the feature apps share, and the API's lookup of
one team member by id."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

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


def team_user(member, user_id: int | None, field: str):
    """The active team member of the caller's organisation with this id (None for None), else a
    422 on ``field``."""
    if user_id is None:
        return None
    user = team_members(member.organization_id).filter(pk=user_id).first()
    if user is None:
        raise ValidationError({field: _("No team member with this id in your organisation.")})
    return user
