"""Projects, milestones and tasks: every write goes through here (validated, audited, atomic).

Foreign keys may be given as model instances or as ids; whatever the caller passes is
resolved inside the actor's organisation, and anything from elsewhere is refused with a
field error (``client_id``, ``manager_id``, ``team_ids``, ``contact_ids``, ``milestone_id``,
``assignee_id``) — the same names the API uses. Each write checks its own rule: settings,
closing and deleting a project take its manager or an admin (``require_project_manage``);
milestones and tasks take someone on the project (``require_project_write``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.audit.services import audit_create, audit_delete, audit_event, audit_update, snapshot
from accord.core.hooks import event_emit, notify
from accord.crm.models import Client, Contact
from accord.lib.money import CURRENCIES, quantize
from accord.tenancy.access import require_project_manage, require_project_manager, require_project_write
from accord.tenancy.members import team_members
from accord.tenancy.models import Membership, User

from .models import (
    Milestone,
    MilestoneStatus,
    Project,
    ProjectStatus,
    Rag,
    Task,
    TaskKind,
    TaskStatus,
)

PROJECT_FIELDS = {
    "client",
    "code",
    "name",
    "description",
    "manager",
    "team",
    "contacts",
    "start_date",
    "end_date",
    "actual_end_date",
    "budget_amount",
    "currency",
    "status",
    "rag",
}
MILESTONE_FIELDS = {"name", "description", "due_date", "client_visible", "status", "completed_on"}
TASK_FIELDS = {
    "title",
    "description",
    "status",
    "assignee",
    "due_date",
    "estimate_hours",
    "spent_hours",
    "milestone",
    "client_visible",
    "kind",
}
MAX_HOURS = Decimal("999999")


# --- helpers ---------------------------------------------------------------------------------


def _pk(value: Any):
    return getattr(value, "pk", value)


def _user(actor) -> User | None:
    return getattr(actor, "user", actor)


def _team_user(organization_id: int, value, field: str) -> User | None:
    """An active team member (not a client contact) of the organisation, or a field error."""
    if value in (None, ""):
        return None
    try:
        return team_members(organization_id).get(pk=_pk(value))
    except (User.DoesNotExist, ValueError, TypeError):
        raise ValidationError({field: _("Choose a team member of your organisation.")}) from None


def _team_users(organization_id: int, values, field: str) -> list[User]:
    ids = {_pk(v) for v in values or ()}
    if not ids:
        return []
    try:
        found = list(team_members(organization_id).filter(pk__in=ids))
    except (ValueError, TypeError):
        found = []
    if len(found) != len(ids):
        raise ValidationError({field: _("Choose team members of your organisation only.")})
    return found


def _date(value, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({field: _("Enter a date as YYYY-MM-DD.")}) from None


def _hours(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        hours = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({field: _("Enter a number of hours.")}) from None
    if not hours.is_finite() or hours < 0 or hours > MAX_HOURS:
        raise ValidationError({field: _("Enter a number of hours between 0 and 999999.")})
    return hours.quantize(Decimal("0.01"))


def _check_unknown(fields: dict, allowed: set[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Not a field that can be set here: {', '.join(sorted(unknown))}")


def _full_clean(obj, exclude=()) -> None:
    """Model validation, with the errors keyed as our callers know the fields."""
    try:
        obj.full_clean(exclude=[*exclude, "organization"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        renamed = {}
        for key, messages in exc.message_dict.items():
            if key in ("client", "manager", "milestone", "assignee", "project"):
                key = f"{key}_id"
            renamed[key] = messages
        raise ValidationError(renamed) from None


# --- projects --------------------------------------------------------------------------------


def project_budget_clean(*, budget_amount, currency: str) -> tuple[Decimal | None, str]:
    """A project's budget (None when not given) rounded to the currency's minor unit, and the
    ISO 4217 currency code; ValidationError naming ``budget_amount`` / ``currency`` otherwise."""
    errors: dict[str, list] = {}
    currency = (currency or "").strip().upper()
    if currency not in CURRENCIES:
        errors["currency"] = [
            _("“%(code)s” is not an ISO 4217 currency code (for example CNY, EUR or USD).")
            % {"code": currency}
        ]
    amount = None
    if budget_amount not in (None, ""):
        try:
            amount = Decimal(str(budget_amount))
            if not amount.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            errors["budget_amount"] = [_("Enter the budget as a number.")]
        else:
            if amount < 0:
                errors["budget_amount"] = [_("The budget must not be negative.")]
            elif amount >= Decimal("1e12"):
                errors["budget_amount"] = [_("The budget is too large.")]
    if errors:
        raise ValidationError(errors)
    return (None if amount is None else quantize(amount, currency)), currency


def _apply_project(project: Project, fields: dict, organization_id: int) -> tuple[list | None, list | None]:
    """Set and validate ``fields`` on ``project``; returns (team, contacts) to set after saving."""
    errors: dict[str, list] = {}

    def fail(exc: ValidationError):
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)

    if "client" in fields:
        try:
            project.client = Client.objects.get(organization_id=organization_id, pk=_pk(fields["client"]))
        except (Client.DoesNotExist, ValueError, TypeError):
            errors["client_id"] = [_("Choose a client of your organisation.")]
    for key in ("code", "name"):
        if key in fields:
            setattr(project, key, (fields[key] or "").strip())
    if "description" in fields:
        project.description = fields["description"] or ""
    if "manager" in fields:
        try:
            project.manager = _team_user(organization_id, fields["manager"], "manager_id")
        except ValidationError as exc:
            fail(exc)
    for key in ("start_date", "end_date", "actual_end_date"):
        if key in fields:
            try:
                setattr(project, key, _date(fields[key], key))
            except ValidationError as exc:
                fail(exc)
    try:
        project.budget_amount, project.currency = project_budget_clean(
            budget_amount=fields.get("budget_amount", project.budget_amount),
            currency=fields.get("currency", project.currency),
        )
    except ValidationError as exc:
        fail(exc)
    for key, choices in (("status", ProjectStatus), ("rag", Rag)):
        if key in fields:
            if fields[key] not in choices.values:
                errors[key] = [_("Choose one of: %(values)s.") % {"values": ", ".join(choices.values)}]
            else:
                setattr(project, key, fields[key])
    if not project.code:
        errors.setdefault("code", []).append(_("Give the project a short code, for example ERP-01."))
    elif len(project.code) > 30:
        errors.setdefault("code", []).append(_("Keep the code to 30 characters or fewer."))
    elif (
        Project.objects.filter(organization_id=organization_id, code__iexact=project.code)
        .exclude(pk=project.pk)
        .exists()
    ):
        errors.setdefault("code", []).append(
            _("Another project of your organisation already uses this code.")
        )
    if not project.name:
        errors.setdefault("name", []).append(_("Give the project a name."))
    elif len(project.name) > 200:
        errors.setdefault("name", []).append(_("Keep the name to 200 characters or fewer."))
    if not project.start_date and "start_date" not in errors:
        errors["start_date"] = [_("Enter the start date.")]
    if not project.end_date and "end_date" not in errors:
        errors["end_date"] = [_("Enter the planned end date.")]
    if project.start_date and project.end_date and project.end_date < project.start_date:
        errors.setdefault("end_date", []).append(_("The planned end must not be before the start."))
    if project.actual_end_date and project.start_date and project.actual_end_date < project.start_date:
        errors.setdefault("actual_end_date", []).append(_("The actual end must not be before the start."))
    if project.status == ProjectStatus.CLOSED and not project.actual_end_date:
        project.actual_end_date = timezone.localdate()

    team = contacts = None
    if "team" in fields:
        try:
            team = _team_users(organization_id, fields["team"], "team_ids")
        except ValidationError as exc:
            fail(exc)
    if "contacts" in fields or "client" in fields:
        wanted = (
            fields["contacts"]
            if "contacts" in fields
            else (list(project.contacts.all()) if project.pk else [])
        )
        ids = {_pk(c) for c in wanted or ()}
        if ids and "client_id" not in errors:
            try:
                contacts = list(
                    Contact.objects.filter(
                        organization_id=organization_id, client_id=project.client_id, pk__in=ids
                    )
                )
            except (ValueError, TypeError):
                contacts = []
            if len(contacts) != len(ids):
                errors["contact_ids"] = [
                    _("Choose stakeholders among the contacts of this project’s client.")
                ]
        elif not ids:
            contacts = []
    if errors:
        raise ValidationError(errors)
    return team, contacts


@transaction.atomic
def project_create(
    *,
    actor: Membership,
    client,
    code: str,
    name: str,
    start_date,
    end_date,
    manager=None,
    team=(),
    contacts=(),
    description: str = "",
    budget_amount=None,
    currency: str | None = None,
    status: str = ProjectStatus.ACTIVE,
    rag: str = Rag.GREEN,
    industry: str = "",
) -> Project:
    """A new project of the actor's organisation (admins and project managers only)."""
    require_project_manager(actor)
    project = Project(organization_id=actor.organization_id, industry=industry)
    if not currency:
        client_obj = Client.objects.filter(organization_id=actor.organization_id, pk=_pk(client)).first()
        currency = client_obj.currency if client_obj else actor.organization.default_currency
    fields = {
        "client": client,
        "code": code,
        "name": name,
        "start_date": start_date,
        "end_date": end_date,
        "manager": manager if manager is not None else actor.user,
        "team": team,
        "contacts": contacts,
        "description": description,
        "budget_amount": budget_amount,
        "currency": currency,
        "status": status,
        "rag": rag,
    }
    team_users, contact_rows = _apply_project(project, fields, actor.organization_id)
    _full_clean(project, exclude=["team", "contacts"])
    project.save()
    project.team.set(team_users or [])
    project.contacts.set(contact_rows or [])
    audit_create(actor.user, project)
    if team_users or contact_rows:
        audit_event(
            actor.user,
            project,
            "people",
            {"team": [u.pk for u in team_users or []], "contacts": [c.pk for c in contact_rows or []]},
        )
    return project


@transaction.atomic
def project_update(*, actor: Membership, project: Project, **fields) -> Project:
    """Change a project's settings (the caller fetched it with ``manage=True``)."""
    require_project_manage(actor, project)
    _check_unknown(fields, PROJECT_FIELDS)
    project = Project.objects.select_for_update().get(pk=project.pk, organization_id=project.organization_id)
    before = snapshot(project)
    before_team = sorted(project.team.values_list("pk", flat=True))
    before_contacts = sorted(project.contacts.values_list("pk", flat=True))
    team, contacts = _apply_project(project, fields, project.organization_id)
    if (
        project.status not in (ProjectStatus.CLOSED, ProjectStatus.CANCELLED)
        and "actual_end_date" not in fields
    ):
        project.actual_end_date = None
    _full_clean(project, exclude=["team", "contacts"])
    project.save()
    if team is not None:
        project.team.set(team)
    if contacts is not None:
        project.contacts.set(contacts)
    audit_update(actor.user, project, before)
    after_team = sorted(u.pk for u in team) if team is not None else before_team
    after_contacts = sorted(c.pk for c in contacts) if contacts is not None else before_contacts
    if after_team != before_team or after_contacts != before_contacts:
        audit_event(
            actor.user,
            project,
            "people",
            {"team": after_team, "contacts": after_contacts},
        )
    return project


@transaction.atomic
def project_close(*, actor: Membership, project: Project, actual_end_date=None) -> Project:
    """Close a project: status closed and the day it actually ended (default today)."""
    end = _date(actual_end_date, "actual_end_date") or timezone.localdate()
    return project_update(actor=actor, project=project, status=ProjectStatus.CLOSED, actual_end_date=end)


@transaction.atomic
def project_delete(*, actor: Membership, project: Project) -> None:
    """Delete a project with its milestones and tasks (its manager or an admin)."""
    require_project_manage(actor, project)
    audit_delete(actor.user, project)
    try:
        with transaction.atomic():
            project.delete()
    except ProtectedError:
        raise ValidationError(
            _("This project still has records that must be kept; close it instead of deleting it.")
        ) from None


# --- milestones ------------------------------------------------------------------------------


def _apply_milestone(milestone: Milestone, fields: dict) -> None:
    errors: dict[str, list] = {}
    if "name" in fields:
        milestone.name = (fields["name"] or "").strip()
    if "description" in fields:
        milestone.description = fields["description"] or ""
    if "client_visible" in fields:
        milestone.client_visible = bool(fields["client_visible"])
    for key in ("due_date", "completed_on"):
        if key in fields:
            try:
                setattr(milestone, key, _date(fields[key], key))
            except ValidationError as exc:
                errors.update(exc.message_dict)
    if "status" in fields:
        if fields["status"] not in MilestoneStatus.values:
            errors["status"] = [
                _("Choose one of: %(values)s.") % {"values": ", ".join(MilestoneStatus.values)}
            ]
        else:
            milestone.status = fields["status"]
    if not milestone.name:
        errors.setdefault("name", []).append(_("Give the milestone a name."))
    elif len(milestone.name) > 200:
        errors.setdefault("name", []).append(_("Keep the name to 200 characters or fewer."))
    if not milestone.due_date and "due_date" not in errors:
        errors["due_date"] = [_("Enter the due date.")]
    if errors:
        raise ValidationError(errors)
    if milestone.baseline_due_date is None:
        milestone.baseline_due_date = milestone.due_date
    if milestone.status == MilestoneStatus.DONE:
        milestone.completed_on = milestone.completed_on or timezone.localdate()
    else:
        milestone.completed_on = None


def _milestone_completed(actor, milestone: Milestone, project: Project) -> None:
    audit_event(_user(actor), milestone, "completed", {"completed_on": milestone.completed_on})
    event_emit(
        organization=project.organization,
        name="milestone.completed",
        payload={
            "milestone_id": milestone.pk,
            "milestone_name": milestone.name,
            "project_id": project.pk,
            "project_code": project.code,
            "project_name": project.name,
            "due_date": milestone.due_date.isoformat(),
            "baseline_due_date": milestone.baseline_due_date.isoformat()
            if milestone.baseline_due_date
            else None,
            "completed_on": milestone.completed_on.isoformat() if milestone.completed_on else None,
        },
    )


@transaction.atomic
def milestone_create(
    *,
    actor: Membership,
    project: Project,
    name: str,
    due_date,
    description: str = "",
    client_visible: bool = True,
    status: str = MilestoneStatus.PLANNED,
    completed_on=None,
) -> Milestone:
    """A milestone of ``project``; its baseline is the first due date it was given."""
    require_project_write(actor, project)
    milestone = Milestone(organization_id=project.organization_id, project=project)
    _apply_milestone(
        milestone,
        {
            "name": name,
            "due_date": due_date,
            "description": description,
            "client_visible": client_visible,
            "status": status,
            "completed_on": completed_on,
        },
    )
    _full_clean(milestone)
    milestone.save()
    audit_create(actor.user, milestone)
    if milestone.status == MilestoneStatus.DONE:
        _milestone_completed(actor, milestone, project)
    return milestone


@transaction.atomic
def milestone_update(*, actor: Membership, milestone: Milestone, **fields) -> Milestone:
    """Change a milestone; moving its due date keeps the baseline, so the slip shows."""
    require_project_write(actor, milestone.project)
    _check_unknown(fields, MILESTONE_FIELDS)
    milestone = (
        Milestone.objects.select_for_update(of=("self",)).select_related("project").get(pk=milestone.pk)
    )
    before = snapshot(milestone)
    was_done = milestone.status == MilestoneStatus.DONE
    _apply_milestone(milestone, fields)
    _full_clean(milestone)
    milestone.save()
    audit_update(actor.user, milestone, before)
    if milestone.status == MilestoneStatus.DONE and not was_done:
        _milestone_completed(actor, milestone, milestone.project)
    return milestone


@transaction.atomic
def milestone_complete(*, actor: Membership, milestone: Milestone, completed_on=None) -> Milestone:
    """Mark a milestone reached (on ``completed_on``, default today)."""
    day = _date(completed_on, "completed_on") or timezone.localdate()
    return milestone_update(actor=actor, milestone=milestone, status=MilestoneStatus.DONE, completed_on=day)


@transaction.atomic
def milestone_delete(*, actor: Membership, milestone: Milestone) -> None:
    """Delete a milestone; its tasks stay, without a milestone."""
    require_project_write(actor, milestone.project)
    audit_delete(actor.user, milestone)
    milestone.delete()


# --- tasks -----------------------------------------------------------------------------------


def _next_position(task: Task) -> int:
    top = (
        Task.objects.filter(
            organization_id=task.organization_id, project_id=task.project_id, status=task.status
        )
        .exclude(pk=task.pk)
        .aggregate(top=Max("position"))["top"]
    )
    return 0 if top is None else top + 1


def _apply_task(task: Task, fields: dict) -> None:
    errors: dict[str, list] = {}
    organization_id = task.organization_id
    if "title" in fields:
        task.title = (fields["title"] or "").strip()
    if "description" in fields:
        task.description = fields["description"] or ""
    if "client_visible" in fields:
        task.client_visible = bool(fields["client_visible"])
    if "status" in fields and fields["status"] not in TaskStatus.values:
        errors["status"] = [_("Choose one of: %(values)s.") % {"values": ", ".join(TaskStatus.values)}]
    if "kind" in fields:
        if fields["kind"] not in TaskKind.values:
            errors["kind"] = [_("Choose one of: %(values)s.") % {"values": ", ".join(TaskKind.values)}]
        else:
            task.kind = fields["kind"]
    if "assignee" in fields:
        try:
            task.assignee = _team_user(organization_id, fields["assignee"], "assignee_id")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "milestone" in fields:
        value = fields["milestone"]
        if value in (None, ""):
            task.milestone = None
        else:
            try:
                task.milestone = Milestone.objects.get(
                    organization_id=organization_id, project_id=task.project_id, pk=_pk(value)
                )
            except (Milestone.DoesNotExist, ValueError, TypeError):
                errors["milestone_id"] = [_("Choose a milestone of this project.")]
    if "due_date" in fields:
        try:
            task.due_date = _date(fields["due_date"], "due_date")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    for key in ("estimate_hours", "spent_hours"):
        if key in fields:
            try:
                value = _hours(fields[key], key)
                setattr(task, key, value if value is not None or key == "estimate_hours" else Decimal("0"))
            except ValidationError as exc:
                errors.update(exc.message_dict)
    if not task.title:
        errors.setdefault("title", []).append(_("Give the task a title."))
    elif len(task.title) > 300:
        errors.setdefault("title", []).append(_("Keep the title to 300 characters or fewer."))
    if errors:
        raise ValidationError(errors)


def _set_status(task: Task, status: str) -> bool:
    """Set the status and its done date; True when the task just became done."""
    became_done = status == TaskStatus.DONE and task.status != TaskStatus.DONE
    task.status = status
    if status == TaskStatus.DONE:
        task.done_on = task.done_on or timezone.localdate()
    else:
        task.done_on = None
    return became_done


def _task_done(actor, task: Task, project: Project) -> None:
    event_emit(
        organization=project.organization,
        name="task.done",
        payload={
            "task_id": task.pk,
            "task_title": task.title,
            "project_id": project.pk,
            "project_code": project.code,
            "project_name": project.name,
            "milestone_id": task.milestone_id,
            "milestone_name": task.milestone.name if task.milestone_id else None,
            "assignee_id": task.assignee_id,
            "done_on": task.done_on.isoformat() if task.done_on else None,
        },
    )


def _tell_assignee(actor, task: Task, project: Project) -> None:
    user = _user(actor)
    if task.assignee_id is None or task.assignee_id == getattr(user, "pk", None):
        return
    notify(
        organization=project.organization,
        users=[task.assignee],
        title=format_lazy(gettext_lazy("Task assigned to you: {}"), task.title),
        body=format_lazy("{} · {}", project.code, project.name),
        url=reverse("projects:task_detail", args=[task.pk]),
    )


@transaction.atomic
def task_create(
    *,
    actor: Membership,
    project: Project,
    title: str,
    description: str = "",
    status: str = TaskStatus.TODO,
    assignee=None,
    due_date=None,
    estimate_hours=None,
    milestone=None,
    client_visible: bool = False,
    kind: str = TaskKind.TASK,
) -> Task:
    """A task of ``project``, placed at the end of its column."""
    require_project_write(actor, project)
    task = Task(organization_id=project.organization_id, project=project)
    _apply_task(
        task,
        {
            "title": title,
            "description": description,
            "status": status,
            "assignee": assignee,
            "due_date": due_date,
            "estimate_hours": estimate_hours,
            "milestone": milestone,
            "client_visible": client_visible,
            "kind": kind,
        },
    )
    became_done = _set_status(task, status)
    task.position = _next_position(task)
    _full_clean(task)
    task.save()
    audit_create(actor.user, task)
    _tell_assignee(actor, task, project)
    if became_done:
        _task_done(actor, task, project)
    return task


def _place(task: Task, position: int | None) -> None:
    """Put ``task`` at ``position`` in its column (end when None) and renumber the column."""
    column = list(
        Task.objects.select_for_update()
        .filter(organization_id=task.organization_id, project_id=task.project_id, status=task.status)
        .exclude(pk=task.pk)
        .order_by("position", "id")
        .values_list("pk", "position")
    )
    index = len(column) if position is None else max(0, min(int(position), len(column)))
    order = [pk for pk, _pos in column]
    order.insert(index, task.pk)
    current = dict(column)
    for new_position, pk in enumerate(order):
        if pk == task.pk:
            task.position = new_position
        elif current.get(pk) != new_position:
            Task.objects.filter(pk=pk).update(position=new_position)


@transaction.atomic
def task_update(*, actor: Membership, task: Task, **fields) -> Task:
    """Change a task; a status change moves it to the end of the new column."""
    require_project_write(actor, task.project)
    _check_unknown(fields, TASK_FIELDS)
    task = (
        Task.objects.select_for_update(of=("self",)).select_related("project__organization").get(pk=task.pk)
    )
    before = snapshot(task)
    old_assignee = task.assignee_id
    _apply_task(task, fields)
    became_done = False
    if "status" in fields and fields["status"] != task.status:
        became_done = _set_status(task, fields["status"])
        _place(task, None)
    _full_clean(task)
    task.save()
    audit_update(actor.user, task, before)
    if task.assignee_id != old_assignee:
        _tell_assignee(actor, task, task.project)
    if became_done:
        _task_done(actor, task, task.project)
    return task


@transaction.atomic
def task_move(*, actor: Membership, task: Task, status: str, position: int | None = None) -> Task:
    """Move a task to ``status`` (a board column), at ``position`` within it (default: last)."""
    require_project_write(actor, task.project)
    if status not in TaskStatus.values:
        raise ValidationError(
            {"status": _("Choose one of: %(values)s.") % {"values": ", ".join(TaskStatus.values)}}
        )
    if position is not None:
        try:
            position = int(position)
        except (TypeError, ValueError):
            raise ValidationError({"position": _("Give the position as a whole number.")}) from None
        if position < 0:
            raise ValidationError({"position": _("Give the position as a whole number.")})
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("project__organization", "milestone")
        .get(pk=task.pk)
    )
    before = snapshot(task)
    if status == task.status and position is None:
        return task
    became_done = _set_status(task, status)
    _place(task, position)
    task.save(update_fields=["status", "done_on", "position", "updated_at"])
    audit_update(actor.user, task, before)
    if became_done:
        _task_done(actor, task, task.project)
    return task


@transaction.atomic
def task_delete(*, actor: Membership, task: Task) -> None:
    require_project_write(actor, task.project)
    audit_delete(actor.user, task)
    task.delete()
