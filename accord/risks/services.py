"""Writes to the risk register: each validates, writes, audits and notifies in one transaction."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.audit.services import (
    audit_create,
    audit_delete,
    audit_event,
    update_fields,
)
from accord.comms.services import event_emit, notify
from accord.core.hooks import change_request_from_risk
from accord.lib.dates import ZONE_SLACK, today_for
from accord.projects.models import Task, TaskKind
from accord.tenancy.access import require_project_manage, require_project_setup, require_project_write
from accord.tenancy.members import team_members
from accord.tenancy.models import Membership

from .models import (
    ACTIVE_STATUSES,
    ContingencyAction,
    Risk,
    RiskCategory,
    RiskScoreChange,
    RiskStatus,
    risk_score,
)

RISK_FIELDS = (
    "title",
    "description",
    "category",
    "probability",
    "impact",
    "owner",
    "triggers",
    "mitigation",
    "next_review_on",
    "client_visible",
)


def check_team_user(organization_id, user, field: str) -> None:
    """``user`` (or None) must be an active team member of the organisation."""
    if user is None:
        return
    if not team_members(organization_id).filter(pk=user.pk).exists():
        raise ValidationError({field: _("Choose a member of your team.")})


def _check_scale(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationError({field: _("Enter a whole number from 1 (lowest) to 5 (highest).")})
    return value


def _clean(values: dict, organization_id) -> dict:
    errors: dict[str, str] = {}
    if "title" in values:
        values["title"] = (values["title"] or "").strip()
        if not values["title"]:
            errors["title"] = _("Give the risk a short title.")
        elif len(values["title"]) > 300:
            errors["title"] = _("Keep the title under 300 characters.")
    if "category" in values and values["category"] not in RiskCategory.values:
        errors["category"] = _("Choose one of the listed categories.")
    for field in ("probability", "impact"):
        if field in values:
            try:
                _check_scale(values[field], field)
            except ValidationError as exc:
                errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    if "owner" in values:
        check_team_user(organization_id, values["owner"], "owner")
    return values


def _record_score(risk: Risk, actor, old: tuple[int, int, int] | None, note: str = "") -> RiskScoreChange:
    return RiskScoreChange.objects.create(
        organization_id=risk.organization_id,
        risk=risk,
        changed_by=actor if getattr(actor, "pk", None) else None,
        old_probability=old[0] if old else None,
        old_impact=old[1] if old else None,
        old_score=old[2] if old else None,
        new_probability=risk.probability,
        new_impact=risk.impact,
        new_score=risk.score,
        note=note[:300],
    )


def _payload(risk: Risk) -> dict:
    return {
        "id": risk.pk,
        "project_id": risk.project_id,
        "title": risk.title,
        "category": risk.category,
        "probability": risk.probability,
        "impact": risk.impact,
        "score": risk.score,
        "level": risk.level,
        "status": risk.status,
        "owner_id": risk.owner_id,
    }


def risk_url(risk: Risk) -> str:
    return reverse("risks:detail", args=[risk.pk])


def risk_create(*, actor: Membership, project, **values) -> Risk:
    """Raise a risk on ``project``; the owner is told, webhooks get ``risk.raised``."""
    require_project_write(actor, project)
    return _risk_create(actor=actor, project=project, **values)


def risk_create_for_new_project(*, actor: Membership, project, **values) -> Risk:
    """A risk of a project the actor is creating (from a template): creating a project includes
    its first risks, whoever it names as manager."""
    require_project_setup(actor, project)
    return _risk_create(actor=actor, project=project, **values)


def _risk_create(*, actor: Membership, project, **values) -> Risk:
    unknown = set(values) - set(RISK_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    values.setdefault("probability", 3)
    values.setdefault("impact", 3)
    values.setdefault("title", "")
    values = _clean(dict(values), project.organization_id)
    with transaction.atomic():
        risk = Risk(organization_id=project.organization_id, project=project, created_by=actor.user, **values)
        risk.rescore()
        risk.save()
        # The first score carries no note: the risk page names it "Raised" in its reader's language.
        _record_score(risk, actor.user, None)
        audit_create(actor.user, risk)
        event_emit(organization=project.organization, name="risk.raised", payload=_payload(risk))
        if risk.owner_id and risk.owner_id != actor.user_id:
            notify(
                organization=project.organization,
                users=[risk.owner],
                title=format_lazy(gettext_lazy("You own the risk “{}”"), risk.title),
                body=format_lazy(gettext_lazy("Project: {}"), project.name),
                url=risk_url(risk),
            )
    return risk


def risk_update(*, actor: Membership, risk: Risk, note: str = "", **values) -> Risk:
    """Change a risk's fields; a new probability or impact is recorded in the score history."""
    require_project_write(actor, risk.project)
    unknown = set(values) - set(RISK_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    values = _clean(dict(values), risk.organization_id)
    with transaction.atomic():
        risk = Risk.objects.select_for_update(of=("self",)).select_related("project").get(pk=risk.pk)
        old = (risk.probability, risk.impact, risk.score)
        old_owner = risk.owner_id
        score = risk_score(values.get("probability", risk.probability), values.get("impact", risk.impact))
        update_fields(actor.user, risk, {**values, "score": score})
        if (risk.probability, risk.impact) != old[:2]:
            _record_score(risk, actor.user, old, note)
        if risk.owner_id and risk.owner_id != old_owner and risk.owner_id != actor.user_id:
            notify(
                organization=risk.project.organization,
                users=[risk.owner],
                title=format_lazy(gettext_lazy("You own the risk “{}”"), risk.title),
                body=format_lazy(gettext_lazy("Project: {}"), risk.project.name),
                url=risk_url(risk),
            )
    return risk


def risk_set_status(*, actor: Membership, risk: Risk, status: str) -> Risk:
    """Move a risk along open → monitoring → occurred → closed; other moves are refused."""
    require_project_write(actor, risk.project)
    if status not in RiskStatus.values:
        raise ValidationError({"status": _("Choose one of the listed statuses.")})
    with transaction.atomic():
        risk = (
            Risk.objects.select_for_update(of=("self",))
            .select_related("project", "project__manager")
            .get(pk=risk.pk)
        )
        if risk.status == status:
            return risk
        if not risk.can_move_to(status):
            raise ValidationError(
                {
                    "status": _("A risk that is “%(old)s” cannot become “%(new)s”.")
                    % {"old": risk.get_status_display(), "new": RiskStatus(status).label}
                }
            )
        fields = {"status": status}
        now = timezone.now()
        if status == RiskStatus.OCCURRED:
            fields["occurred_at"] = now
        if status == RiskStatus.CLOSED:
            fields["closed_at"] = now
        elif risk.closed_at:
            fields["closed_at"] = None
        update_fields(actor.user, risk, fields)
        if status == RiskStatus.OCCURRED:
            event_emit(organization=risk.project.organization, name="risk.occurred", payload=_payload(risk))
            users = [u for u in (risk.project.manager, risk.owner) if u is not None and u.pk != actor.user_id]
            notify(
                organization=risk.project.organization,
                users=users,
                title=format_lazy(gettext_lazy("Risk occurred: {}"), risk.title),
                body=format_lazy(gettext_lazy("Project: {}"), risk.project.name),
                url=risk_url(risk),
            )
    return risk


def risk_reviewed(*, actor: Membership, risk: Risk, next_review_on: dt.date | None, note: str = "") -> Risk:
    """Record that the risk was reviewed and when to look at it next."""
    require_project_write(actor, risk.project)
    if next_review_on is not None and next_review_on <= timezone.localdate():
        raise ValidationError({"next_review_on": _("Choose a date after today for the next review.")})
    with transaction.atomic():
        risk = Risk.objects.select_for_update(of=("self",)).get(pk=risk.pk)
        update_fields(actor.user, risk, {"next_review_on": next_review_on, "review_reminded_on": None})
        audit_event(actor.user, risk, "reviewed", {"note": note[:500]} if note else {})
    return risk


def risk_delete(*, actor: Membership, risk: Risk) -> None:
    """Delete a risk: the project's manager (or an admin) only."""
    require_project_manage(actor, risk.project)
    with transaction.atomic():
        audit_delete(actor.user, risk)
        risk.delete()


def risk_occurred_to_tasks(*, actor: Membership, risk: Risk) -> list[Task]:
    """The risk happened: mark it occurred and open an issue task per open contingency action
    (or one for the risk itself when it has none), in one step."""
    require_project_write(actor, risk.project)
    with transaction.atomic():
        if risk.status != RiskStatus.OCCURRED:
            risk = risk_set_status(actor=actor, risk=risk, status=RiskStatus.OCCURRED)
        actions = list(risk.actions.filter(done=False).select_related("owner"))
        specs = [
            (format_lazy("{}: {}", risk.title, a.description), a.owner, a.due_date, a.description)
            for a in actions
        ] or [(risk.title, risk.owner, None, risk.mitigation)]
        tasks = []
        for title, owner, due, description in specs:
            task = Task.objects.create(
                organization_id=risk.organization_id,
                project_id=risk.project_id,
                title=str(title)[:300],
                description=description or "",
                assignee=owner,
                due_date=due,
                kind=TaskKind.ISSUE,
            )
            audit_create(actor.user, task)
            tasks.append(task)
        audit_event(actor.user, risk, "turned_into_tasks", {"tasks": [t.pk for t in tasks]})
    return tasks


def risk_occurred_to_change_request(*, actor: Membership, risk: Risk):
    """The risk happened and changes scope, time or cost: mark it occurred and draft a change request."""
    require_project_write(actor, risk.project)

    with transaction.atomic():
        if risk.status != RiskStatus.OCCURRED:
            risk = risk_set_status(actor=actor, risk=risk, status=RiskStatus.OCCURRED)
        change = change_request_from_risk(
            actor=actor,
            project=risk.project,
            title=risk.title,
            description=risk.description,
            reason=format_lazy(gettext_lazy("The risk “{}” occurred."), risk.title),
            from_risk=risk,
        )
        audit_event(actor.user, risk, "turned_into_change_request", {"change_request": change.pk})
    return change


# --- contingency plan -----------------------------------------------------------------------


def _clean_action(values: dict, organization_id) -> dict:
    if "description" in values:
        values["description"] = (values["description"] or "").strip()
        if not values["description"]:
            raise ValidationError({"description": _("Say what will be done.")})
        if len(values["description"]) > 500:
            raise ValidationError({"description": _("Keep the action under 500 characters.")})
    if "owner" in values:
        check_team_user(organization_id, values["owner"], "owner")
    return values


def contingency_action_create(
    *, actor: Membership, risk: Risk, description: str, owner=None, due_date: dt.date | None = None
) -> ContingencyAction:
    require_project_write(actor, risk.project)
    values = _clean_action({"description": description, "owner": owner}, risk.organization_id)
    with transaction.atomic():
        action = ContingencyAction.objects.create(
            organization_id=risk.organization_id, risk=risk, due_date=due_date, **values
        )
        audit_create(actor.user, action)
        if action.owner_id and action.owner_id != actor.user_id:
            notify(
                organization=risk.project.organization,
                users=[action.owner],
                title=format_lazy(gettext_lazy("Contingency action for “{}”"), risk.title),
                body=action.description,
                url=risk_url(risk),
            )
    return action


def contingency_action_update(*, actor: Membership, action: ContingencyAction, **values) -> ContingencyAction:
    require_project_write(actor, action.risk.project)
    allowed = {"description", "owner", "due_date", "done"}
    unknown = set(values) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    values = _clean_action(dict(values), action.organization_id)
    with transaction.atomic():
        if "done" in values:
            values["done_at"] = timezone.now() if values["done"] else None
        update_fields(actor.user, action, values)
    return action


def contingency_action_delete(*, actor: Membership, action: ContingencyAction) -> None:
    require_project_write(actor, action.risk.project)
    with transaction.atomic():
        audit_delete(actor.user, action)
        action.delete()


# --- reminders --------------------------------------------------------------------------------


def risk_review_reminders(*, today: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Remind each owner once a day (their day, in their time zone) of their risks whose review is
    due. ``today`` pins the day for everyone. Returns reminders sent."""
    horizon = today or (now or timezone.now()).astimezone(dt.UTC).date() + ZONE_SLACK
    due = (
        Risk.objects.filter(status__in=ACTIVE_STATUSES, next_review_on__lte=horizon, owner__isnull=False)
        .select_related("owner", "project", "project__client", "project__organization")
        .order_by("organization_id", "owner_id", "next_review_on")
    )
    grouped: dict[tuple[int, int, dt.date], list[Risk]] = defaultdict(list)
    for risk in due:
        day = today or today_for(owner=risk.owner, project=risk.project, now=now)
        if risk.next_review_on <= day and risk.review_reminded_on != day:
            grouped[(risk.organization_id, risk.owner_id, day)].append(risk)
    sent = 0
    for (_org, _owner, day), risks in grouped.items():
        with transaction.atomic():
            claimed = (
                Risk.objects.filter(pk__in=[r.pk for r in risks])
                .exclude(review_reminded_on=day)
                .update(review_reminded_on=day)
            )
            if not claimed:
                continue
            first = risks[0]
            titles = "\n".join(
                f"- {r.title} ({r.project.name}, {r.next_review_on.isoformat()})" for r in risks
            )
            notify(
                organization=first.project.organization,
                users=[first.owner],
                title=format_lazy(gettext_lazy("{} risk reviews due"), len(risks)),
                body=titles,
                url=reverse("risks:queue"),
            )
            sent += 1
    return sent
