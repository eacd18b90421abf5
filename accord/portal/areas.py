"""Portal pages for what other areas own: change requests (submit, approve or reject), the
client-visible risks and the decision log. They call those areas' services; nothing here writes on its own."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accord.changes import services as change_services
from accord.changes.models import ChangeRequest, ChangeStatus
from accord.core.ui import apply_service_errors, form_page
from accord.meetings.selectors import decision_list
from accord.risks.models import ACTIVE_STATUSES, Risk
from accord.tenancy.access import portal_object_for_user, portal_project_for_user, portal_required

LIST_LIMIT = 200


def _client_changes(project):
    """What the client sees of a project's change requests: everything but the team's drafts."""
    return (
        ChangeRequest.objects.filter(organization_id=project.organization_id, project=project)
        .exclude(status=ChangeStatus.DRAFT)
        .select_related("requested_by", "decided_by")
    )


def _visible_changes(member):
    return ChangeRequest.objects.exclude(status=ChangeStatus.DRAFT).select_related(
        "project__client", "requested_by", "decided_by"
    )


class ChangeRequestForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("What should change?"), max_length=300)
    description = forms.CharField(label=gettext_lazy("Details"), widget=forms.Textarea, required=False)
    reason = forms.CharField(label=gettext_lazy("Why is it needed?"), widget=forms.Textarea, required=False)
    wide_fields = ("title", "description", "reason")

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Say in a few words what should change."))
        return title


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))],
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=gettext_lazy("Your full name, as a signature"), max_length=200)
    comment = forms.CharField(label=gettext_lazy("Comment"), widget=forms.Textarea, required=False)


# --- change requests -------------------------------------------------------------------------


@portal_required
def changes(request, pk):
    project = portal_project_for_user(request.membership, pk)
    rows = list(_client_changes(project).order_by("-id")[:LIST_LIMIT])
    approver = change_services.user_is_change_approver(request.user, project)
    return render(
        request,
        "portal/changes.html",
        {
            "project": project,
            "portal_tab": "changes",
            "changes": rows,
            "assessed": ChangeStatus.ASSESSED,
            "approver": approver,
        },
    )


@portal_required
@require_http_methods(["GET", "POST"])
def change_create(request, pk):
    member = request.membership
    project = portal_project_for_user(member, pk)
    form = ChangeRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change = change_services.change_request_client_submit(
                actor=member,
                contact=request.portal_contact,
                project=project,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Your change request was sent to the project team for assessment."))
            return redirect("portal:change_detail", change.pk)
    return form_page(
        request, form, project=project, portal_tab="changes", template_name="portal/change_form.html"
    )


def _change_page(request, change, form, status=200):
    contact = change_services.signed_in_contact(request.user, change.project)
    awaiting = change.status == ChangeStatus.ASSESSED
    approver = change_services.is_change_approver(change.project, contact)
    return render(
        request,
        "portal/change_detail.html",
        {
            "project": change.project,
            "portal_tab": "changes",
            "change": change,
            "can_decide": awaiting and approver,
            "not_approver": (awaiting or status == 403) and not approver,
            "approver_refusal": change_services.approver_refusal(),
            "form": form,
        },
        status=status,
    )


@portal_required
def change_detail(request, pk):
    change = portal_object_for_user(request.membership, _visible_changes(request.membership), pk)
    form = DecisionForm(initial={"name": request.portal_contact.display_name})
    return _change_page(request, change, form)


@portal_required
@require_POST
def change_decide(request, pk):
    member = request.membership
    change = portal_object_for_user(member, _visible_changes(member), pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            change_services.change_request_decide(
                actor=member,
                change_request=change,
                approve=approve,
                name=form.cleaned_data["name"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            change = portal_object_for_user(member, _visible_changes(member), pk)
            form.add_error(None, str(exc) or _("You cannot decide this change request."))
            return _change_page(request, change, form, status=403)
        else:
            if approve:
                messages.success(request, _("You approved the change request. The project team was told."))
            else:
                messages.success(request, _("You rejected the change request. The project team was told."))
            return redirect("portal:change_detail", change.pk)
    change = portal_object_for_user(member, _visible_changes(member), pk)
    return _change_page(request, change, form, status=422)


# --- risks -----------------------------------------------------------------------------------


@portal_required
def risks(request, pk):
    project = portal_project_for_user(request.membership, pk)
    rows = list(
        Risk.objects.filter(
            organization_id=project.organization_id, project=project, client_visible=True
        ).order_by("-score", "id")[:LIST_LIMIT]
    )
    return render(
        request,
        "portal/risks.html",
        {"project": project, "portal_tab": "risks", "risks": rows, "active": ACTIVE_STATUSES},
    )


# --- decision log ----------------------------------------------------------------------------


@portal_required
def decisions(request, pk):
    project = portal_project_for_user(request.membership, pk)
    q = (request.GET.get("q") or "").strip()[:200]
    rows = list(decision_list(project, q, client_only=True).order_by("-decided_on", "-id")[:LIST_LIMIT])
    return render(
        request,
        "portal/decisions.html",
        {"project": project, "portal_tab": "decisions", "decisions": rows, "q": q},
    )
