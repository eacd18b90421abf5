"""Editing an organisation's template item by item, and copying a template to customise it.

Every change goes through the template services (``template_item_*``), which check the whole
template with ``validate_content`` and audit it like any other template update.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accord.core.concurrency import check_version, versioned_edit
from accord.core.ui import apply_service_errors, form_page
from accord.tenancy.access import team_required

from . import services
from .forms import (
    CommsItemForm,
    DuplicateTemplateForm,
    MilestoneItemForm,
    NeedItemForm,
    RiskItemForm,
    TemplateItemForm,
)
from .models import ProjectTemplate, localized
from .views import template_for_user


@dataclass(frozen=True)
class Section:
    field: str
    form: type[TemplateItemForm]
    add_title: Promise
    edit_title: Promise


# URL segment → the template's list.
SECTIONS = {
    "milestones": Section(
        "milestones", MilestoneItemForm, gettext_lazy("Add a milestone"), gettext_lazy("Edit the milestone")
    ),
    "comms-plan": Section(
        "comms_plan",
        CommsItemForm,
        gettext_lazy("Add a communication-plan item"),
        gettext_lazy("Edit the communication-plan item"),
    ),
    "risks": Section("risks", RiskItemForm, gettext_lazy("Add a risk"), gettext_lazy("Edit the risk")),
    "needs": Section("needs", NeedItemForm, gettext_lazy("Add a need"), gettext_lazy("Edit the need")),
}


def _editable(request, pk, section: str) -> tuple[ProjectTemplate, Section]:
    """The member's own organisation template and the list named in the URL (404 for another
    organisation's template, a built-in one or an unknown list; 403 for those who may not edit)."""
    member = request.membership
    template = template_for_user(member, pk)
    services.require_template_manager(member, template)
    if template.is_builtin or section not in SECTIONS:
        raise Http404
    return template, SECTIONS[section]


def _item(template: ProjectTemplate, spec: Section, index: int) -> dict:
    items = getattr(template, spec.field)
    if not 0 <= index < len(items):
        raise Http404
    return items[index]


def _back(template: ProjectTemplate, spec: Section) -> str:
    return reverse("playbooks:detail", args=[template.pk]) + f"#{spec.field}"


def _version(request) -> str | None:
    """The version the page was built from; None when the caller did not send one."""
    return request.POST.get("version") or None


def _item_label(item: dict) -> str:
    return localized(item.get("name") or item.get("title") or item.get("purpose")) or "—"


def _item_form(request, pk, section, index: int | None):
    """Add an item (``index`` None) or change the one at ``index``."""
    template, spec = _editable(request, pk, section)
    item = None if index is None else _item(template, spec, index)
    form = spec.form(request.POST or None, item=item, version=services.template_version(template))
    if index is not None:
        # An edit carries the template's version as ``_version``: a stale one is a 409 showing
        # the saved item beside what was typed (accord.core.concurrency), like every edit form.
        del form.fields["version"]
        check_version(request, form, template)
    if request.method == "POST" and form.is_valid():
        changes = {"item": form.item_data(), "version": form.cleaned_data.get("version") or None}
        try:
            if index is None:
                services.template_item_add(
                    actor=request.membership, template=template, section=spec.field, **changes
                )
            else:
                services.template_item_update(
                    actor=request.membership, template=template, section=spec.field, index=index, **changes
                )
        except ValidationError as exc:
            apply_service_errors(form, exc, form.error_field)
        else:
            messages.success(request, _("Template saved."))
            return redirect(_back(template, spec))
    title = spec.add_title if index is None else spec.edit_title
    return form_page(
        request,
        form,
        title=f"{title} · {template.display_name}",
        back_url=_back(template, spec),
        submit_label=_("Add") if index is None else None,
        nav_active="templates",
    )


@team_required
@require_http_methods(["GET", "POST"])
def item_add(request, pk, section):
    return _item_form(request, pk, section, None)


@team_required
@require_http_methods(["GET", "POST"])
@versioned_edit
def item_edit(request, pk, section, index):
    return _item_form(request, pk, section, index)


@team_required
@require_http_methods(["GET", "POST"])
def item_delete(request, pk, section, index):
    template, spec = _editable(request, pk, section)
    item = _item(template, spec, index)
    error = None
    if request.method == "POST":
        try:
            services.template_item_delete(
                actor=request.membership,
                template=template,
                section=spec.field,
                index=index,
                version=_version(request),
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Item removed from the template."))
            return redirect(_back(template, spec))
    return render(
        request,
        "playbooks/item_delete.html",
        {
            "template": template,
            "label": _item_label(item),
            "version": services.template_version(template),
            "back_url": _back(template, spec),
            "error": error,
            "nav_active": "templates",
        },
        status=422 if error else 200,
    )


@team_required
@require_POST
def item_move(request, pk, section, index):
    """Move an item one place up or down (``to`` is its new position, counted from 0)."""
    template, spec = _editable(request, pk, section)
    _item(template, spec, index)
    try:
        to = int(request.POST.get("to", ""))
    except ValueError:
        to = None
    try:
        services.template_item_move(
            actor=request.membership,
            template=template,
            section=spec.field,
            index=index,
            to=to,
            version=_version(request),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_back(template, spec))


@team_required
@require_http_methods(["GET", "POST"])
def duplicate(request, pk):
    member = request.membership
    template = template_for_user(member, pk)
    services.require_template_manager(member, template)
    form = DuplicateTemplateForm(request.POST or None, item={"name": template.name})
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.template_duplicate(
                actor=member,
                template=template,
                name=form.item_data()["name"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc, form.error_field)
        else:
            messages.success(request, _("Copied as a template of your organisation; you can now change it."))
            return redirect("playbooks:detail", copy.pk)
    return form_page(
        request,
        form,
        title=_("Copy “%(name)s” to customise it") % {"name": template.display_name},
        back_url=reverse("playbooks:detail", args=[template.pk]),
        submit_label=_("Copy"),
        nav_active="templates",
    )
