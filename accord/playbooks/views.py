"""Project templates: browse, start a project from one, save a project as one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accord.core.hooks import project_start_url
from accord.core.ui import apply_service_errors, form_page
from accord.projects.forms import FIELD_NAMES as PROJECT_FIELD_NAMES
from accord.tenancy.access import project_for_user, team_required

from . import services
from .forms import ProjectFromTemplateForm, SaveAsTemplateForm
from .models import ProjectTemplate


def template_for_user(member, pk) -> ProjectTemplate:
    """A built-in template or one of the member's organisation (404 otherwise)."""
    try:
        return services.templates_visible(member.organization_id).get(pk=pk)
    except (ProjectTemplate.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@team_required
def template_list(request):
    templates = list(
        services.templates_visible(request.membership.organization_id).order_by("organization_id", "key")
    )
    return render(
        request,
        "playbooks/list.html",
        {
            "builtin": [t for t in templates if t.is_builtin],
            "own": [t for t in templates if not t.is_builtin],
            "nav_active": "templates",
        },
    )


@team_required
def detail(request, pk):
    template = template_for_user(request.membership, pk)
    return render(request, "playbooks/detail.html", {"template": template, "nav_active": "templates"})


@team_required
@require_http_methods(["GET", "POST"])
def use(request, pk):
    member = request.membership
    services.require_template_manager(member)
    template = template_for_user(member, pk)
    form = ProjectFromTemplateForm(
        request.POST or None, organization_id=member.organization_id, initial={"manager": request.user.pk}
    )
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create_from_template(
                actor=member, template=template, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc, PROJECT_FIELD_NAMES)
        else:
            messages.success(
                request, _("Project created from the template “%(name)s”.") % {"name": template.display_name}
            )
            return redirect(project_start_url(project))
    return form_page(
        request,
        form,
        template=template,
        title=_("New project from “%(name)s”") % {"name": template.display_name},
        back_url=reverse("playbooks:detail", args=[template.pk]),
        submit_label=_("Create project"),
        template_name="projects/create.html",
    )


@team_required
@require_http_methods(["GET", "POST"])
def save_from_project(request, pk):
    project = project_for_user(request.membership, pk, manage=True)
    form = SaveAsTemplateForm(request.POST or None, initial={"name": project.name})
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_save_from_project(
                actor=request.membership, project=project, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Saved as a template of your organisation."))
            return redirect("playbooks:detail", template.pk)
    return form_page(
        request,
        form,
        title=_("Save “%(name)s” as a template") % {"name": project.name},
        back_url=reverse("projects:detail", args=[project.pk]),
    )


@team_required
@require_http_methods(["GET", "POST"])
def delete(request, pk):
    member = request.membership
    template = template_for_user(member, pk)
    services.require_template_manager(member, template)
    if template.is_builtin:
        raise Http404
    if request.method == "POST":
        services.template_delete(actor=request.membership, template=template)
        messages.success(request, _("Template deleted."))
        return redirect("playbooks:list")
    return render(
        request,
        "web/confirm_delete.html",
        {"object": template, "back_url": reverse("playbooks:detail", args=[template.pk])},
    )
