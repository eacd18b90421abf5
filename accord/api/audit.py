"""REST API for the audit trail of one object (/api/v1/audit): the entries as stored, newest first.

The object is looked up through the access helpers first, so the trail is shown to exactly those
who may see the object: another organisation's object, or a project the caller is not on, is a 404.
Which rule applies:

* CRM records and the organisation-wide libraries the whole team uses: any team member;
* a project, or an object of a project: who may see that project;
* any other record of the organisation (members, invitations, settings, channels without a
  project …) and the organisation itself: administrators.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from accord.audit.services import audit_for
from accord.core.pagination import ListPage, PageQuery, keyset_page
from accord.core.schemas import Error
from accord.tenancy.access import org_get, project_for_user, require_admin, require_team
from accord.tenancy.models import Organization

router = Router(tags=["audit"])

# Organisation-wide records every team member may open (and so read the history of).
TEAM_WIDE = frozenset(
    {
        "crm.client",
        "crm.contact",
        "crm.interaction",
        "playbooks.projecttemplate",
        "feedback.surveytemplate",
        "evaluation.lesson",
    }
)
# Records that have no trail of their own, or are the trail.
NOT_AUDITED = frozenset({"audit.auditentry"})


class AuditQuery(PageQuery):
    object_type: str = Field(..., max_length=100, description="app.model, e.g. crm.client or risks.risk.")
    object_id: int = Field(..., ge=1)


class AuditEntryOut(Schema):
    id: int
    created_at: dt.datetime
    action: str = Field(..., description="create, update, delete, event or denied.")
    verb: str = Field(..., description="What happened, for events (approved, published …).")
    actor_id: int | None
    actor_label: str
    object_type: str
    object_id: str
    object_repr: str
    project_id: int | None
    changes: dict[str, Any] = Field(..., description="Field → [before, after], as stored.")


class AuditPage(ListPage):
    items: list[AuditEntryOut]
    next_cursor: str | None


def _model(label: str):
    label = label.strip().lower()
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        model = None
    if model is None or not model.__module__.startswith("accord.") or label in NOT_AUDITED:
        raise ValidationError(
            {"object_type": _("Unknown kind of object: give app.model, e.g. crm.client or risks.risk.")}
        )
    if model is not Organization and "organization" not in {f.name for f in model._meta.concrete_fields}:
        raise ValidationError({"object_type": _("Accord keeps no history for this kind of object.")})
    return model


def audited_object_for_user(member, label: str, pk: int):
    """The object whose trail is asked for, if ``member`` may see it (404/403 otherwise)."""
    model = _model(label)
    if model is Organization:
        if pk != member.organization_id:
            raise Http404
        require_admin(member)
        return member.organization
    obj = org_get(member, model._default_manager.all(), pk)
    label = model._meta.label_lower
    if label in TEAM_WIDE:
        require_team(member)
    elif label == "projects.project":
        project_for_user(member, obj.pk)
    elif getattr(obj, "project_id", None) is not None:
        project_for_user(member, obj.project_id)
    else:
        require_admin(member)
    return obj


@router.get("/audit", response={200: AuditPage, 404: Error}, summary="The audit trail of one object")
def audit_trail(request, query: Query[AuditQuery]):
    obj = audited_object_for_user(request.auth, query.object_type, query.object_id)
    page = keyset_page(audit_for(obj), query)
    label = obj._meta.label_lower
    page["items"] = [
        {
            "id": e.pk,
            "created_at": e.created_at,
            "action": e.action,
            "verb": e.verb,
            "actor_id": e.actor_id,
            "actor_label": e.actor_label,
            "object_type": label,
            "object_id": e.object_id,
            "object_repr": e.object_repr,
            "project_id": e.project_id,
            "changes": e.changes,
        }
        for e in page["items"]
    ]
    return page
