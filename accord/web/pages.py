"""Page shapes shared by the apps' views."""

from __future__ import annotations

from django.shortcuts import render


def form_page(request, form, *, title, back_url, submit_label=None, nav_active=None):
    """One form on a page of its own (web/form_page.html); a form sent back with errors is a 422."""
    return render(
        request,
        "web/form_page.html",
        {
            "form": form,
            "title": title,
            "back_url": back_url,
            "submit_label": submit_label,
            "nav_active": nav_active,
        },
        status=422 if form.is_bound and form.errors else 200,
    )
