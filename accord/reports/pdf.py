"""A published report as an A4 PDF (WeasyPrint), in a given language, with the bundled CJK font."""

from __future__ import annotations

from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation

from . import charts
from .selectors import rag_history
from .texts import reason_text

FONTS_DIR = Path(__file__).resolve().parent / "fonts"


def html_lang(language: str) -> str:
    return "zh-CN" if language.lower().startswith("zh") else "en"


def report_html(report, language: str) -> str:
    with translation.override(language):
        snapshot = report.snapshot or {}
        context = {
            "report": report,
            "project": report.project,
            "organization": report.project.organization,
            "sections": report.sections(),
            "charts": charts.charts_for(snapshot, rag_history(report.project, until=report.period_end)),
            "reasons": [reason_text(r) for r in snapshot.get("rag_reasons", [])],
            "lang": html_lang(language),
            "font_regular": (FONTS_DIR / "NotoSansSC-Regular-GB2312.ttf").as_uri(),
            "logo_uri": _logo_uri(report.project.organization),
        }
        return render_to_string("reports/pdf.html", context)


def _logo_uri(organization) -> str:
    logo = organization.logo
    if not logo:
        return ""
    try:
        path = Path(logo.path)
    except (NotImplementedError, ValueError):
        return ""
    return path.as_uri() if path.exists() else ""


def _fetcher(allowed: set[str]):
    """Only the bundled font and the organisation's logo are read: a report's Markdown may name
    images anywhere, and the server must not fetch them (internal addresses, local files)."""
    from weasyprint.urls import URLFetcher

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.split("?")[0] not in allowed:
                raise ValueError("Only bundled resources are loaded into report PDFs.")
            return super().fetch(url, headers)

    return LocalOnly(allowed_protocols=("file",))


def report_pdf(report, language: str) -> bytes:
    from weasyprint import HTML

    html = report_html(report, language)
    allowed = {(FONTS_DIR / "NotoSansSC-Regular-GB2312.ttf").as_uri()}
    logo = _logo_uri(report.project.organization)
    if logo:
        allowed.add(logo)
    return HTML(string=html, base_url=str(FONTS_DIR), url_fetcher=_fetcher(allowed)).write_pdf()


def pdf_filename(report, language: str) -> str:
    suffix = "zh" if language.lower().startswith("zh") else "en"
    return f"{report.project.code}-report-v{report.version}-{report.period_end.isoformat()}-{suffix}.pdf"
