"""Needs register pages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accord.audit.services import audit_for
from accord.core.concurrency import check_version, versioned_edit
from accord.core.ui import apply_service_errors, form_page
from accord.tenancy.access import project_for_user, project_object_for_user, team_required

from . import selectors, services
from .forms import NeedFilterForm, NeedForm, NeedStatusForm
from .models import PRIORITY_ORDER, Need

_DETAIL = Need.objects.select_related(
    "source_contact", "source_interaction", "source_meeting", "milestone", "project__client"
)

LIST_LIMIT = 500


def _sorted(needs):
    return sorted(needs, key=lambda n: (PRIORITY_ORDER.get(n.priority, 9), n.pk))


@team_required
def project_list(request, pk):
    project = project_for_user(request.membership, pk)
    filters = NeedFilterForm(request.GET or None)
    base = Need.objects.filter(organization_id=project.organization_id, project=project)
    needs = _sorted(selectors.need_list(base, **filters.filters()).order_by("id")[:LIST_LIMIT])
    return render(
        request,
        "needs/project_list.html",
        {"project": project, "tab": "needs", "needs": needs, "filters": filters},
    )


@team_required
def trace(request, pk):
    project = project_for_user(request.membership, pk)
    base = Need.objects.filter(organization_id=project.organization_id, project=project)
    needs = _sorted(selectors.traceability(base).order_by("id")[:LIST_LIMIT])
    totals = {
        "all": len(needs),
        "delivered": sum(1 for n in needs if n.is_delivered),
        "accepted": sum(1 for n in needs if n.is_accepted),
    }
    return render(
        request, "needs/trace.html", {"project": project, "tab": "needs", "needs": needs, "totals": totals}
    )


@team_required
@require_http_methods(["GET", "POST"])
def create(request, pk):
    project = project_for_user(request.membership, pk, write=True)
    form = NeedForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            need = services.need_create(
                actor=request.membership, project=project, tasks=form.cleaned_data["tasks"], **form.values()
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Need recorded."))
            return redirect("needs:detail", need.pk)
    return form_page(
        request, form, title=_("Record a need"), back_url=reverse("needs:project_list", args=[project.pk])
    )


@team_required
def detail(request, pk):
    need = project_object_for_user(request.membership, _DETAIL.all(), pk)
    return _detail_page(request, need, NeedStatusForm(initial={"status": need.status}))


def _detail_page(request, need, status_form):
    """The need's page; ``status_form`` is the quick status form, bound when a stale one comes back."""
    return render(
        request,
        "needs/detail.html",
        {
            "need": need,
            "project": need.project,
            "tab": "needs",
            "tasks": need.tasks.select_related("assignee"),
            "status_form": status_form,
            "change_requests": need.change_requests.all(),
            "history": audit_for(need)[:50],
        },
    )


@team_required
@require_http_methods(["GET", "POST"])
@versioned_edit
def edit(request, pk):
    need = project_object_for_user(request.membership, Need.objects.all(), pk, write=True)
    form = NeedForm(request.POST or None, instance=need, project=need.project)
    check_version(request, form, need)
    if request.method == "POST" and form.is_valid():
        try:
            services.need_update(
                actor=request.membership, need=need, tasks=form.cleaned_data["tasks"], **form.values()
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Need saved."))
            return redirect("needs:detail", need.pk)
    return form_page(request, form, title=_("Edit need"), back_url=reverse("needs:detail", args=[need.pk]))


@team_required
@require_POST
@versioned_edit
def set_status(request, pk):
    need = project_object_for_user(request.membership, _DETAIL.all(), pk, write=True)
    form = NeedStatusForm(request.POST)
    check_version(request, form, need)
    if getattr(form, "edit_conflict", None):
        return _detail_page(request, need, form)  # 409: their status beside yours, yours kept
    if not form.is_valid():
        messages.error(request, _("Choose one of the listed statuses."))
    else:
        try:
            services.need_set_status(actor=request.membership, need=need, status=form.cleaned_data["status"])
            messages.success(request, _("Status changed."))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    return redirect("needs:detail", need.pk)


@team_required
@require_http_methods(["GET", "POST"])
def delete(request, pk):
    need = project_object_for_user(request.membership, Need.objects.all(), pk, write=True)
    if request.method == "POST":
        project_id = need.project_id
        services.need_delete(actor=request.membership, need=need)
        messages.success(request, _("Need deleted."))
        return redirect("needs:project_list", project_id)
    return render(
        request,
        "web/confirm_delete.html",
        {"object": need, "back_url": reverse("needs:detail", args=[need.pk])},
    )
