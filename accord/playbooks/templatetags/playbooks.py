from django import template

from accord.playbooks.models import localized

register = template.Library()


@register.filter
def tr(texts):
    """The text of a template item in the current language."""
    return localized(texts)


@register.filter
def choice_label(value, kind):
    """The translated label of a stored choice (audience, channel, cadence, priority)."""
    from accord.crm.models import Cadence, Channel, ContactRole
    from accord.needs.models import Priority

    choices = {"audience": ContactRole, "channel": Channel, "cadence": Cadence, "priority": Priority}.get(
        kind
    )
    if choices is None:
        return value
    return dict(choices.choices).get(value, value)


@register.simple_tag
def template_version(template):
    """The version token the item forms send back (see services.template_version)."""
    from accord.playbooks.services import template_version as version

    return version(template)
