"""``{% history_rows entries as rows %}``: the audit trail as the History panel shows it."""

from django import template

from accord.audit.display import history_rows as build_rows

register = template.Library()


@register.simple_tag
def history_rows(entries):
    return build_rows(entries)
