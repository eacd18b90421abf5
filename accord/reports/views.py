from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.audit.services import audit_for
from accord.core.concurrency import check_version, versioned_edit
from accord.projects.models import Rag
from accord.tenancy.access import (
    can_manage_project,
    portal_object_for_user,
    portal_project_for_user,
    portal_required,
    project_for_user,
    project_object_for_user,
    team_required,
)

from . import charts, selectors, services
from .forms import DRAFT_LANGUAGE_CHOICES, PeriodForm, ReportForm
from .models import SECTION_KEYS, SECTIONS, StatusReport
from .pdf import PDF_LANGUAGES, pdf_download, report_language
from .texts import reason_text


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _body_context(report: StatusReport) -> dict:
    snap = report.snapshot or {}
    return {
        "report": report,
        "project": report.project,
        "sections": report.sections(),
        "charts": charts.charts_for(snap, selectors.rag_history(report.project, until=report.period_end)),
        "reasons": [reason_text(r) for r in snap.get("rag_reasons", [])],
    }


@team_required
def report_list(request, pk):
    project = project_for_user(request.membership, pk)
    return _render_list(request, project)


def _render_list(request, project, errors=None, status=200):
    reports = selectors.report_list(project.status_reports.all()).order_by("-period_end", "-version")[:200]
    start, end = services.default_period(project, timezone.localdate())
    return render(
        request,
        "reports/list.html",
        {
            "project": project,
            "tab": "reports",
            "reports": reports,
            "can_manage": can_manage_project(request.membership, project),
            "default_start": start,
            "default_end": end,
            "languages": DRAFT_LANGUAGE_CHOICES,
            "default_language": services.draft_language(project),
            "form_errors": errors,
        },
        status=status,
    )


@team_required
@require_POST
def report_create(request, pk):
    project = project_for_user(request.membership, pk, manage=True)
    form = PeriodForm(request.POST)
    if not form.is_valid():
        errors = [str(e) for errs in form.errors.values() for e in errs]
        return _render_list(request, project, errors, status=422)
    try:
        report = services.status_report_draft(
            actor=request.membership,
            project=project,
            period_start=form.cleaned_data.get("period_start"),
            period_end=form.cleaned_data.get("period_end"),
            language=form.cleaned_data.get("language") or None,
        )
    except ValidationError as exc:
        return _render_list(request, project, _errors(exc), status=422)
    messages.success(request, _("Draft report created from the project's live data."))
    return redirect("reports:detail", report.pk)


@team_required
def report_detail(request, pk):
    report = project_object_for_user(
        request.membership, StatusReport.objects.select_related("revised_from"), pk
    )
    context = _body_context(report)
    context.update(
        tab="reports",
        can_manage=can_manage_project(request.membership, report.project),
        rag_choices=Rag.choices,
        history=audit_for(report)[:50],
    )
    if context["can_manage"] and not report.is_published:
        context["audience"] = selectors.report_audience(report.project)
    return render(request, "reports/detail.html", context)


def _read_post(request):
    """The POST data, or None when the body is over the upload limit (a huge paste)."""
    try:
        return request.POST
    except RequestDataTooBig:
        return None


@team_required
@versioned_edit
def report_edit(request, pk):
    report = project_object_for_user(request.membership, StatusReport.objects.all(), pk, manage=True)
    if report.is_published:
        messages.error(
            request,
            _("This report is published and can no longer be edited. Revise it to make a new version."),
        )
        return redirect("reports:detail", report.pk)
    initial = {"title": report.title, "rag": report.rag, **{k: getattr(report, k) for k in SECTION_KEYS}}
    status = 200
    if request.method == "POST":
        data = _read_post(request)
        if data is None:
            form = ReportForm(initial)
            form.full_clean()
            form.add_error(
                None, _("The text sent is too large (over 5 MB). Shorten it or link to a document.")
            )
            status = 413
        else:
            form = ReportForm(data)
            check_version(request, form, report)
            if form.is_valid():
                try:
                    services.status_report_update(
                        actor=request.membership, report=report, data=form.cleaned_data
                    )
                except ValidationError as exc:
                    for e in _errors(exc):
                        form.add_error(None, e)
                else:
                    messages.success(request, _("Report saved."))
                    return redirect("reports:detail", report.pk)
            status = 422
    else:
        form = ReportForm(initial=initial)
        check_version(request, form, report)
    sections = [{"key": k, "label": label, "text": getattr(report, k)} for k, label in SECTIONS]
    return render(
        request,
        "reports/edit.html",
        {"report": report, "project": report.project, "tab": "reports", "form": form, "sections": sections},
        status=status,
    )


@team_required
@require_POST
def report_preview(request, pk):
    report = project_object_for_user(request.membership, StatusReport.objects.all(), pk, manage=True)
    data = _read_post(request)
    if data is None:
        return HttpResponse(
            format_html(
                '<p class="errorlist">{}</p>', _("The text sent is too large (over 5 MB). Shorten it.")
            ),
            status=413,
        )
    sections = [
        {"key": k, "label": label, "text": data.get(k, getattr(report, k))[:50_000]} for k, label in SECTIONS
    ]
    return render(request, "reports/partials/preview.html", {"sections": sections})


@team_required
@require_POST
def report_publish(request, pk):
    report = project_object_for_user(request.membership, StatusReport.objects.all(), pk)
    try:
        report = services.status_report_publish(
            actor=request.membership,
            report=report,
            rag=request.POST.get("rag") or None,
            audience=request.POST.get("audience") or None,
        )
    except ValidationError as exc:
        for e in _errors(exc):
            messages.error(request, e)
        return redirect("reports:detail", report.pk)
    if report.recipient_count:
        messages.success(request, _("Report published and sent to the recipients listed."))
    else:
        messages.warning(
            request,
            _(
                "Report published; no recipients yet — add stakeholders or a plan item. "
                "Until then it is only in the client portal."
            ),
        )
    return redirect("reports:detail", report.pk)


@team_required
@require_POST
def report_revise(request, pk):
    report = project_object_for_user(request.membership, StatusReport.objects.all(), pk)
    try:
        revision = services.status_report_revise(actor=request.membership, report=report)
    except ValidationError as exc:
        for e in _errors(exc):
            messages.error(request, e)
        return redirect("reports:detail", report.pk)
    messages.success(request, _("A new draft version was created; the published report is kept."))
    return redirect("reports:edit", revision.pk)


def _language(request, report) -> str:
    """The language asked for with ?lang=, else the report's own (see pdf.report_language)."""
    lang = request.GET.get("lang", "")
    return lang if lang in PDF_LANGUAGES else report_language(report)


@team_required
def report_pdf_view(request, pk):
    report = project_object_for_user(
        request.membership,
        StatusReport.objects.select_related("project__client", "project__organization"),
        pk,
    )
    return pdf_download(report, _language(request, report))


# --- client portal -------------------------------------------------------------------------


def _portal_report(request, pk) -> StatusReport:
    return portal_object_for_user(request.membership, StatusReport.objects.filter(status="published"), pk)


def _team_reports(request, pk):
    project_for_user(request.membership, pk)
    return redirect("reports:list", pk)


@portal_required(team=_team_reports)
def portal_list(request, pk):
    project = portal_project_for_user(request.membership, pk)
    reports = selectors.published_for_portal(project)[:200]
    return render(
        request, "reports/portal_list.html", {"project": project, "reports": reports, "tab": "reports"}
    )


def _team_report(request, pk):
    project_object_for_user(request.membership, StatusReport.objects.all(), pk)
    return redirect("reports:detail", pk)


@portal_required(team=_team_report)
def portal_detail(request, pk):
    report = _portal_report(request, pk)
    context = _body_context(report)
    context["tab"] = "reports"
    return render(request, "reports/portal_detail.html", context)


def _team_report_pdf(request, pk):
    project_object_for_user(request.membership, StatusReport.objects.all(), pk)
    return redirect("reports:pdf", pk)


@portal_required(team=_team_report_pdf)
def portal_pdf(request, pk):
    report = _portal_report(request, pk)
    return pdf_download(report, _language(request, report))
