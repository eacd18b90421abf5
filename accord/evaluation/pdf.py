"""The close-out evaluation as an A4 PDF (WeasyPrint), with the bundled CJK font when present."""

from __future__ import annotations

from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone, translation

FONTS_DIR = Path(__file__).resolve().parent.parent / "reports" / "fonts"
FONT_FILES = {"regular": "NotoSansSC-Regular-GB2312.woff2", "bold": "NotoSansSC-Bold-GB2312.woff2"}


def _font_uri(kind: str) -> str:
    path = FONTS_DIR / FONT_FILES[kind]
    return path.as_uri() if path.exists() else ""


def evaluation_html(evaluation, figures: dict, language: str) -> str:
    with translation.override(language):
        return render_to_string(
            "evaluation/closeout_pdf.html",
            {
                "evaluation": evaluation,
                "project": evaluation.project,
                "organization": evaluation.project.organization,
                "f": figures,
                "lang": "zh-CN" if language.startswith("zh") else "en",
                "font_regular": _font_uri("regular"),
                "font_bold": _font_uri("bold"),
                "printed_at": timezone.now(),
            },
        )


def evaluation_pdf(evaluation, figures: dict, language: str) -> bytes:
    from weasyprint import HTML

    base = FONTS_DIR if FONTS_DIR.exists() else Path(__file__).resolve().parent
    return HTML(string=evaluation_html(evaluation, figures, language), base_url=str(base)).write_pdf()


def pdf_filename(evaluation, language: str) -> str:
    suffix = "zh" if language.startswith("zh") else "en"
    return f"{evaluation.project.code}-closeout-evaluation-{suffix}.pdf"
