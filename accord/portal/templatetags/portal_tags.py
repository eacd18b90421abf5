"""Portal template tags: the project's portal tabs, contributed by every area."""

from django import template
from django.urls import NoReverseMatch, reverse

from accord.core.nav import PORTAL_TABS

register = template.Library()


@register.inclusion_tag("web/partials/project_tabs.html")
def portal_tabs(project, active=""):
    tabs = []
    for tab in PORTAL_TABS:
        try:
            url = reverse(tab.url_name, args=[project.pk])
        except NoReverseMatch:
            continue
        tabs.append({"key": tab.key, "label": tab.label, "url": url, "active": tab.key == active})
    return {"tabs": tabs, "project": project}
