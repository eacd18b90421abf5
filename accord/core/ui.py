"""The UI kit the feature apps' views share: service errors onto a form, a form on a page, a fast
select for long lists."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import mark_safe


def apply_service_errors(
    form: forms.BaseForm, exc: ValidationError, names: Mapping[str, str] | Callable[[str], str] | None = None
) -> None:
    """Show a service's ValidationError beside the fields it names, the rest above the form.

    ``names`` renames a service's keys to the form's fields (``{"client_id": "client"}``, or a
    function of the key)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    rename = names if callable(names) else (lambda key: (names or {}).get(key, key))
    for key, messages in exc.message_dict.items():
        field = rename(key)
        form.add_error(field if field in form.fields else None, messages)


def form_page(
    request,
    form,
    *,
    title=None,
    back_url=None,
    submit_label=None,
    nav_active=None,
    template_name: str = "web/form_page.html",
    status: int | None = None,
    **context,
):
    """One form on a page of its own (``web/form_page.html`` unless another ``template_name`` extends
    it); a form sent back with errors is a 422 (``status`` only for another answer, e.g. 403)."""
    return render(
        request,
        template_name,
        {
            "form": form,
            "title": title,
            "back_url": back_url,
            "submit_label": submit_label,
            "nav_active": nav_active,
            **context,
        },
        status=status or (422 if form.is_bound and form.errors else 200),
    )


def _escape(value) -> str:
    """Django's ``escape`` without its lazy-string wrapper (the same characters, the same output):
    called twice for each of thousands of options."""
    return html.escape(str(value))


class ListSelect(forms.Select):
    """A select whose options are written in Python: the markup of Django's ``Select`` (one
    option selected at most), for the long lists of clients or team members that filter forms
    render on every page view. Django builds a dictionary and renders two small templates per
    option: for 2,000 clients that was most of the project list's time."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = []
        for option_value, label in self.choices:
            text = "" if option_value is None else str(option_value)
            selected = text in chosen
            if selected:
                chosen.clear()  # a single select marks its first match only
            options.append(
                f'<option value="{_escape(text)}"{" selected" if selected else ""}>{_escape(label)}</option>'
            )
        return mark_safe(  # noqa: S308 - every value and label above is escaped
            f'<select name="{escape(name)}"{flatatt(self.build_attrs(self.attrs, attrs))}>\n'
            + "\n".join(options)
            + "\n</select>"
        )
