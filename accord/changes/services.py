"""Change requests: draft → submitted → assessed → approved / rejected → implemented, and the
project baseline each approval revises.

Every transition locks the request row (``select_for_update``) and re-reads its state, so of
two people acting at once one succeeds and the other gets a clear refusal.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.audit.services import audit_create, audit_event, update_fields
from accord.comms.services import event_emit, notify
from accord.lib.money import quantize
from accord.projects.models import Milestone, Project
from accord.tenancy.access import require_project_manage, require_project_write
from accord.tenancy.models import Membership

from .models import (
    Baseline,
    ChangeRequest,
    ChangeRequestMilestone,
    ChangeRequestNeed,
    ChangeRequestRisk,
    ChangeStatus,
)

MAX_SCHEDULE_DAYS = 3650
MAX_AMOUNT = Decimal("999999999999.99")


def change_url(change: ChangeRequest) -> str:
    return reverse("changes:detail", args=[change.pk])


def _payload(change: ChangeRequest) -> dict:
    return {
        "id": change.pk,
        "project_id": change.project_id,
        "title": change.title,
        "status": change.status,
        "schedule_days": change.schedule_days,
        "effort_hours": str(change.effort_hours),
        "cost_amount": str(change.cost_amount),
        "currency": change.currency,
        "decided_by_name": change.decided_by_name,
        "decided_at": change.decided_at.isoformat() if change.decided_at else None,
    }


def _team(project: Project) -> list:
    users = list(project.team.all())
    if project.manager_id:
        users.append(project.manager)
    return users


def is_project_contact(project: Project, contact) -> bool:
    """A client contact of this very project (a stakeholder of it, of its client)."""
    return (
        contact is not None
        and contact.organization_id == project.organization_id
        and contact.client_id == project.client_id
        and project.contacts.filter(pk=contact.pk).exists()
    )


def is_change_approver(project: Project, contact) -> bool:
    """A stakeholder of this project who may decide for the client: its sponsor or a decision maker."""
    from accord.crm.models import APPROVER_ROLES

    return contact is not None and contact.role in APPROVER_ROLES and is_project_contact(project, contact)


def user_is_change_approver(user, project: Project) -> bool:
    """Whether ``user`` signs in as a sponsor or decision maker among ``project``'s stakeholders
    (one query, for list pages)."""
    from accord.crm.models import APPROVER_ROLES, Contact

    return (
        getattr(user, "pk", None) is not None
        and Contact.objects.filter(
            organization_id=project.organization_id,
            client_id=project.client_id,
            portal_user_id=user.pk,
            projects=project,
            role__in=APPROVER_ROLES,
        ).exists()
    )


def _approvers_notify(change: ChangeRequest) -> None:
    """Tell the client's approver stakeholders with a portal account that a change request
    waits for their decision (a notice and an e-mail, in their language)."""
    from accord.crm.models import APPROVER_ROLES, Contact

    project = change.project
    users = [
        c.portal_user
        for c in Contact.objects.filter(
            organization_id=project.organization_id,
            client_id=project.client_id,
            projects=project,
            role__in=APPROVER_ROLES,
            is_active=True,
            portal_user__isnull=False,
        ).select_related("portal_user")
    ]
    if not users:
        return
    notify(
        organization=project.organization,
        users=users,
        title=format_lazy(gettext_lazy("Your decision is awaited: change request “{}”"), change.title),
        body=format_lazy(
            gettext_lazy(
                "Project {project}: the team has assessed the change request “{title}” "
                "(schedule: {days} days, cost: {cost} {currency}). It waits for your decision: "
                "open it in the client portal to approve or reject it."
            ),
            project=project.name,
            title=change.title,
            days=change.schedule_days,
            cost=change.cost_amount,
            currency=change.currency,
        ),
        url=reverse("portal:change_detail", args=[change.pk]),
        related=change,
    )


def approver_refusal() -> str:
    return _(
        "Only the client’s sponsor or a decision maker on this project can approve or reject a "
        "change request. Ask them to decide, or ask the project manager to record their decision."
    )


def _check_requested_by(project: Project, contact) -> None:
    if contact is None:
        return
    if contact.organization_id != project.organization_id or contact.client_id != project.client_id:
        raise ValidationError({"requested_by": _("Choose a contact of this project's client.")})


def _clean_text(values: dict) -> dict:
    if "title" in values:
        values["title"] = str(values["title"] or "").strip()
        if not values["title"]:
            raise ValidationError({"title": _("Give the change request a short title.")})
        if len(values["title"]) > 300:
            raise ValidationError({"title": _("Keep the title under 300 characters.")})
    for key in ("description", "reason"):
        if key in values:
            values[key] = str(values[key] or "")
    return values


def _set_needs(change: ChangeRequest, needs) -> None:
    needs = list(needs)
    if any(n.project_id != change.project_id for n in needs):
        raise ValidationError({"needs": _("Choose needs of this project.")})
    change.need_links.exclude(need__in=needs).delete()
    existing = set(change.need_links.values_list("need_id", flat=True))
    ChangeRequestNeed.objects.bulk_create(
        [
            ChangeRequestNeed(organization_id=change.organization_id, change_request=change, need=n)
            for n in needs
            if n.pk not in existing
        ]
    )


def change_request_create(
    *,
    actor: Membership,
    project: Project,
    title: str,
    description: str = "",
    reason: str = "",
    requested_by=None,
    requested_on: dt.date | None = None,
    needs=(),
    from_risk=None,
) -> ChangeRequest:
    """A draft change request on ``project``, by someone on its team."""
    require_project_write(actor, project)
    return _create(
        user=actor.user,
        project=project,
        title=title,
        description=description,
        reason=reason,
        requested_by=requested_by,
        requested_on=requested_on,
        needs=needs,
        from_risk=from_risk,
    )


def _create(
    *, user, project, title, description, reason, requested_by, requested_on, needs, from_risk
) -> ChangeRequest:
    values = _clean_text({"title": title, "description": description, "reason": reason})
    _check_requested_by(project, requested_by)
    if from_risk is not None and from_risk.project_id != project.pk:
        raise ValidationError({"from_risk": _("Choose a risk of this project.")})
    with transaction.atomic():
        change = ChangeRequest.objects.create(
            organization_id=project.organization_id,
            project=project,
            requested_by=requested_by,
            requested_on=requested_on or timezone.localdate(),
            created_by=user,
            from_risk=from_risk,
            currency=project.currency,
            **values,
        )
        if needs:
            _set_needs(change, needs)
        audit_create(user, change)
    return change


def change_request_update(
    *, actor: Membership, change_request: ChangeRequest, needs=None, **values
) -> ChangeRequest:
    """Edit the request itself (not the assessment) while it is a draft or submitted."""
    require_project_write(actor, change_request.project)
    allowed = {"title", "description", "reason", "requested_by", "requested_on"}
    unknown = set(values) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    values = _clean_text(dict(values))
    if "requested_by" in values:
        _check_requested_by(change_request.project, values["requested_by"])
    with transaction.atomic():
        change = (
            ChangeRequest.objects.select_for_update(of=("self",))
            .select_related("project")
            .get(pk=change_request.pk)
        )
        if change.status not in (ChangeStatus.DRAFT, ChangeStatus.SUBMITTED):
            raise ValidationError(_("Only a draft or submitted change request can be edited."))
        update_fields(actor.user, change, values)
        if needs is not None:
            _set_needs(change, needs)
    return change


def _locked(change_request: ChangeRequest) -> ChangeRequest:
    return (
        ChangeRequest.objects.select_for_update(of=("self",))
        .select_related("project", "project__organization", "project__manager")
        .get(pk=change_request.pk)
    )


def _refuse(user, change: ChangeRequest, verb: str, message: str, field: str | None = None):
    """Audit a refused transition and build the error to raise after the transaction."""
    audit_event(user, change, verb, {"status": change.status, "reason": message}, denied=True)
    return ValidationError({field: message} if field else message)


def _move(change: ChangeRequest, status: str, user, verb: str):
    if change.can_move_to(status):
        return None
    message = _("This change request is “%(status)s”: it cannot be %(verb)s now.") % {
        "status": change.get_status_display(),
        "verb": {
            ChangeStatus.SUBMITTED: _("submitted"),
            ChangeStatus.ASSESSED: _("assessed"),
            ChangeStatus.APPROVED: _("approved"),
            ChangeStatus.REJECTED: _("rejected"),
            ChangeStatus.IMPLEMENTED: _("marked implemented"),
        }[status],
    }
    if status in (ChangeStatus.APPROVED, ChangeStatus.REJECTED) and change.status in (
        ChangeStatus.DRAFT,
        ChangeStatus.SUBMITTED,
    ):
        message = _(
            "This change request has not been assessed yet: "
            "the client can decide only after the impact assessment."
        )
    elif status in (ChangeStatus.APPROVED, ChangeStatus.REJECTED) and change.is_decided:
        message = _("This change request was already decided (%(status)s by %(name)s).") % {
            "status": change.get_status_display(),
            "name": change.decided_by_name or "—",
        }
    return _refuse(user, change, verb, message, "status")


def change_request_submit(*, actor: Membership, change_request: ChangeRequest) -> ChangeRequest:
    """Draft → submitted: the project team is told, webhooks get ``change_request.submitted``."""
    require_project_write(actor, change_request.project)
    return _submit(user=actor.user, change_request=change_request)


def _submit(*, user, change_request: ChangeRequest) -> ChangeRequest:
    refusal = None
    with transaction.atomic():
        change = _locked(change_request)
        refusal = _move(change, ChangeStatus.SUBMITTED, user, "submit")
        if refusal is None:
            update_fields(user, change, {"status": ChangeStatus.SUBMITTED, "submitted_at": timezone.now()})
            event_emit(
                organization=change.project.organization,
                name="change_request.submitted",
                payload=_payload(change),
            )
            notify(
                organization=change.project.organization,
                users=[u for u in _team(change.project) if u.pk != user.pk],
                title=format_lazy(gettext_lazy("Change request submitted: {}"), change.title),
                body=format_lazy(
                    gettext_lazy("Project: {}. Assess its impact on schedule and cost."), change.project.name
                ),
                url=change_url(change),
            )
    if refusal is not None:
        raise refusal
    return change


def change_request_client_submit(
    *,
    actor: Membership,
    contact,
    project: Project,
    title: str,
    description: str = "",
    reason: str = "",
    needs=(),
) -> ChangeRequest:
    """A client contact asks for a change on their own project: created and submitted at once."""
    if not actor.is_client or actor.organization_id != project.organization_id:
        raise PermissionDenied
    if not is_project_contact(project, contact):
        raise PermissionDenied
    with transaction.atomic():
        change = _create(
            user=actor.user,
            project=project,
            title=title,
            description=description,
            reason=reason,
            requested_by=contact,
            requested_on=None,
            needs=needs,
            from_risk=None,
        )
        return _submit(user=actor.user, change_request=change)


def _decimal(value, field: str, currency: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("Enter a number, for example 1200.50.")}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("Enter a number, for example 1200.50.")})
    if amount < 0:
        raise ValidationError({field: _("Enter zero or a positive amount.")})
    if amount > MAX_AMOUNT:
        raise ValidationError({field: _("This amount is too large.")})
    return quantize(amount, currency)


def change_request_assess(
    *,
    actor: Membership,
    change_request: ChangeRequest,
    schedule_days: int,
    effort_hours,
    cost_amount,
    affected_milestones=(),
    new_risks=(),
    notes: str = "",
) -> ChangeRequest:
    """Our impact assessment: days, hours and cost in the project's currency (submitted → assessed)."""
    project = change_request.project
    require_project_write(actor, project)
    if isinstance(schedule_days, bool) or not isinstance(schedule_days, int):
        raise ValidationError({"schedule_days": _("Enter a whole number of days.")})
    if not 0 <= schedule_days <= MAX_SCHEDULE_DAYS:
        raise ValidationError({"schedule_days": _("Enter between 0 and 3650 days.")})
    effort = _decimal(effort_hours, "effort_hours", "EUR")  # hours keep two decimals, like EUR
    cost = _decimal(cost_amount, "cost_amount", project.currency)
    milestones = list(affected_milestones)
    if any(m.project_id != project.pk for m in milestones):
        raise ValidationError({"affected_milestones": _("Choose milestones of this project.")})
    risks = list(new_risks)
    if any(r.project_id != project.pk for r in risks):
        raise ValidationError({"new_risks": _("Choose risks of this project.")})
    refusal = None
    with transaction.atomic():
        change = _locked(change_request)
        refusal = _move(change, ChangeStatus.ASSESSED, actor.user, "assess")
        if refusal is None:
            update_fields(
                actor.user,
                change,
                {
                    "status": ChangeStatus.ASSESSED,
                    "schedule_days": schedule_days,
                    "effort_hours": effort,
                    "cost_amount": cost,
                    "currency": change.project.currency,
                    "assessment_notes": notes or "",
                    "assessed_by": actor.user,
                    "assessed_at": timezone.now(),
                },
            )
            change.milestone_links.all().delete()
            ChangeRequestMilestone.objects.bulk_create(
                [
                    ChangeRequestMilestone(
                        organization_id=change.organization_id, change_request=change, milestone=m
                    )
                    for m in {m.pk: m for m in milestones}.values()
                ]
            )
            change.risk_links.all().delete()
            ChangeRequestRisk.objects.bulk_create(
                [
                    ChangeRequestRisk(organization_id=change.organization_id, change_request=change, risk=r)
                    for r in {r.pk: r for r in risks}.values()
                ]
            )
            audit_event(
                actor.user,
                change,
                "assessed",
                {"milestones": [m.pk for m in milestones], "risks": [r.pk for r in risks]},
            )
            _approvers_notify(change)
    if refusal is not None:
        raise refusal
    return change


# --- baseline -------------------------------------------------------------------------------


def baseline_current(project: Project) -> Baseline | None:
    return Baseline.objects.filter(project=project).order_by("-version").first()


def baseline_capture(*, actor: Membership, project: Project, reason: str = "") -> Baseline:
    """The project's plan as it stands: the first baseline (or a fresh one) is taken from it."""
    require_project_write(actor, project)
    return _baseline_capture(user=actor.user, project=project, reason=reason)


def _baseline_capture(*, user, project: Project, reason: str = "") -> Baseline:
    version = (Baseline.objects.filter(project=project).aggregate(v=Max("version"))["v"] or 0) + 1
    milestones = Milestone.objects.filter(project=project).order_by("due_date", "id")
    baseline = Baseline.objects.create(
        organization_id=project.organization_id,
        project=project,
        version=version,
        end_date=project.end_date,
        milestone_dates={str(m.pk): m.due_date.isoformat() for m in milestones},
        budget_amount=project.budget_amount,
        currency=project.currency,
        reason=(reason or "")[:300],
        created_by=user,
    )
    audit_create(user, baseline)
    return baseline


def _revise_baseline(*, user, change: ChangeRequest) -> Baseline:
    """Apply an approved change to the project and record the new baseline version."""
    project = Project.objects.select_for_update(of=("self",)).get(pk=change.project_id)
    previous = baseline_current(project) or _baseline_capture(user=user, project=project)
    days = dt.timedelta(days=change.schedule_days)
    fields = {"end_date": previous.end_date + days}
    if change.cost_amount or project.budget_amount is not None:
        base = previous.budget_amount if previous.budget_amount is not None else Decimal("0")
        fields["budget_amount"] = quantize(base + change.cost_amount, project.currency)
    update_fields(user, project, fields)
    milestone_dates = dict(previous.milestone_dates)
    affected = set(change.milestone_links.values_list("milestone_id", flat=True))
    for milestone in Milestone.objects.select_for_update(of=("self",)).filter(project=project).order_by("id"):
        key = str(milestone.pk)
        base_date = (
            dt.date.fromisoformat(milestone_dates[key]) if key in milestone_dates else milestone.due_date
        )
        new_date = base_date + days if milestone.pk in affected else base_date
        milestone_dates[key] = new_date.isoformat()
        if milestone.pk in affected or milestone.baseline_due_date is None:
            fields = {"baseline_due_date": new_date}
            if milestone.pk in affected:
                fields["due_date"] = new_date
            update_fields(user, milestone, fields)
    baseline = Baseline.objects.create(
        organization_id=project.organization_id,
        project=project,
        version=previous.version + 1,
        end_date=project.end_date,
        milestone_dates=milestone_dates,
        budget_amount=project.budget_amount,
        currency=project.currency,
        reason="",  # shown in the reader's language from the change request (Baseline.display_reason)
        change_request=change,
        created_by=user,
    )
    audit_create(user, baseline)
    return baseline


def _decide(
    *,
    user,
    change_request: ChangeRequest,
    contact,
    approve: bool,
    name: str,
    comment: str,
    signed_in: bool = False,
):
    """``signed_in``: the client decides themselves (``user`` is their account), so the
    contact must be an approver and the record keeps the account and its address."""
    name = (name or "").strip()
    verb = "approve" if approve else "reject"
    refusal = None
    with transaction.atomic():
        change = _locked(change_request)
        if not is_project_contact(change.project, contact):
            audit_event(user, change, verb, {"reason": "not a client contact of this project"}, denied=True)
            refusal = PermissionDenied(
                _("Only a client contact of this project can decide this change request.")
            )
        elif signed_in and not is_change_approver(change.project, contact):
            audit_event(
                user,
                change,
                verb,
                {"reason": "not an approver", "contact": contact.pk, "role": contact.role},
                denied=True,
            )
            refusal = PermissionDenied(approver_refusal())
        elif not name:
            refusal = _refuse(user, change, verb, _("Type your full name to sign the decision."), "name")
        elif len(name) > 200:
            refusal = _refuse(user, change, verb, _("Keep the name under 200 characters."), "name")
        else:
            refusal = _move(change, ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED, user, verb)
        if refusal is None and approve and change.currency and change.currency != change.project.currency:
            refusal = _refuse(
                user,
                change,
                verb,
                _(
                    "The project's currency changed after the assessment: "
                    "assess the cost again in %(currency)s."
                )
                % {"currency": change.project.currency},
                "status",
            )
        if refusal is None:
            update_fields(
                user,
                change,
                {
                    "status": ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED,
                    "decided_by": contact,
                    "decided_by_name": name,
                    "decided_by_user": user if signed_in else None,
                    "decided_by_email": user.email if signed_in else "",
                    "decided_at": timezone.now(),
                    "decision_comment": comment or "",
                },
            )
            audit_event(
                user,
                change,
                "approved" if approve else "rejected",
                {
                    "name": name,
                    "contact": contact.pk,
                    "contact_email": contact.email,
                    "user": user.pk if signed_in else None,
                    "user_email": user.email if signed_in else "",
                    "comment": comment or "",
                },
            )
            if approve:
                _revise_baseline(user=user, change=change)
            event_emit(
                organization=change.project.organization,
                name="change_request.decided",
                payload=_payload(change),
            )
            label = gettext_lazy("approved") if approve else gettext_lazy("rejected")
            notify(
                organization=change.project.organization,
                users=_team(change.project),
                title=format_lazy(gettext_lazy("Change request {}: {}"), label, change.title),
                body=format_lazy(gettext_lazy("Decided by {} with the comment: {}"), name, comment or "—"),
                url=change_url(change),
            )
    if refusal is not None:
        raise refusal
    return change


def change_request_decide(
    *, actor: Membership, change_request: ChangeRequest, approve: bool, name: str, comment: str = ""
) -> ChangeRequest:
    """The client's decision, by the signed-in client contact (portal or API client token): a
    sponsor or decision maker among the project's stakeholders (else PermissionDenied, audited)."""
    if actor.organization_id != change_request.organization_id:
        raise PermissionDenied
    return _decide(
        user=actor.user,
        change_request=change_request,
        contact=signed_in_contact(actor.user, change_request.project),
        approve=approve,
        name=name,
        comment=comment,
        signed_in=True,
    )


def signed_in_contact(user, project: Project):
    """The contact ``user`` signs in as for ``project``: a stakeholder of it if there is one
    (an approver first), else any contact of the organisation with that portal account."""
    from django.db.models import Case, IntegerField, Value, When

    from accord.crm.models import APPROVER_ROLES, Contact

    if getattr(user, "pk", None) is None:
        return None
    mine = Contact.objects.filter(organization_id=project.organization_id, portal_user_id=user.pk)
    stakeholder = (
        mine.filter(projects=project, client_id=project.client_id)
        .annotate(
            approver=Case(
                When(role__in=APPROVER_ROLES, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("approver", "id")
        .first()
    )
    return stakeholder or mine.order_by("id").first()


def change_request_record_decision(
    *,
    actor: Membership,
    change_request: ChangeRequest,
    contact,
    approve: bool,
    name: str = "",
    comment: str = "",
) -> ChangeRequest:
    """The team records a decision the client gave in writing (e-mail, signed form): the decider
    is still a client contact of this project, and the record says who entered it (the
    project's manager or an admin)."""
    require_project_manage(actor, change_request.project)
    return _decide(
        user=actor.user,
        change_request=change_request,
        contact=contact,
        approve=approve,
        name=name or (contact.display_name if contact is not None else ""),
        comment=comment,
    )


def change_request_implement(*, actor: Membership, change_request: ChangeRequest) -> ChangeRequest:
    require_project_write(actor, change_request.project)
    refusal = None
    with transaction.atomic():
        change = _locked(change_request)
        refusal = _move(change, ChangeStatus.IMPLEMENTED, actor.user, "implement")
        if refusal is None:
            update_fields(
                actor.user, change, {"status": ChangeStatus.IMPLEMENTED, "implemented_at": timezone.now()}
            )
    if refusal is not None:
        raise refusal
    return change
