"""Small display helpers for CRM pages: ``{% load crm %}``."""

from __future__ import annotations

import functools
import html
import re

from django import template
from django.utils.html import conditional_escape, format_html, strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language

from accord.lib.text import render_markdown

register = template.Library()

# Line icons (24×24, stroked), one per interaction kind; drawn in the text colour.
_KIND_PATHS = {
    "email": '<path d="M4 4h16a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/>'
    '<polyline points="22,6 12,13 2,6"/>',
    "call": '<path d="M22 16.92v3a2 2 0 0 1-2.18 2 19.79 19.79 0 0 1-8.63-3.07 19.5 19.5 0 0 1-6-6 '
    "19.79 19.79 0 0 1-3.07-8.67A2 2 0 0 1 4.11 2h3a2 2 0 0 1 2 1.72 12.84 12.84 0 0 0 .7 2.81 "
    "2 2 0 0 1-.45 2.11L8.09 9.91a16 16 0 0 0 6 6l1.27-1.27a2 2 0 0 1 2.11-.45 12.84 12.84 0 0 0 "
    '2.81.7A2 2 0 0 1 22 16.92z"/>',
    "meeting": '<path d="M17 21v-2a4 4 0 0 0-4-4H5a4 4 0 0 0-4 4v2"/><circle cx="9" cy="7" r="4"/>'
    '<path d="M23 21v-2a4 4 0 0 0-3-3.87"/><path d="M16 3.13a4 4 0 0 1 0 7.75"/>',
    "im": '<path d="M21 11.5a8.38 8.38 0 0 1-.9 3.8 8.5 8.5 0 0 1-7.6 4.7 8.38 8.38 0 0 1-3.8-.9L3 21'
    "l1.9-5.7a8.38 8.38 0 0 1-.9-3.8 8.5 8.5 0 0 1 4.7-7.6 8.38 8.38 0 0 1 3.8-.9h.5"
    'a8.48 8.48 0 0 1 8 8v.5z"/>',
    "visit": '<path d="M21 10c0 7-9 13-9 13s-9-6-9-13a9 9 0 0 1 18 0z"/><circle cx="12" cy="10" r="3"/>',
    "note": '<path d="M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z"/>'
    '<polyline points="14 2 14 8 20 8"/><line x1="16" y1="13" x2="8" y2="13"/>'
    '<line x1="16" y1="17" x2="8" y2="17"/>',
}
KIND_ICONS = {
    kind: mark_safe(  # noqa: S308 - constant markup above
        '<svg class="icon" width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
        'stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" '
        f'style="vertical-align:-3px">{paths}</svg>'
    )
    for kind, paths in _KIND_PATHS.items()
}
SENTIMENT_CLASSES = {"positive": "ok", "neutral": "", "negative": "bad"}
SENTIMENT_ICONS = {"positive": "▲", "neutral": "●", "negative": "▼"}
EXCERPT_CHARS = 160


@functools.cache
def _labels(model, name: str, language: str | None) -> dict:
    return {value: str(text) for value, text in model._meta.get_field(name).flatchoices}


@register.filter
def label(obj, name: str):
    """``obj.get_<name>_display()`` for long lists: Django's version rebuilds the field's
    choices (translating every label) on each call; this looks the value up in the labels
    translated once per language."""
    value = getattr(obj, name)
    return _labels(type(obj), name, get_language()).get(value, value)


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
        label(interaction, "sentiment"),
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


@register.filter
def plain(markdown_text) -> str:
    """The text of a Markdown body without its markup (for excerpts)."""
    return html.unescape(strip_tags(render_markdown(markdown_text)))


@register.filter
def plain_excerpt(markdown_text, query: str) -> str:
    """``excerpt`` of a Markdown body's text around ``query``, rendering only the part of the body
    around the term's first occurrence (a search page shows 25 bodies, some of them e-mail threads
    of many thousand characters)."""
    text = "" if markdown_text is None else str(markdown_text)
    room = EXCERPT_CHARS * HEAD_SOURCE_FACTOR
    query = (query or "").strip()
    at = text.lower().find(query.lower()) if query else -1
    start = max(0, at - room) if at >= 0 else 0
    window = text[start : (at + len(query) if at >= 0 else 0) + room]
    found = excerpt(plain(window), query)
    if start and not found.startswith("…"):
        found = "…" + found
    if start + len(window) < len(text) and not found.endswith("…"):
        found += "…"
    return found


# How much of a body is rendered for the first ``n`` characters of its text (``n`` times this): its
# markup takes room too, and a long body (an e-mail thread) is not rendered whole for a line of it.
HEAD_SOURCE_FACTOR = 8


@register.filter
def plain_head(markdown_text, chars: int) -> str:
    """The first ``chars`` characters of a Markdown body's text, "…" when there is more."""
    text = "" if markdown_text is None else str(markdown_text)
    source = text[: max(int(chars), 1) * HEAD_SOURCE_FACTOR]
    return Truncator(plain(source)).chars(int(chars)) if source else ""


@register.inclusion_tag("crm/partials/portal_access.html", takes_context=True)
def portal_access(context, contact):
    """A contact's portal status (active / invited / none) and, for a team member allowed to
    invite the client's contacts (``can_manage_client_access``), an "Invite to the portal" button
    that comes back to this page. Annotate lists with ``with_portal_status`` (no query per row)."""
    from accord.crm.models import Contact
    from accord.crm.selectors import (
        PortalStatus,
        clients_with_managed_access,
        portal_status,
        with_portal_status,
    )

    request = context.get("request")
    member = getattr(request, "membership", None)
    if not hasattr(contact, "portal_active"):
        contact = with_portal_status(Contact.objects.filter(pk=contact.pk)).get()
    if request is not None and not hasattr(request, "_portal_managed_clients"):
        request._portal_managed_clients = clients_with_managed_access(member)
    managed = getattr(request, "_portal_managed_clients", set())
    allowed = (
        member is not None
        and member.is_team
        and contact.organization_id == member.organization_id
        and (managed is None or contact.client_id in managed)
    )
    status = portal_status(contact)
    return {
        "contact": contact,
        "status": status,
        "can_invite": allowed and status != PortalStatus.ACTIVE and bool(contact.email),
        "next": context.get("portal_next") or (request.get_full_path() if request is not None else ""),
    }
