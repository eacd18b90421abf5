"""The UI kit the feature apps' views share: service errors onto a form, a form on a page."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import render


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
