"""Change request pages, the change log and the baseline history."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accord.audit.services import audit_for
from accord.core.concurrency import check_version, versioned_edit
from accord.core.ui import apply_service_errors, form_page
from accord.lib.text import safe_cell
from accord.tenancy.access import project_for_user, project_object_for_user, team_required

from . import selectors, services
from .forms import AssessmentForm, ChangeRequestForm, DecisionForm
from .models import ChangeRequest, ChangeStatus

LIST_LIMIT = 500


def _for(request, pk, **kwargs) -> ChangeRequest:
    return project_object_for_user(request.membership, ChangeRequest.objects.all(), pk, **kwargs)


@team_required
def project_list(request, pk):
    project = project_for_user(request.membership, pk)
    base = ChangeRequest.objects.filter(organization_id=project.organization_id, project=project)
    status = request.GET.get("status") or None
    if status not in ChangeStatus.values:
        status = None
    return render(
        request,
        "changes/project_list.html",
        {
            "project": project,
            "tab": "changes",
            "changes": list(selectors.change_list(base, status=status).order_by("-id")[:LIST_LIMIT]),
            "totals": selectors.change_log_totals(base, project.currency),
            "baselines": list(selectors.baseline_history(project)[:100]),
            "statuses": ChangeStatus.choices,
            "status": status,
        },
    )


def _csv_response(filename: str, header: list, rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # spreadsheet programs read UTF-8 (Chinese) correctly with a BOM
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return response


@team_required
def export_log(request, pk):
    project = project_for_user(request.membership, pk)
    base = ChangeRequest.objects.filter(organization_id=project.organization_id, project=project)
    changes = selectors.change_list(base).order_by("id")
    totals = selectors.change_log_totals(base, project.currency)
    rows = [
        [
            c.pk,
            c.title,
            c.get_status_display(),
            str(c.requested_by or ""),
            c.requested_on.isoformat(),
            c.schedule_days,
            str(c.effort_hours),
            str(c.cost_amount),
            c.currency,
            c.decided_by_name,
            c.decided_at.isoformat() if c.decided_at else "",
            c.decision_comment,
        ]
        for c in changes
    ]
    rows.append(
        [
            "",
            _("Approved total"),
            "",
            "",
            "",
            totals["days"],
            str(totals["hours"]),
            str(totals["cost"]),
            project.currency,
            "",
            "",
            "",
        ]
    )
    header = [
        _("Number"),
        _("Title"),
        _("Status"),
        _("Requested by"),
        _("Requested on"),
        _("Days"),
        _("Hours"),
        _("Cost"),
        _("Currency"),
        _("Decided by"),
        _("Decided at"),
        _("Comment"),
    ]
    return _csv_response(f"change-log-{project.code}.csv", header, rows)


@team_required
def export_baselines(request, pk):
    project = project_for_user(request.membership, pk)
    rows = [
        [
            b.version,
            b.created_at.isoformat(),
            b.end_date.isoformat(),
            "" if b.budget_amount is None else str(b.budget_amount),
            b.currency,
            b.display_reason,
            b.change_request_id or "",
            "; ".join(f"{k}={v}" for k, v in sorted(b.milestone_dates.items())),
        ]
        for b in selectors.baseline_history(project).order_by("version")
    ]
    header = [
        _("Version"),
        _("Recorded"),
        _("Planned end"),
        _("Budget"),
        _("Currency"),
        _("Reason"),
        _("Change request"),
        _("Milestone dates"),
    ]
    return _csv_response(f"baselines-{project.code}.csv", header, rows)


@team_required
@require_http_methods(["GET", "POST"])
def create(request, pk):
    project = project_for_user(request.membership, pk, write=True)
    form = ChangeRequestForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change = services.change_request_create(
                actor=request.membership,
                project=project,
                title=data["title"],
                description=data["description"],
                reason=data["reason"],
                requested_by=data["requested_by"],
                requested_on=data["requested_on"],
                needs=data["needs"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Change request drafted."))
            return redirect("changes:detail", change.pk)
    return form_page(
        request,
        form,
        title=_("New change request"),
        back_url=reverse("changes:project_list", args=[project.pk]),
    )


@team_required
def detail(request, pk):
    change = project_object_for_user(
        request.membership,
        ChangeRequest.objects.select_related(
            "requested_by", "decided_by", "assessed_by", "from_risk", "project__client"
        ),
        pk,
    )
    return render(
        request,
        "changes/detail.html",
        {
            "change": change,
            "project": change.project,
            "tab": "changes",
            "needs": change.needs.all(),
            "milestones": change.affected_milestones.all(),
            "risks": change.new_risks.all(),
            "baselines": change.baselines.all(),
            "history": audit_for(change)[:50],
        },
    )


@team_required
@require_http_methods(["GET", "POST"])
@versioned_edit
def edit(request, pk):
    change = _for(request, pk, write=True)
    form = ChangeRequestForm(request.POST or None, instance=change, project=change.project)
    check_version(request, form, change)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_request_update(
                actor=request.membership,
                change_request=change,
                needs=data["needs"],
                title=data["title"],
                description=data["description"],
                reason=data["reason"],
                requested_by=data["requested_by"],
                requested_on=data["requested_on"] or change.requested_on,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Change request saved."))
            return redirect("changes:detail", change.pk)
    return form_page(
        request, form, title=_("Edit change request"), back_url=reverse("changes:detail", args=[change.pk])
    )


def _flash(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@team_required
@require_POST
def submit(request, pk):
    change = _for(request, pk)
    try:
        services.change_request_submit(actor=request.membership, change_request=change)
        messages.success(request, _("Change request submitted."))
    except ValidationError as exc:
        _flash(request, exc)
    return redirect("changes:detail", change.pk)


@team_required
@require_http_methods(["GET", "POST"])
def assess(request, pk):
    change = _for(request, pk, write=True)
    initial = {
        "schedule_days": change.schedule_days,
        "effort_hours": change.effort_hours,
        "cost_amount": change.cost_amount,
        "affected_milestones": [link.milestone_id for link in change.milestone_links.all()],
        "new_risks": [link.risk_id for link in change.risk_links.all()],
        "notes": change.assessment_notes,
    }
    form = AssessmentForm(request.POST or None, initial=initial, project=change.project)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_request_assess(
                actor=request.membership,
                change_request=change,
                schedule_days=data["schedule_days"],
                effort_hours=data["effort_hours"],
                cost_amount=data["cost_amount"],
                affected_milestones=data["affected_milestones"],
                new_risks=data["new_risks"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Impact assessed: the client can now decide."))
            return redirect("changes:detail", change.pk)
    return form_page(
        request, form, title=_("Assess the impact"), back_url=reverse("changes:detail", args=[change.pk])
    )


@team_required
@require_http_methods(["GET", "POST"])
def record_decision(request, pk):
    change = _for(request, pk, manage=True)
    form = DecisionForm(request.POST or None, project=change.project)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_request_record_decision(
                actor=request.membership,
                change_request=change,
                contact=data["contact"],
                approve=data["decision"] == "approve",
                name=data["name"],
                comment=data["comment"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error("contact", str(exc) or _("Choose a client contact of this project."))
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("changes:detail", change.pk)
    return form_page(
        request,
        form,
        title=_("Record the client's decision"),
        back_url=reverse("changes:detail", args=[change.pk]),
    )


@team_required
@require_POST
def implement(request, pk):
    change = _for(request, pk)
    try:
        services.change_request_implement(actor=request.membership, change_request=change)
        messages.success(request, _("Marked implemented."))
    except ValidationError as exc:
        _flash(request, exc)
    return redirect("changes:detail", change.pk)
