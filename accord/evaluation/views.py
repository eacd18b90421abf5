from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.audit.services import audit_for
from accord.core.concurrency import check_version, versioned_edit
from accord.core.search import flag_recent
from accord.core.ui import apply_service_errors, form_page
from accord.crm.models import Client, Industry
from accord.playbooks.models import ProjectTemplate
from accord.tenancy.access import (
    can_write_project,
    client_for_user,
    org_get,
    project_for_user,
    project_object_for_user,
    team_required,
)

from . import pdf, selectors, services
from .forms import (
    ApplyToTemplateForm,
    CloseoutForm,
    LessonForm,
    LessonSearchForm,
    RetroActionForm,
    RetrospectiveForm,
)
from .models import CloseoutEvaluation, Lesson, LessonUseKind, RetroAction, Retrospective

# --- health ---------------------------------------------------------------------------------------


@team_required
def at_risk(request):
    snapshots = list(selectors.clients_at_risk(request.membership.organization_id))
    return render(
        request,
        "evaluation/at_risk.html",
        {"snapshots": snapshots, "nav_active": "health", "today": timezone.localdate()},
    )


@require_POST
@team_required
def health_refresh(request):
    count = services.health_snapshots_for_org(actor=request.membership)
    messages.success(request, _("Health recomputed for %(count)s clients and projects.") % {"count": count})
    return redirect("evaluation:at_risk")


@team_required
def client_health(request, pk):
    client = client_for_user(request.membership, pk)
    return render(
        request,
        "evaluation/client_health.html",
        {
            "client": client,
            "health": selectors.client_health(client),
            "history": selectors.snapshot_history(client=client),
            "nav_active": "health",
        },
    )


@team_required
def project_health(request, pk):
    project = project_for_user(request.membership, pk)
    return render(
        request,
        "evaluation/project_health.html",
        {
            "project": project,
            "tab": "health",
            "health": selectors.project_health(project),
            "history": selectors.snapshot_history(client=project.client, project=project),
        },
    )


# --- close-out evaluation -------------------------------------------------------------------------------


def _evaluation(project):
    return CloseoutEvaluation.objects.filter(project=project).select_related("finalised_by").first()


@team_required
def closeout(request, pk):
    project = project_for_user(request.membership, pk)
    evaluation = _evaluation(project)
    figures = services.evaluation_figures(evaluation) if evaluation else None
    return render(
        request,
        "evaluation/closeout.html",
        {
            "project": project,
            "tab": "closeout",
            "evaluation": evaluation,
            "f": figures,
            "history": audit_for(evaluation)[:20] if evaluation else [],
        },
    )


@require_POST
@team_required
def closeout_start(request, pk):
    project = project_for_user(request.membership, pk)
    services.evaluation_start(actor=request.membership, project=project)
    return redirect("evaluation:closeout", project.pk)


@team_required
@versioned_edit
def closeout_edit(request, pk):
    project = project_for_user(request.membership, pk, manage=True)
    evaluation = services.evaluation_start(actor=request.membership, project=project)
    form = CloseoutForm(
        request.POST or None,
        initial={"actual_cost": evaluation.actual_cost, "commentary": evaluation.commentary},
    )
    check_version(request, form, evaluation)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.evaluation_update(
                    actor=request.membership,
                    evaluation=evaluation,
                    commentary=form.cleaned_data["commentary"],
                    actual_cost=form.cleaned_data["actual_cost"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Evaluation saved."))
                return redirect("evaluation:closeout", project.pk)
    return form_page(
        request,
        form,
        title=_("Close-out evaluation"),
        back_url=reverse("evaluation:closeout", args=[pk]),
        status=status,
    )


@require_POST
@team_required
def closeout_finalise(request, pk):
    project = project_for_user(request.membership, pk, manage=True)
    evaluation = _evaluation(project)
    if evaluation is None:
        messages.error(request, _("Start the evaluation first."))
        return redirect("evaluation:closeout", project.pk)
    try:
        services.evaluation_finalise(actor=request.membership, evaluation=evaluation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Evaluation finalised: its figures are now frozen."))
    return redirect("evaluation:closeout", project.pk)


@team_required
def closeout_pdf(request, pk):
    project = project_for_user(request.membership, pk)
    evaluation = _evaluation(project)
    if evaluation is None:
        messages.error(request, _("Start the evaluation first."))
        return redirect("evaluation:closeout", project.pk)
    language = pdf.evaluation_language(
        request.GET.get("lang") or translation.get_language(), project.organization
    )
    content = pdf.evaluation_pdf(evaluation, services.evaluation_figures(evaluation), language)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf.pdf_filename(evaluation, language)}"'
    response["Content-Language"] = language
    return response


# --- retrospectives -------------------------------------------------------------------------------


def _retro(request, pk, *, write=False) -> Retrospective:
    return project_object_for_user(
        request.membership, Retrospective.objects.select_related("project__client"), pk, write=write
    )


def _action(request, pk) -> RetroAction:
    action = org_get(request.membership, RetroAction.objects.select_related("retrospective"), pk)
    _retro(request, action.retrospective_id, write=True)
    return action


@team_required
def project_retros(request, pk):
    project = project_for_user(request.membership, pk)
    return render(
        request,
        "evaluation/project_retros.html",
        {"project": project, "tab": "retrospectives", "retros": list(selectors.retrospective_list(project))},
    )


@team_required
def retro_create(request, pk):
    project = project_for_user(request.membership, pk, write=True)
    form = RetrospectiveForm(request.POST or None, initial={"held_on": timezone.localdate()})
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                retro = services.retrospective_create(
                    actor=request.membership, project=project, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Retrospective saved. Add its actions."))
                return redirect("evaluation:retro_detail", retro.pk)
    return form_page(
        request,
        form,
        title=_("New retrospective"),
        back_url=reverse("evaluation:project_retros", args=[pk]),
        status=status,
    )


@team_required
def retro_detail(request, pk):
    retro = _retro(request, pk)
    return render(
        request,
        "evaluation/retro_detail.html",
        {
            "retro": retro,
            "project": retro.project,
            "tab": "retrospectives",
            "actions": retro.actions.select_related("owner").order_by("due_date", "id"),
            "action_form": RetroActionForm(organization_id=retro.organization_id),
            "history": audit_for(retro)[:20],
        },
    )


@team_required
@versioned_edit
def retro_edit(request, pk):
    retro = _retro(request, pk, write=True)
    initial = {k: getattr(retro, k) for k in ("title", "held_on", "went_well", "to_improve")}
    form = RetrospectiveForm(request.POST or None, initial=initial)
    check_version(request, form, retro)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            services.retrospective_update(actor=request.membership, retro=retro, **form.cleaned_data)
            messages.success(request, _("Retrospective saved."))
            return redirect("evaluation:retro_detail", retro.pk)
    return form_page(
        request,
        form,
        title=_("Edit retrospective"),
        back_url=reverse("evaluation:retro_detail", args=[pk]),
        status=status,
    )


@team_required
def retro_delete(request, pk):
    retro = _retro(request, pk, write=True)
    if request.method == "POST":
        project_id = retro.project_id
        services.retrospective_delete(actor=request.membership, retro=retro)
        messages.success(request, _("Retrospective deleted."))
        return redirect("evaluation:project_retros", project_id)
    return render(
        request,
        "web/confirm_delete.html",
        {"object": retro, "back_url": reverse("evaluation:retro_detail", args=[pk])},
    )


@require_POST
@team_required
def action_add(request, pk):
    retro = _retro(request, pk, write=True)
    form = RetroActionForm(request.POST, organization_id=retro.organization_id)
    if form.is_valid():
        try:
            services.retro_action_add(actor=request.membership, retro=retro, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Action added."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("evaluation:retro_detail", retro.pk)


@require_POST
@team_required
def action_done(request, pk):
    action = _action(request, pk)
    services.retro_action_set_done(actor=request.membership, action=action, done=action.done_at is None)
    return redirect("evaluation:retro_detail", action.retrospective_id)


@require_POST
@team_required
def action_delete(request, pk):
    action = _action(request, pk)
    retro_id = action.retrospective_id
    services.retro_action_delete(actor=request.membership, action=action)
    messages.success(request, _("Action deleted."))
    return redirect("evaluation:retro_detail", retro_id)


@team_required
def action_apply(request, pk):
    action = _action(request, pk)
    services.require_template_applier(request.membership, action)
    templates = ProjectTemplate.objects.filter(organization_id=request.membership.organization_id)
    form = ApplyToTemplateForm(request.POST or None, templates=templates)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.retro_action_apply_to_template(
                    actor=request.membership,
                    action=action,
                    template=form.cleaned_data["template"],
                    kind=form.cleaned_data["kind"],
                    offset_days=form.cleaned_data.get("offset_days"),
                    category=form.cleaned_data.get("category") or "other",
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Template updated."))
                return redirect("evaluation:retro_detail", action.retrospective_id)
    return form_page(
        request,
        form,
        title=_("Apply “%(action)s” to a project template") % {"action": action.title},
        back_url=reverse("evaluation:retro_detail", args=[action.retrospective_id]),
        submit_label=_("Apply to template"),
        status=status,
    )


# --- lessons learned ------------------------------------------------------------------------------


@team_required
def lesson_list(request):
    form = LessonSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    flag_recent(request, min((filters.get("q") or "").split(), key=len, default=""))
    lessons = list(
        selectors.lesson_search(
            request.membership.organization_id,
            q=filters.get("q", ""),
            industry=filters.get("industry", ""),
            category=filters.get("category", ""),
            phase=filters.get("phase", ""),
        )[:200]
    )
    return render(
        request,
        "evaluation/lesson_list.html",
        {"form": form, "lessons": lessons, "q": filters.get("q", ""), "nav_active": "lessons"},
    )


@team_required
def lesson_create(request):
    project = None
    project_id = request.GET.get("project") or request.POST.get("project")
    if project_id:
        project = project_for_user(request.membership, project_id)
    initial = {}
    if project is not None:
        initial["industry"] = selectors.project_industry(project)
    form = LessonForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                lesson = services.lesson_create(
                    actor=request.membership,
                    project=project,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Lesson saved."))
                return redirect("evaluation:lesson_detail", lesson.pk)
    back = (
        reverse("evaluation:project_lessons", args=[project.pk])
        if project
        else reverse("evaluation:lesson_list")
    )
    return form_page(request, form, title=_("New lesson learned"), back_url=back, status=status)


def _lesson(request, pk, *, write=False) -> Lesson:
    lesson = org_get(request.membership, Lesson.objects.select_related("project", "created_by"), pk)
    if write:
        services.require_lesson_editor(request.membership, lesson)
    return lesson


@team_required
def lesson_detail(request, pk):
    lesson = _lesson(request, pk)
    return render(
        request,
        "evaluation/lesson_detail.html",
        {"lesson": lesson, "history": audit_for(lesson)[:20], "nav_active": "lessons"},
    )


@team_required
@versioned_edit
def lesson_edit(request, pk):
    lesson = _lesson(request, pk, write=True)
    initial = {
        k: getattr(lesson, k)
        for k in ("title", "description", "recommendation", "industry", "category", "phase", "tags")
    }
    form = LessonForm(request.POST or None, initial=initial)
    check_version(request, form, lesson)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.lesson_update(actor=request.membership, lesson=lesson, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Lesson saved."))
                return redirect("evaluation:lesson_detail", lesson.pk)
    return form_page(
        request,
        form,
        title=_("Edit lesson learned"),
        back_url=reverse("evaluation:lesson_detail", args=[pk]),
        status=status,
    )


@team_required
def lesson_delete(request, pk):
    lesson = _lesson(request, pk, write=True)
    if request.method == "POST":
        services.lesson_delete(actor=request.membership, lesson=lesson)
        messages.success(request, _("Lesson deleted."))
        return redirect("evaluation:lesson_list")
    return render(
        request,
        "web/confirm_delete.html",
        {"object": lesson, "back_url": reverse("evaluation:lesson_detail", args=[pk])},
    )


@team_required
def project_lessons(request, pk):
    project = project_for_user(request.membership, pk)
    return render(
        request,
        "evaluation/project_lessons.html",
        {
            "project": project,
            "tab": "lessons",
            "lessons": selectors.relevant_lessons(project),
            "industry": dict(Industry.choices).get(selectors.project_industry(project), ""),
            "own_lessons": list(
                Lesson.objects.filter(organization_id=project.organization_id, project=project)
            ),
        },
    )


# --- lessons offered when a project starts ----------------------------------------------------------


@team_required
def project_lessons_start(request, pk):
    project = project_for_user(request.membership, pk)
    lessons = selectors.lessons_for_project_start(project)
    if not lessons:
        return redirect("projects:detail", project.pk)
    return render(
        request,
        "evaluation/project_lessons_start.html",
        {
            "project": project,
            "tab": "lessons",
            "lessons": lessons,
            "template": selectors.project_template(project),
            "can_write": can_write_project(request.membership, project),
        },
    )


@team_required
@require_POST
def lesson_take_up(request, pk, lesson_pk):
    project = project_for_user(request.membership, pk, write=True)
    lesson = org_get(request.membership, Lesson.objects.all(), lesson_pk)
    kind = request.POST.get("kind", "")
    try:
        use = services.lesson_take_up(actor=request.membership, project=project, lesson=lesson, kind=kind)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if use.kind == LessonUseKind.RISK:
            messages.success(
                request, _("“%(title)s” is now a risk of this project.") % {"title": lesson.title}
            )
        else:
            messages.success(request, _("Lesson acknowledged."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("evaluation:project_lessons_start", args=[project.pk])
    return redirect(target)


@team_required
def lessons_similar(request):
    """The "lessons from similar projects" panel of the new-project forms (an HTMX fragment)."""
    member = request.membership
    client = template = None
    if request.GET.get("client", "").isdigit():
        client = Client.objects.filter(
            organization_id=member.organization_id, pk=request.GET["client"]
        ).first()
    if request.GET.get("template", "").isdigit():
        template = (
            ProjectTemplate.objects.filter(pk=request.GET["template"])
            .filter(Q(organization_id=member.organization_id) | Q(organization__isnull=True))
            .first()
        )
    lessons = []
    if client is not None or template is not None:
        lessons = selectors.lessons_for_start(
            member.organization_id, client=client, template=template, limit=5
        )
    return render(
        request,
        "evaluation/partials/similar_lessons.html",
        {"lessons": lessons, "client": client, "template": template},
    )
