"""A report as an A4 PDF in one language: fixed texts, charts, /Lang, title and file name agree."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from accord.lib.pdf import FONT_REGULAR, html_lang, html_to_pdf, organization_files

from . import charts
from .selectors import rag_history
from .texts import reason_text

PDF_LANGUAGES = ("en", "zh-hans")


def report_language(report) -> str:
    """The language a report's PDF is printed in unless another is asked for: the language its
    draft was assembled in, else its organisation's."""
    for language in (report.language, report.project.organization.default_language):
        if language in PDF_LANGUAGES:
            return language
    return settings.LANGUAGE_CODE


def report_html(report, language: str) -> str:
    organization = report.project.organization
    logo = organization_files(organization)
    with translation.override(language):
        snapshot = report.snapshot or {}
        context = {
            "report": report,
            "project": report.project,
            "organization": organization,
            "sections": report.sections(),
            "charts": charts.charts_for(snapshot, rag_history(report.project, until=report.period_end)),
            "reasons": [reason_text(r) for r in snapshot.get("rag_reasons", [])],
            "lang": html_lang(language),
            "font_regular": FONT_REGULAR.as_uri(),
            "logo_uri": logo[0].as_uri() if logo else "",
        }
        return render_to_string("reports/pdf.html", context)


def report_pdf(report, language: str) -> bytes:
    """The PDF of ``report`` with every fixed text in ``language``; it loads only Accord's own
    font and the organisation's own logo (accord.lib.pdf)."""
    return html_to_pdf(report_html(report, language), granted=organization_files(report.project.organization))


def pdf_filename(report, language: str) -> str:
    suffix = "zh" if language.lower().startswith("zh") else "en"
    return f"{report.project.code}-report-v{report.version}-{report.period_end.isoformat()}-{suffix}.pdf"


def pdf_download(report, language: str) -> HttpResponse:
    """The PDF download of ``report`` printed in ``language``; Content-Language and the file
    name say which."""
    response = HttpResponse(report_pdf(report, language), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(report, language)}"'
    response["Content-Language"] = language
    return response
