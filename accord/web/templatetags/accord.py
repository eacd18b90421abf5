"""Template filters and tags available in every template."""

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_noop, pgettext

from accord.comms.models import ChannelKind, PlanChannel
from accord.core.nav import PROJECT_TABS
from accord.crm.models import Language
from accord.lib.dates import format_day, format_moment
from accord.lib.money import format_money
from accord.lib.recurrence import describe_rrule
from accord.lib.text import render_markdown
from accord.lib.versioning import has_version, version_of
from accord.projects.models import Rag

register = template.Library()

# Django ends form labels with gettext(":") (Form.label_suffix); Chinese writes the full-width
# colon, so the web catalog translates it to "：" for every form.
gettext_noop(":")


@register.filter(name="markdown")
def markdown_filter(text):
    return render_markdown(text)


@register.filter
def version(obj) -> str:
    """The version token an edit of ``obj`` carries (hidden ``_version``), "" for an unsaved row."""
    return version_of(obj) if has_version(obj) else ""


@register.simple_tag
def money(amount, currency):
    return format_money(amount, currency)


@register.filter
def rag(value):
    """A coloured RAG badge from a status value: its letter and its name, in the reader's language."""
    if not value:
        return ""
    letters = {
        Rag.GREEN: pgettext("RAG badge letter", "G"),
        Rag.AMBER: pgettext("RAG badge letter", "A"),
        Rag.RED: pgettext("RAG badge letter", "R"),
    }
    name = dict(Rag.choices).get(value, value)
    return format_html('<span class="rag rag-{}" title="{}">{}</span>', value, name, letters.get(value, "?"))


@register.filter
def day(value):
    """A date (or the local day of a datetime) in the viewer's language: the one way to show a day."""
    return format_day(value)


@register.filter
def moment(value):
    """A datetime in the viewer's zone and language, to the minute: the one way to show a time."""
    return format_moment(value)


@register.filter
def repeats(rule, start=None):
    """A recurrence rule (RRULE) in words, in the reader's language: the one way to show a rule."""
    return describe_rrule(rule or "", start=start or None)


@register.filter
def language_label(code):
    """A language code (zh-hans, en, en-gb) by its name in the reader's language."""
    if not code:
        return ""
    names = {**dict(settings.LANGUAGES), **dict(Language.choices)}
    return names.get(code, code)


@register.filter
def channel_label(value):
    """A channel's stored key (email, wecom, webhook) by its name in the reader's language."""
    names = {**dict(ChannelKind.choices), **dict(PlanChannel.choices)}
    return names.get(value, value)


@register.filter
def percent(value):
    try:
        return f"{round(float(value))}%"
    except (TypeError, ValueError):
        return "—"


@register.simple_tag
def actions_heading():
    """The heading of a table's column of row actions: read out, not shown (the buttons say it)."""
    return format_html('<span class="visually-hidden">{}</span>', gettext("Actions"))


@register.inclusion_tag("web/partials/project_tabs.html", takes_context=True)
def project_tabs(context, project, active=""):
    tabs = []
    for tab in PROJECT_TABS:
        try:
            url = reverse(tab.url_name, args=[project.pk])
        except NoReverseMatch:
            continue
        tabs.append({"key": tab.key, "label": tab.label, "url": url, "active": tab.key == active})
    return {"tabs": tabs, "project": project}


@register.simple_tag
def project_tab_label(key):
    """The label of a project tab (for page titles such as "Board · ERP-01"); "" if unknown."""
    for tab in PROJECT_TABS:
        if tab.key == key:
            return tab.label
    return ""
