from django import template

from accord.playbooks.models import localized

register = template.Library()


@register.filter
def tr(texts):
    """The text of a template item in the current language."""
    return localized(texts)
