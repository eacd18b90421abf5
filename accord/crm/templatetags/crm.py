"""Small display helpers for CRM pages: ``{% load crm %}``."""

from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()

KIND_ICONS = {
    "email": "✉️",
    "call": "📞",
    "meeting": "👥",
    "im": "💬",
    "visit": "🏢",
    "note": "📝",
}
SENTIMENT_CLASSES = {"positive": "ok", "neutral": "", "negative": "bad"}
SENTIMENT_ICONS = {"positive": "🙂", "neutral": "😐", "negative": "🙁"}
EXCERPT_CHARS = 160


@register.filter
def kind_icon(kind: str) -> str:
    return KIND_ICONS.get(kind, "•")


@register.simple_tag
def sentiment_badge(interaction) -> str:
    css = SENTIMENT_CLASSES.get(interaction.sentiment, "")
    return format_html(
        '<span class="badge {}" title="{}">{} {}</span>',
        css,
        interaction._meta.get_field("sentiment").verbose_name,
        SENTIMENT_ICONS.get(interaction.sentiment, ""),
        interaction.get_sentiment_display(),
    )


@register.filter
def highlight(text, query: str):
    """``text`` escaped, with every case-insensitive occurrence of ``query`` in ``<mark>``."""
    text = "" if text is None else str(text)
    query = (query or "").strip()
    if not query:
        return conditional_escape(text)
    parts = re.split(f"({re.escape(query)})", text, flags=re.IGNORECASE)
    out = []
    for i, part in enumerate(parts):
        out.append(format_html("<mark>{}</mark>", part) if i % 2 else conditional_escape(part))
    return mark_safe("".join(out))  # noqa: S308 - every part escaped above


@register.filter
def excerpt(text, query: str):
    """A short piece of ``text`` around the first occurrence of ``query`` (plain text)."""
    text = " ".join(("" if text is None else str(text)).split())
    query = (query or "").strip()
    at = text.lower().find(query.lower()) if query else -1
    if at < 0:
        return text[:EXCERPT_CHARS] + ("…" if len(text) > EXCERPT_CHARS else "")
    start = max(0, at - EXCERPT_CHARS // 2)
    end = min(len(text), start + EXCERPT_CHARS)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
