"""Web pages: the import / export hub, the import steps, exports and project feeds."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from accord.lib.feeds import feed_response
from accord.tenancy.access import project_for_user, require_project_manager, team_required

from . import exports, selectors, services
from .forms import MappingForm, UploadForm
from .kinds import SPECS, register_risks, spec_for
from .models import ImportRun, ImportStatus, ProjectFeed
from .uploads import read_upload


def _kinds():
    register_risks()
    return list(SPECS.values())


def _run_for(request, pk) -> ImportRun:
    return selectors.import_run_get(request.membership, pk)


@team_required
def hub(request):
    member = request.membership
    runs = list(selectors.import_run_list(member)[:20]) if member.can_manage_projects else []
    return render(
        request,
        "dataio/hub.html",
        {"kinds": _kinds(), "runs": runs, "can_import": member.can_manage_projects, "nav_active": "dataio"},
    )


def _upload_page(request, spec, form, error="", status=200):
    return render(
        request,
        "dataio/upload.html",
        {
            "spec": spec,
            "form": form,
            "error": error,
            "nav_active": "dataio",
            "max_mb": services.settings.ACCORD_MAX_UPLOAD_BYTES // (1024 * 1024),
        },
        status=status,
    )


@csrf_exempt
@team_required
def import_upload(request, kind):
    """Upload step. The body is read only after the declared size is checked (and capped while read)."""
    require_project_manager(request.membership)
    spec = spec_for(kind)
    member = request.membership
    if request.method != "POST":
        return _upload_page(request, spec, UploadForm(organization_id=member.organization_id, kind=spec.key))
    upload, too_large = read_upload(request)
    if too_large:
        # Refused without reading the rest of the body (so without the CSRF check, which would).
        form = UploadForm(organization_id=member.organization_id, kind=spec.key)
        return _upload_page(request, spec, form, services.too_large_message(), status=413)
    return _upload_post(request, spec, upload)


@csrf_protect
def _upload_post(request, spec, upload):
    member = request.membership
    form = UploadForm(request.POST, organization_id=member.organization_id, kind=spec.key)
    if not form.is_valid():
        return _upload_page(request, spec, form, status=422)
    try:
        run = services.import_run_create(
            actor=member, kind=spec.key, upload=upload, default_client=form.cleaned_data.get("default_client")
        )
    except ValidationError as exc:
        return _upload_page(request, spec, form, " ".join(exc.messages), status=422)
    return redirect("dataio:import_map", pk=run.pk)


@team_required
def import_map(request, pk):
    run = _run_for(request, pk)
    if run.status != ImportStatus.UPLOADED:
        return redirect("dataio:import_result", pk=run.pk)
    spec = spec_for(run.kind)
    form = MappingForm(request.POST or None, run=run, spec=spec)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.import_run_configure(
                    actor=request.membership,
                    run=run,
                    mapping=form.mapping(),
                    duplicates=form.cleaned_data["duplicates"],
                    default_client=run.default_client,
                )
                return redirect("dataio:import_preview", pk=run.pk)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
        status = 422
    return render(
        request,
        "dataio/map.html",
        {"run": run, "spec": spec, "form": form, "nav_active": "dataio"},
        status=status,
    )


@team_required
def import_preview(request, pk):
    run = _run_for(request, pk)
    if run.status != ImportStatus.UPLOADED:
        return redirect("dataio:import_result", pk=run.pk)
    spec = spec_for(run.kind)
    error = ""
    preview = None
    try:
        preview = services.import_preview(actor=request.membership, run=run)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    labels = spec.column_labels()
    columns = [labels[key] for _index, key in sorted(run.mapping.items(), key=lambda kv: int(kv[0]))]
    return render(
        request,
        "dataio/preview.html",
        {
            "run": run,
            "spec": spec,
            "preview": preview,
            "error": error,
            "columns": columns,
            "nav_active": "dataio",
        },
        status=400 if error else 200,
    )


@require_POST
@team_required
def import_execute(request, pk):
    run = _run_for(request, pk)
    try:
        run = services.import_run_start(actor=request.membership, run=run)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("dataio:import_result", pk=run.pk)


@team_required
def import_result(request, pk):
    run = _run_for(request, pk)
    return render(
        request,
        "dataio/result.html",
        {
            "run": run,
            "spec": spec_for(run.kind),
            "processed": services.read_progress(run),
            "nav_active": "dataio",
        },
    )


@require_GET
@team_required
def import_progress(request, pk):
    run = _run_for(request, pk)
    response = render(
        request,
        "dataio/partials/progress.html",
        {"run": run, "spec": spec_for(run.kind), "processed": services.read_progress(run)},
    )
    if run.is_finished and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@require_GET
@team_required
def import_report(request, pk):
    run = _run_for(request, pk)
    path = services.import_report_path(run)
    if path is None:
        raise Http404
    try:
        return exports.report_response(run, path, request.GET.get("format", "csv"))
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400, content_type="text/plain; charset=utf-8")


@require_GET
@team_required
def export(request, kind):
    spec = spec_for(kind)
    try:
        queryset = spec.export_queryset(request.membership, request.GET)
        return exports.export_response(
            spec, queryset, request.GET.get("format", "csv"), zone=exports.member_zone(request.membership)
        )
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400, content_type="text/plain; charset=utf-8")


# --- project feeds ------------------------------------------------------------------------------


@require_GET
@team_required
def project_contacts_vcf(request, pk):
    project = project_for_user(request.membership, pk)
    queryset = project.contacts.filter(organization_id=project.organization_id).order_by(
        "last_name", "first_name", "id"
    )
    body = "".join(exports.vcard_chunks(queryset)).encode()
    response = feed_response(
        request,
        body,
        key=f"project-contacts:{project.pk}",
        content_type="text/vcard; charset=utf-8",
        max_age=0,
    )
    response["Content-Disposition"] = f'attachment; filename="{project.code}-contacts.vcf"'
    return response


@team_required
def project_feeds(request, pk):
    project = project_for_user(request.membership, pk)
    feed = services.project_feed_get(project=project)
    from accord.tenancy.access import can_manage_project

    return render(
        request,
        "dataio/project_feeds.html",
        {
            "project": project,
            "tab": "feeds",
            "feed_url": request.build_absolute_uri(reverse("dataio:project_ics", args=[feed.token])),
            "feed": feed,
            "can_rotate": can_manage_project(request.membership, project),
        },
    )


@require_POST
@team_required
def project_feed_rotate(request, pk):
    project = project_for_user(request.membership, pk, manage=True)
    services.project_feed_rotate(actor=request.membership, project=project)
    messages.success(request, _("The calendar has a new address; the old one no longer works."))
    return redirect("dataio:project_feeds", pk=project.pk)


@require_GET
def project_ics(request, token):
    """The public, secret calendar address: anyone with the token may read, nothing else."""
    feed = ProjectFeed.objects.select_related("project").filter(token=token[:64]).first()
    if feed is None:
        raise Http404
    return feed_response(
        request,
        exports.project_calendar(feed.project),
        key=f"project-ics:{feed.token}",
        content_type="text/calendar; charset=utf-8",
        filename=f"{feed.project.code}.ics",
    )
