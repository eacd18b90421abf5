"""Risk register pages. Thin: access → form → service → page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accord.audit.services import audit_for
from accord.core.concurrency import check_version, versioned_edit
from accord.core.ui import apply_service_errors, form_page
from accord.tenancy.access import (
    in_visible_projects,
    project_for_user,
    project_object_for_user,
    team_required,
)

from . import selectors, services
from .forms import ContingencyActionForm, ReviewForm, RiskFilterForm, RiskForm, StatusForm
from .models import ContingencyAction, Risk

LIST_LIMIT = 300


@team_required
def queue(request):
    """Organisation-wide review queue: risks due for review on the projects the user sees."""
    member = request.membership
    visible = in_visible_projects(Risk.objects.all(), member)
    mine = request.GET.get("mine") == "1"
    if mine:
        visible = visible.filter(owner_id=member.user_id)
    due = list(selectors.review_queue(visible)[:LIST_LIMIT])
    return render(
        request,
        "risks/queue.html",
        {"risks": due, "mine": mine, "nav_active": "risks", "today": timezone.localdate()},
    )


@team_required
def project_list(request, pk):
    project = project_for_user(request.membership, pk)
    filters = RiskFilterForm(request.GET or None)
    base = Risk.objects.filter(organization_id=project.organization_id, project=project)
    risks = list(selectors.risk_list(base, **filters.filters()).order_by("-score", "id")[:LIST_LIMIT])
    query = request.GET.copy()
    for key in ("p", "i"):
        query.pop(key, None)
    return render(
        request,
        "risks/project_list.html",
        {
            "project": project,
            "tab": "risks",
            "risks": risks,
            "filters": filters,
            "heat": selectors.heat_map(base),
            "query": query.urlencode(),
            "today": timezone.localdate(),
        },
    )


@team_required
@require_http_methods(["GET", "POST"])
def create(request, pk):
    project = project_for_user(request.membership, pk, write=True)
    form = RiskForm(request.POST or None, organization_id=project.organization_id)
    if request.method == "POST" and form.is_valid():
        try:
            risk = services.risk_create(actor=request.membership, project=project, **form.values())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Risk raised."))
            return redirect("risks:detail", risk.pk)
    return form_page(
        request, form, title=_("Raise a risk"), back_url=reverse("risks:project_list", args=[project.pk])
    )


@team_required
def detail(request, pk):
    risk = project_object_for_user(
        request.membership, Risk.objects.select_related("owner", "project__client"), pk
    )
    return _detail_page(request, risk, StatusForm(initial={"status": risk.status}))


def _detail_page(request, risk, status_form):
    """The risk's page; ``status_form`` is the quick status form, bound when a stale one comes back."""
    return render(
        request,
        "risks/detail.html",
        {
            "risk": risk,
            "project": risk.project,
            "tab": "risks",
            "actions": risk.actions.select_related("owner"),
            "score_changes": risk.score_changes.select_related("changed_by")[:50],
            "action_form": ContingencyActionForm(organization_id=risk.organization_id),
            "status_form": status_form,
            "review_form": ReviewForm(initial={"next_review_on": risk.next_review_on}),
            "change_requests": risk.change_requests.all(),
            "history": audit_for(risk)[:50],
            "today": timezone.localdate(),
        },
    )


@team_required
@require_http_methods(["GET", "POST"])
@versioned_edit
def edit(request, pk):
    risk = project_object_for_user(request.membership, Risk.objects.all(), pk, write=True)
    form = RiskForm(request.POST or None, instance=risk, organization_id=risk.organization_id)
    check_version(request, form, risk)
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_update(
                actor=request.membership, risk=risk, note=form.cleaned_data.get("note") or "", **form.values()
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Risk saved."))
            return redirect("risks:detail", risk.pk)
    return form_page(request, form, title=_("Edit risk"), back_url=reverse("risks:detail", args=[risk.pk]))


@team_required
@require_http_methods(["GET", "POST"])
def delete(request, pk):
    risk = project_object_for_user(request.membership, Risk.objects.all(), pk, manage=True)
    if request.method == "POST":
        project_id = risk.project_id
        services.risk_delete(actor=request.membership, risk=risk)
        messages.success(request, _("Risk deleted."))
        return redirect("risks:project_list", project_id)
    return render(
        request,
        "web/confirm_delete.html",
        {"object": risk, "back_url": reverse("risks:detail", args=[risk.pk])},
    )


def _post_error(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@team_required
@require_POST
@versioned_edit
def set_status(request, pk):
    risk = project_object_for_user(
        request.membership, Risk.objects.select_related("owner", "project__client"), pk, write=True
    )
    form = StatusForm(request.POST)
    check_version(request, form, risk)
    if getattr(form, "edit_conflict", None):
        return _detail_page(request, risk, form)  # 409: their status beside yours, yours kept
    if not form.is_valid():
        messages.error(request, _("Choose one of the listed statuses."))
    else:
        try:
            services.risk_set_status(actor=request.membership, risk=risk, status=form.cleaned_data["status"])
            messages.success(request, _("Status changed."))
        except ValidationError as exc:
            _post_error(request, exc)
    return redirect("risks:detail", risk.pk)


@team_required
@require_POST
def review(request, pk):
    risk = project_object_for_user(request.membership, Risk.objects.all(), pk, write=True)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid date for the next review."))
    else:
        try:
            services.risk_reviewed(
                actor=request.membership,
                risk=risk,
                next_review_on=form.cleaned_data["next_review_on"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("Review recorded."))
        except ValidationError as exc:
            _post_error(request, exc)
    return redirect("risks:detail", risk.pk)


@team_required
@require_POST
def to_tasks(request, pk):
    risk = project_object_for_user(request.membership, Risk.objects.all(), pk)
    try:
        tasks = services.risk_occurred_to_tasks(actor=request.membership, risk=risk)
    except ValidationError as exc:
        _post_error(request, exc)
    else:
        messages.success(request, _("%(n)d issue tasks opened.") % {"n": len(tasks)})
    return redirect("risks:detail", risk.pk)


@team_required
@require_POST
def to_change(request, pk):
    risk = project_object_for_user(request.membership, Risk.objects.all(), pk)
    try:
        change = services.risk_occurred_to_change_request(actor=request.membership, risk=risk)
    except ValidationError as exc:
        _post_error(request, exc)
        return redirect("risks:detail", risk.pk)
    messages.success(request, _("Change request drafted from the risk."))
    return redirect("changes:detail", change.pk)


@team_required
@require_POST
def action_create(request, pk):
    risk = project_object_for_user(request.membership, Risk.objects.all(), pk, write=True)
    form = ContingencyActionForm(request.POST, organization_id=risk.organization_id)
    if form.is_valid():
        try:
            services.contingency_action_create(actor=request.membership, risk=risk, **form.cleaned_data)
            messages.success(request, _("Contingency action added."))
            return redirect("risks:detail", risk.pk)
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return form_page(
        request, form, title=_("Add a contingency action"), back_url=reverse("risks:detail", args=[risk.pk])
    )


@team_required
@require_POST
def action_toggle(request, pk):
    action = _action_for(request, pk)
    services.contingency_action_update(actor=request.membership, action=action, done=not action.done)
    return redirect("risks:detail", action.risk_id)


@team_required
@require_POST
def action_delete(request, pk):
    action = _action_for(request, pk)
    services.contingency_action_delete(actor=request.membership, action=action)
    messages.success(request, _("Contingency action removed."))
    return redirect("risks:detail", action.risk_id)


def _action_for(request, pk) -> ContingencyAction:
    from accord.tenancy.access import org_get

    action = org_get(request.membership, ContingencyAction.objects.select_related("risk"), pk)
    project_for_user(request.membership, action.risk.project_id, write=True)
    return action
