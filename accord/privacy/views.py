"""Data-protection pages: a contact's export and erasure, the organisation's export, deletion
and retention. Thin: access, validation, one service call."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.core.ui import apply_service_errors, form_page
from accord.tenancy.access import admin_required, contact_for_user, org_get, team_required
from accord.tenancy.models import Role

from . import orgdata, services
from .forms import ConfirmEmailForm, ConfirmNameForm, RetentionForm
from .models import ExportStatus, OrganizationExport


@require_POST
@team_required
def contact_export(request, pk):
    member = request.membership
    contact = contact_for_user(member, pk)
    services.require_person_exporter(member)
    if not contact.email:
        messages.error(request, _("This contact has no e-mail address; add one to export their data."))
        return redirect("crm:contact_detail", contact.pk)
    try:
        data = services.person_export(actor=member, email=contact.email, organizations=[member.organization])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("crm:contact_detail", contact.pk)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="personal-data-contact-{contact.pk}.zip"'
    return response


@team_required
def contact_erase(request, pk):
    member = request.membership
    contact = contact_for_user(member, pk)
    services.require_person_eraser(member, member.organization)
    back = f"/contacts/{contact.pk}/"
    if not contact.email:
        messages.error(request, _("This contact has no e-mail address; erase it by deleting the contact."))
        return redirect("crm:contact_detail", contact.pk)
    form = ConfirmEmailForm(request.POST or None, expected=contact.email)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_erase(actor=member, email=contact.email, organization=member.organization)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("The person's data was erased; the records they took part in remain.")
            )
            return redirect("crm:contact_detail", contact.pk)
    return render(
        request,
        "privacy/contact_erase.html",
        {"form": form, "contact": contact, "back_url": back, "nav_active": "clients"},
        status=422 if form.is_bound and form.errors else 200,
    )


@admin_required
def organization_page(request):
    member = request.membership
    policy = services.retention_policy_for(member.organization_id)
    return render(
        request,
        "privacy/organization.html",
        {
            "retention_form": RetentionForm(instance=policy),
            "exports": OrganizationExport.objects.filter(organization_id=member.organization_id)[:10],
            "deletion": services.organization_deletion_pending(member.organization_id),
            "is_owner": member.role == Role.OWNER,
            "nav_active": "organization",
        },
    )


@admin_required
def retention(request):
    member = request.membership
    policy = services.retention_policy_for(member.organization_id)
    form = RetentionForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            services.retention_policy_update(actor=member, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The retention settings were saved."))
            return redirect("privacy:organization")
    return form_page(request, form, title=_("Retention"), back_url="/privacy/", nav_active="organization")


@require_POST
@team_required
def organization_export(request):
    services.organization_export_request(actor=request.membership)
    messages.success(
        request, _("The export is being prepared. It appears below for download when it is ready.")
    )
    return redirect("privacy:organization")


@team_required
def organization_export_download(request, pk):
    member = request.membership
    export = org_get(member, OrganizationExport.objects.all(), pk)
    services.require_owner(member)
    if export.status != ExportStatus.READY or not export.stored_path:
        raise Http404
    path = orgdata.storage_root() / export.stored_path
    if not path.is_file():
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{member.organization.slug}-export-{export.pk}.zip",
        content_type="application/zip",
    )


@team_required
def organization_delete(request):
    member = request.membership
    services.require_owner(member)
    form = ConfirmNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_deletion_schedule(
                actor=member, confirm_name=form.cleaned_data["confirm_name"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.warning(request, _("The organisation will be deleted after the grace period."))
            return redirect("privacy:organization")
    return render(
        request,
        "privacy/organization_delete.html",
        {
            "form": form,
            "organization": member.organization,
            "grace_days": settings.ACCORD_ORG_DELETE_GRACE_DAYS,
            "nav_active": "organization",
        },
        status=422 if form.is_bound and form.errors else 200,
    )


@require_POST
@team_required
def organization_delete_cancel(request):
    try:
        services.organization_deletion_cancel(actor=request.membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The deletion was cancelled; the organisation stays."))
    return redirect("privacy:organization")
