"""Read-side queries: what an export holds (the list pages' filters) and the recent imports."""

from __future__ import annotations

import datetime as dt
import functools

from django.core.exceptions import ValidationError
from django.db.models import Aggregate, CharField, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from accord.core.search import text_filter
from accord.crm import selectors as crm_selectors
from accord.crm.models import (
    Client,
    ClientStatus,
    Contact,
    ContactRole,
    Industry,
    Interaction,
    InteractionKind,
)
from accord.projects.models import Task, TaskStatus
from accord.tenancy.access import org_get, projects_for_user, require_project_manager
from accord.tenancy.models import Membership

from .models import ImportRun

SEARCH_MAX_CHARS = 100


def _int(params, name: str, message: str) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: message}) from None
    if value <= 0:
        raise ValidationError({name: message})
    return value


def _choice(params, name: str, choices) -> str:
    raw = (params.get(name) or "").strip()
    if raw and raw not in choices.values:
        raise ValidationError(
            {name: _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)}}
        )
    return raw


def _date(params, name: str) -> dt.date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: _("Write the date as 2026-03-31.")}) from None


def _text(params, name: str) -> str:
    return (params.get(name) or "").strip()[:SEARCH_MAX_CHARS]


def client_export_queryset(member: Membership, params) -> QuerySet[Client]:
    """Clients as the client list filters them: q, status, industry, tag."""
    qs = Client.objects.filter(organization_id=member.organization_id)
    status = _choice(params, "status", ClientStatus)
    industry = _choice(params, "industry", Industry)
    if status:
        qs = qs.filter(status=status)
    if industry:
        qs = qs.filter(industry=industry)
    if tag := _text(params, "tag"):
        qs = qs.filter(tags__icontains=tag)
    if q := _text(params, "q"):
        qs = text_filter(qs, q, functools.partial(crm_selectors.client_text, member.organization_id))
    return qs.order_by("name", "id")


def contact_export_queryset(member: Membership, params) -> QuerySet[Contact]:
    """Contacts as the contact list filters them: client, q, role."""
    qs = Contact.objects.filter(organization_id=member.organization_id)
    client_id = _int(params, "client", _("Choose a client from the list."))
    if client_id:
        qs = qs.filter(client_id=client_id)
    role = _choice(params, "role", ContactRole)
    if role:
        qs = qs.filter(role=role)
    if q := _text(params, "q"):
        qs = text_filter(qs, q, crm_selectors.contact_text)
    return qs.order_by("last_name", "first_name", "id")


class JoinedText(Aggregate):
    """The group's texts joined by ", " (GROUP_CONCAT on SQLite, STRING_AGG on PostgreSQL)."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, ', ')"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, function="STRING_AGG", template="%(function)s(%(expressions)s::text, ', ')"
        )


def contact_emails():
    """Per interaction, the e-mail addresses of the contacts who took part (the importer's
    "contacts" column reads them back), as one correlated subquery."""
    through = Interaction.contacts.through
    joined = (
        through.objects.filter(interaction_id=OuterRef("pk"))
        .exclude(contact__email="")
        .order_by()
        .values("interaction_id")
        .annotate(joined=JoinedText("contact__email"))
        .values("joined")
    )
    return Subquery(joined, output_field=CharField())


def interaction_export_queryset(member: Membership, params) -> QuerySet[Interaction]:
    """Interactions as the timeline filters them: client, project, kind, since, until."""
    qs = Interaction.objects.filter(organization_id=member.organization_id).annotate(
        contact_emails=contact_emails()
    )
    client_id = _int(params, "client", _("Choose a client from the list."))
    project_id = _int(params, "project", _("Choose a project from the list."))
    kind = _choice(params, "kind", InteractionKind)
    since, until = _date(params, "since"), _date(params, "until")
    if client_id:
        qs = qs.filter(client_id=client_id)
    if project_id:
        qs = qs.filter(project_id=project_id)
    if kind:
        qs = qs.filter(kind=kind)
    if since:
        qs = qs.filter(occurred_at__date__gte=since)
    if until:
        qs = qs.filter(occurred_at__date__lte=until)
    return qs.order_by("-occurred_at", "-id")


def task_export_queryset(member: Membership, params) -> QuerySet[Task]:
    """Tasks of the projects the member may see, filtered by project, status and assignee."""
    visible = projects_for_user(member).values("pk")
    qs = Task.objects.filter(organization_id=member.organization_id, project_id__in=visible)
    project_id = _int(params, "project", _("Choose a project from the list."))
    assignee = _int(params, "assignee", _("Choose a member of your team."))
    status = _choice(params, "status", TaskStatus)
    if project_id:
        qs = qs.filter(project_id=project_id)
    if assignee:
        qs = qs.filter(assignee_id=assignee)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("project_id", "position", "id")


def import_run_list(member: Membership) -> QuerySet[ImportRun]:
    """The organisation's imports (admins and project managers, who import)."""
    require_project_manager(member)
    return ImportRun.objects.filter(organization_id=member.organization_id).select_related("created_by")


def import_run_get(member: Membership, pk) -> ImportRun:
    """One import of the organisation (404 otherwise) for admins and project managers (403 otherwise)."""
    run = org_get(member, ImportRun.objects.select_related("default_client", "created_by"), pk)
    require_project_manager(member)
    return run


def risk_export_queryset(member: Membership, params):
    """Risks of the projects the member may see, filtered by project, status and category."""
    from accord.risks.models import Risk, RiskCategory, RiskStatus

    visible = projects_for_user(member).values("pk")
    qs = Risk.objects.filter(organization_id=member.organization_id, project_id__in=visible)
    project_id = _int(params, "project", _("Choose a project from the list."))
    status = _choice(params, "status", RiskStatus)
    category = _choice(params, "category", RiskCategory)
    if project_id:
        qs = qs.filter(project_id=project_id)
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("project_id", "-score", "id")
