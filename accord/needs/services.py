"""Writes to the needs register."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.audit.services import audit_create, audit_delete, update_fields
from accord.comms.services import event_emit
from accord.tenancy.access import require_project_setup, require_project_write
from accord.tenancy.models import Membership

from .models import Need, NeedStatus, NeedTask, Priority

NEED_FIELDS = (
    "title",
    "description",
    "business_goal",
    "priority",
    "acceptance_criteria",
    "source_contact",
    "source_interaction",
    "source_meeting",
    "milestone",
)


def _clean(values: dict, project) -> dict:
    errors: dict[str, str] = {}
    if "title" in values:
        values["title"] = (values["title"] or "").strip()
        if not values["title"]:
            errors["title"] = _("Give the need a short title.")
        elif len(values["title"]) > 300:
            errors["title"] = _("Keep the title under 300 characters.")
    if "priority" in values and values["priority"] not in Priority.values:
        errors["priority"] = _("Choose must, should, could or won't.")
    contact = values.get("source_contact")
    if contact is not None and (
        contact.organization_id != project.organization_id or contact.client_id != project.client_id
    ):
        errors["source_contact"] = _("Choose a contact of this project's client.")
    interaction = values.get("source_interaction")
    if interaction is not None and (
        interaction.organization_id != project.organization_id or interaction.client_id != project.client_id
    ):
        errors["source_interaction"] = _("Choose an interaction with this project's client.")
    meeting = values.get("source_meeting")
    if meeting is not None and meeting.project_id != project.pk:
        errors["source_meeting"] = _("Choose a meeting of this project.")
    milestone = values.get("milestone")
    if milestone is not None and milestone.project_id != project.pk:
        errors["milestone"] = _("Choose a milestone of this project.")
    if errors:
        raise ValidationError(errors)
    return values


def _set_tasks(need: Need, tasks) -> None:
    tasks = list(tasks)
    if any(t.project_id != need.project_id for t in tasks):
        raise ValidationError({"tasks": _("Choose tasks of this project.")})
    need.task_links.exclude(task__in=tasks).delete()
    existing = set(need.task_links.values_list("task_id", flat=True))
    NeedTask.objects.bulk_create(
        [
            NeedTask(organization_id=need.organization_id, need=need, task=t)
            for t in tasks
            if t.pk not in existing
        ]
    )


def need_create(
    *, actor: Membership, project, tasks=None, status: str = NeedStatus.PROPOSED, **values
) -> Need:
    """Record a need of the client on ``project``."""
    require_project_write(actor, project)
    return _need_create(actor=actor, project=project, tasks=tasks, status=status, **values)


def need_create_for_new_project(*, actor: Membership, project, **values) -> Need:
    """A need of a project the actor is creating (from a template): creating a project includes
    its first needs, whoever it names as manager."""
    require_project_setup(actor, project)
    return _need_create(actor=actor, project=project, **values)


def _need_create(
    *, actor: Membership, project, tasks=None, status: str = NeedStatus.PROPOSED, **values
) -> Need:
    unknown = set(values) - set(NEED_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    values.setdefault("title", "")
    values = _clean(dict(values), project)
    if status not in NeedStatus.values:
        raise ValidationError({"status": _("Choose one of the listed statuses.")})
    with transaction.atomic():
        need = Need.objects.create(
            organization_id=project.organization_id,
            project=project,
            created_by=actor.user,
            status=status,
            **values,
        )
        if tasks:
            _set_tasks(need, tasks)
        audit_create(actor.user, need)
        event_emit(
            organization=project.organization,
            name="need.created",
            payload={
                "need_id": need.pk,
                "project_id": project.pk,
                "title": need.title,
                "priority": need.priority,
                "status": need.status,
                "source_contact_id": need.source_contact_id,
                "source_interaction_id": need.source_interaction_id,
            },
        )
    return need


def need_update(*, actor: Membership, need: Need, tasks=None, **values) -> Need:
    require_project_write(actor, need.project)
    unknown = set(values) - set(NEED_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    values = _clean(dict(values), need.project)
    with transaction.atomic():
        update_fields(actor.user, need, values)
        if tasks is not None:
            _set_tasks(need, tasks)
    return need


def need_set_status(*, actor: Membership, need: Need, status: str) -> Need:
    """Move a need along proposed → agreed → in progress → delivered → accepted (or dropped)."""
    require_project_write(actor, need.project)
    if status not in NeedStatus.values:
        raise ValidationError({"status": _("Choose one of the listed statuses.")})
    with transaction.atomic():
        need = Need.objects.select_for_update(of=("self",)).get(pk=need.pk)
        if need.status == status:
            return need
        if not need.can_move_to(status):
            raise ValidationError(
                {
                    "status": _("A need that is “%(old)s” cannot become “%(new)s”.")
                    % {"old": need.get_status_display(), "new": NeedStatus(status).label}
                }
            )
        update_fields(actor.user, need, {"status": status, "status_changed_at": timezone.now()})
    return need


def need_delete(*, actor: Membership, need: Need) -> None:
    require_project_write(actor, need.project)
    with transaction.atomic():
        audit_delete(actor.user, need)
        need.delete()
