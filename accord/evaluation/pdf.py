"""The close-out evaluation as an A4 PDF (WeasyPrint) in one language, with the bundled CJK font."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accord.lib.pdf import FONT_REGULAR, html_lang, html_to_pdf, organization_files

PDF_LANGUAGES = ("en", "zh-hans")


def evaluation_language(requested: str | None, organization) -> str:
    """The language asked for (the person's), else the organisation's, else Accord's default."""
    for language in (requested or "", organization.default_language):
        language = "zh-hans" if language.lower().startswith("zh") else language
        if language in PDF_LANGUAGES:
            return language
    return settings.LANGUAGE_CODE


def evaluation_html(evaluation, figures: dict, language: str) -> str:
    with translation.override(language):
        return render_to_string(
            "evaluation/closeout_pdf.html",
            {
                "evaluation": evaluation,
                "project": evaluation.project,
                "organization": evaluation.project.organization,
                "f": figures,
                "lang": html_lang(language),
                "font_regular": FONT_REGULAR.as_uri(),
                "printed_at": timezone.now(),
            },
        )


def evaluation_pdf(evaluation, figures: dict, language: str) -> bytes:
    """The PDF of the evaluation in ``language``; like every PDF of Accord it loads only Accord's
    own files and the organisation's own logo (accord.lib.pdf), whatever the commentary names."""
    html = evaluation_html(evaluation, figures, language)
    return html_to_pdf(html, granted=organization_files(evaluation.project.organization))


def pdf_filename(evaluation, language: str) -> str:
    suffix = "zh" if language.startswith("zh") else "en"
    return f"{evaluation.project.code}-closeout-evaluation-{suffix}.pdf"
