from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.audit.services import audit_for
from accord.core.concurrency import check_version, versioned_edit
from accord.core.ui import apply_service_errors, form_page
from accord.tenancy.access import (
    org_get,
    project_for_user,
    project_object_for_user,
    projects_for_user,
    team_required,
)

from . import selectors, services
from .forms import QuestionForm, SendForm, SettingForm, SurveyForm, SurveyTemplateForm
from .models import ProjectSurveySetting, Question, QuestionKind, Survey, SurveyTemplate


def _survey(request, pk, *, write=False, manage=False) -> Survey:
    return project_object_for_user(
        request.membership,
        Survey.objects.select_related("project__client", "template", "milestone"),
        pk,
        write=write,
        manage=manage,
    )


def _template(request, pk, *, write=False) -> SurveyTemplate:
    template = org_get(request.membership, SurveyTemplate.objects.all(), pk)
    if write:
        services.require_template_editor(request.membership, template)
    return template


def _language() -> str:
    return translation.get_language() or "en"


# --- organisation-wide ------------------------------------------------------------------------


@team_required
def overview(request):
    projects = projects_for_user(request.membership)
    surveys = list(
        selectors.survey_list(
            Survey.objects.filter(organization_id=request.membership.organization_id, project__in=projects)
        ).order_by("-created_at", "-id")[:100]
    )
    return render(
        request,
        "feedback/overview.html",
        {
            "surveys": surveys,
            "by_project": selectors.trends_by_project(projects),
            "by_month": selectors.trends_by_month(projects),
            "nav_active": "surveys",
        },
    )


@team_required
def template_list(request):
    from django.db.models import Count

    templates = (
        SurveyTemplate.objects.filter(organization_id=request.membership.organization_id)
        .annotate(questions_count=Count("questions"))
        .order_by("name", "id")
    )
    return render(request, "feedback/template_list.html", {"templates": templates, "nav_active": "surveys"})


@team_required
def template_create(request):
    services.require_template_editor(request.membership)
    form = SurveyTemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.survey_template_create(actor=request.membership, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Template created. Now add its questions."))
            return redirect("feedback:template_detail", template.pk)
    return form_page(
        request, form, title=_("New survey template"), back_url=reverse("feedback:template_list")
    )


@team_required
def template_detail(request, pk):
    template = _template(request, pk)
    return render(
        request,
        "feedback/template_detail.html",
        {
            "template": template,
            "questions": template.questions.all(),
            "question_form": QuestionForm(),
            "history": audit_for(template)[:20],
            "nav_active": "surveys",
        },
    )


@team_required
@versioned_edit
def template_edit(request, pk):
    template = _template(request, pk, write=True)
    initial = {"name": template.name, "description": template.description, "is_active": template.is_active}
    form = SurveyTemplateForm(request.POST or None, initial=initial)
    check_version(request, form, template)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_template_update(actor=request.membership, template=template, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Template saved."))
            return redirect("feedback:template_detail", template.pk)
    return form_page(
        request,
        form,
        title=_("Edit survey template"),
        back_url=reverse("feedback:template_detail", args=[pk]),
    )


@require_POST
@team_required
def template_delete(request, pk):
    template = _template(request, pk)
    services.survey_template_delete(actor=request.membership, template=template)
    messages.success(request, _("Template deleted."))
    return redirect("feedback:template_list")


def _question_values(form) -> dict:
    data = form.cleaned_data
    return {
        "kind": data["kind"],
        "text": data.get("text", ""),
        "text_zh": data.get("text_zh", ""),
        "required": data.get("required", False),
        "scale_max": data.get("scale_max") or 5,
        "options": services.parse_option_lines(data.get("options_text", "")),
    }


@team_required
def template_question_add(request, pk):
    template = _template(request, pk, write=True)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_add(actor=request.membership, template=template, **_question_values(form))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Question added."))
            return redirect("feedback:template_detail", template.pk)
    return form_page(
        request, form, title=_("Add a question"), back_url=reverse("feedback:template_detail", args=[pk])
    )


# --- a project's surveys --------------------------------------------------------------------------


@team_required
def project_surveys(request, pk):
    project = project_for_user(request.membership, pk)
    surveys = list(selectors.survey_list(project.surveys.all()).order_by("-created_at", "-id"))
    setting = ProjectSurveySetting.objects.filter(project=project).first()
    setting_form = SettingForm(
        initial={
            "on_milestone": setting.on_milestone if setting else False,
            "on_closeout": setting.on_closeout if setting else False,
            "template": setting.template_id if setting else None,
        },
        organization_id=project.organization_id,
    )
    return render(
        request,
        "feedback/project_surveys.html",
        {
            "project": project,
            "tab": "surveys",
            "surveys": surveys,
            "results": selectors.project_results(project, _language()),
            "setting_form": setting_form,
        },
    )


@require_POST
@team_required
def project_settings(request, pk):
    project = project_for_user(request.membership, pk, manage=True)
    form = SettingForm(request.POST, organization_id=project.organization_id)
    if form.is_valid():
        services.project_survey_setting_save(actor=request.membership, project=project, **form.cleaned_data)
        messages.success(request, _("Survey settings saved."))
    else:
        messages.error(request, _("Choose one of your organisation's templates."))
    return redirect("feedback:project_surveys", project.pk)


@team_required
def survey_create(request, pk):
    project = project_for_user(request.membership, pk, write=True)
    form = SurveyForm(request.POST or None, organization_id=project.organization_id)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_create(actor=request.membership, project=project, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Survey created. Review its questions, then send it."))
            return redirect("feedback:survey_detail", survey.pk)
    return form_page(
        request, form, title=_("New survey"), back_url=reverse("feedback:project_surveys", args=[pk])
    )


@team_required
def survey_detail(request, pk):
    survey = _survey(request, pk)
    recipients = survey.recipients.select_related("contact").order_by("id")
    return render(
        request,
        "feedback/survey_detail.html",
        {
            "survey": survey,
            "project": survey.project,
            "tab": "surveys",
            "questions": survey.questions.all(),
            "recipients": recipients,
            "results": selectors.survey_results(survey, _language()),
            "history": audit_for(survey)[:30],
        },
    )


@team_required
@versioned_edit
def survey_edit(request, pk):
    survey = _survey(request, pk, write=True)
    initial = {k: getattr(survey, k) for k in ("title", "title_zh", "intro", "intro_zh", "valid_days")}
    form = SurveyForm(request.POST or None, initial=initial, with_template=False)
    check_version(request, form, survey)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_update(actor=request.membership, survey=survey, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Survey saved."))
            return redirect("feedback:survey_detail", survey.pk)
    return form_page(
        request, form, title=_("Edit survey"), back_url=reverse("feedback:survey_detail", args=[pk])
    )


@team_required
def survey_delete(request, pk):
    survey = _survey(request, pk, manage=True)
    if request.method == "POST":
        project_id = survey.project_id
        services.survey_delete(actor=request.membership, survey=survey)
        messages.success(request, _("Survey deleted."))
        return redirect("feedback:project_surveys", project_id)
    return render(
        request,
        "web/confirm_delete.html",
        {
            "object": survey,
            "title": _("Delete survey"),
            "back_url": reverse("feedback:survey_detail", args=[pk]),
        },
    )


@team_required
def question_add(request, pk):
    survey = _survey(request, pk, write=True)
    form = QuestionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.question_add(actor=request.membership, survey=survey, **_question_values(form))
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Question added."))
                return redirect("feedback:survey_detail", survey.pk)
    return form_page(
        request,
        form,
        title=_("Add a question"),
        back_url=reverse("feedback:survey_detail", args=[pk]),
        status=status,
    )


def _question(request, pk) -> Question:
    """A survey's question under the project's write rule, or a template's under the manager rule."""
    question = org_get(request.membership, Question.objects.select_related("survey", "template"), pk)
    if question.survey_id:
        _survey(request, question.survey_id, write=True)
    else:
        services.require_template_editor(request.membership, question.template)
    return question


def _question_back(question: Question) -> str:
    if question.survey_id:
        return reverse("feedback:survey_detail", args=[question.survey_id])
    return reverse("feedback:template_detail", args=[question.template_id])


@team_required
@versioned_edit
def question_edit(request, pk):
    question = _question(request, pk)
    initial = {
        "kind": question.kind,
        "text": question.text,
        "text_zh": question.text_zh,
        "required": question.required,
        "scale_max": question.scale_max,
        "options_text": "\n".join(
            f"{o.get('label', '')} | {o.get('label_zh', '')}" for o in question.options or []
        ),
    }
    form = QuestionForm(request.POST or None, initial=initial)
    check_version(request, form, question)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.question_update(
                    actor=request.membership, question=question, **_question_values(form)
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Question saved."))
                return redirect(_question_back(question))
    return form_page(
        request, form, title=_("Edit question"), back_url=_question_back(question), status=status
    )


@require_POST
@team_required
def question_delete(request, pk):
    question = _question(request, pk)
    back = _question_back(question)
    try:
        services.question_delete(actor=request.membership, question=question)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Question deleted."))
    return redirect(back)


@team_required
def survey_send(request, pk):
    survey = _survey(request, pk, write=True)
    form = SendForm(request.POST or None, project=survey.project)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            contacts = list(form.cleaned_data["contacts"])
            try:
                tokens = services.survey_send(actor=request.membership, survey=survey, contacts=contacts)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Survey sent to %(count)s contacts.") % {"count": len(tokens)})
                skipped = services.unsubscribed(contacts)
                if skipped:
                    messages.warning(
                        request,
                        _("Not sent to %(names)s: they unsubscribed from surveys.")
                        % {"names": ", ".join(str(c) for c in skipped)},
                    )
                return redirect("feedback:survey_detail", survey.pk)
    return form_page(
        request,
        form,
        title=_("Send “%(title)s”") % {"title": survey.title},
        back_url=reverse("feedback:survey_detail", args=[pk]),
        submit_label=_("Send"),
        status=status,
    )


@require_POST
@team_required
def survey_remind(request, pk):
    survey = _survey(request, pk)
    tokens = services.survey_remind(actor=request.membership, survey=survey, force=True)
    messages.success(request, _("Reminder sent to %(count)s contacts.") % {"count": len(tokens)})
    return redirect("feedback:survey_detail", survey.pk)


@require_POST
@team_required
def survey_close(request, pk):
    survey = _survey(request, pk)
    services.survey_close(actor=request.membership, survey=survey)
    messages.success(request, _("Survey closed: its links no longer accept answers."))
    return redirect("feedback:survey_detail", survey.pk)


# --- the public answer page (no sign-in) ------------------------------------------------------------

_PROBLEM_STATUS = {
    services.LinkProblem.UNKNOWN: 404,
    services.LinkProblem.EXPIRED: 410,
    services.LinkProblem.ANSWERED: 409,
    services.LinkProblem.CLOSED: 410,
}


def _public_language(request, recipient) -> str:
    wanted = request.GET.get("lang") or request.POST.get("lang") or ""
    if wanted in ("en", "zh-hans"):
        return wanted
    if recipient is not None:
        return recipient.language
    return translation.get_language() or "en"


def answer(request, token):
    """The recipient answers in their language; a used, expired or unknown link gets a clear page."""
    recipient, problem = services.recipient_for_token(token)
    language = _public_language(request, recipient)
    with translation.override(language):
        if problem is not None:
            services.link_refused(
                recipient=recipient, problem=problem, remote=request.META.get("REMOTE_ADDR", "")
            )
            organization = recipient.survey.project.organization if recipient else None
            return render(
                request,
                "feedback/public_refused.html",
                {"problem": problem, "organization": organization, "language": language},
                status=_PROBLEM_STATUS[problem],
            )
        survey = recipient.survey
        questions = list(survey.questions.all())
        errors: dict = {}
        submitted: dict = {}
        status = 200
        if request.method == "POST":
            for question in questions:
                key = f"q_{question.pk}"
                if question.kind == QuestionKind.MULTIPLE:
                    submitted[question.pk] = request.POST.getlist(key)
                else:
                    submitted[question.pk] = request.POST.get(key, "")
            try:
                services.response_submit(recipient=recipient, answers=submitted, language=language)
            except ValidationError as exc:
                status = 422
                errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
                if not hasattr(exc, "error_dict"):
                    services.link_refused(recipient=recipient, problem="invalid")
            else:
                return render(
                    request,
                    "feedback/public_thanks.html",
                    {"survey": survey, "organization": survey.project.organization, "language": language},
                )
        rows = []
        for question in questions:
            value = submitted.get(question.pk, "")
            rows.append(
                {
                    "question": question,
                    "text": question.text_for(language),
                    "name": f"q_{question.pk}",
                    "scale": list(range(question.scale[0], question.scale[1] + 1))
                    if question.scale
                    else None,
                    "options": question.option_labels(language),
                    "value": value if isinstance(value, list) else [value] if value != "" else [],
                    "errors": errors.get(f"q_{question.pk}", []),
                }
            )
        return render(
            request,
            "feedback/public_answer.html",
            {
                "survey": survey,
                "title": survey.title_for(language),
                "intro": survey.intro_for(language),
                "organization": survey.project.organization,
                "rows": rows,
                "form_errors": errors.get("__all__", []),
                "language": language,
                "token": token,
            },
            status=status,
        )
