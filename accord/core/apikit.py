"""What the feature areas' API modules share: the error answers they declare, the short-text type
and the service wrapper that names error fields as the API does. The team-member lookup is
``accord.tenancy.members.team_user``; the handlers that turn errors into answers stay with the
API's assembly (accord/api/errors.py)."""

from __future__ import annotations

from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from pydantic import StringConstraints

from accord.core.schemas import Error

# The error answers most operations declare.
ERRORS = {403: Error, 404: Error, 422: Error}


def short(n: int):
    """Text trimmed of surrounding blanks, at most ``n`` characters."""
    return Annotated[str, StringConstraints(strip_whitespace=True, max_length=n)]


# Service field names → the names the API uses for them.
API_FIELD = {
    "owner": "owner_id",
    "manager": "manager_id",
    "client": "client_id",
    "project": "project_id",
    "milestone": "milestone_id",
    "requested_by": "requested_by_id",
    "source_contact": "source_contact_id",
    "source_interaction": "source_interaction_id",
    "source_meeting": "source_meeting_id",
    "follow_up_owner": "follow_up_owner_id",
    "tasks": "task_ids",
    "needs": "need_ids",
    "affected_milestones": "affected_milestone_ids",
    "new_risks": "new_risk_ids",
    "contacts": "contact_ids",
    "audience_contacts": "audience_contact_ids",
}


def service_call(fn, *, rename: dict[str, str] | None = None, **kwargs):
    """Run a service, naming the fields of its errors as the API does (``project`` →
    ``project_id``, :data:`API_FIELD` unless ``rename`` is given): the one wrapper the API
    modules share."""
    rename = API_FIELD if rename is None else rename
    try:
        return fn(**kwargs)
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise DjangoValidationError({rename.get(k, k): v for k, v in exc.error_dict.items()}) from None
        raise
