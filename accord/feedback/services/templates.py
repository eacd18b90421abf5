"""Survey templates and their questions."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accord.audit.services import audit_create, audit_delete, update_fields
from accord.tenancy.access import require_project_manager, require_project_write
from accord.tenancy.models import Membership

from ..models import (
    CHOICE_KINDS,
    Question,
    QuestionKind,
    Survey,
    SurveyStatus,
    SurveyTemplate,
)

# --- templates and questions ----------------------------------------------------------------------


def _clean_name(value: str, field: str, message) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def survey_template_create(*, actor: Membership, name: str, description: str = "", is_active: bool = True):
    """A new survey template of the actor's organisation (no questions yet); admins and project
    managers only."""
    require_template_editor(actor)
    name = _clean_name(name, "name", _("Give the template a name."))
    with transaction.atomic():
        template = SurveyTemplate.objects.create(
            organization_id=actor.organization_id,
            name=name[:200],
            description=description or "",
            is_active=is_active,
        )
        audit_create(actor.user, template)
    return template


def require_template_editor(actor: Membership, template: SurveyTemplate | None = None) -> None:
    """Admins and project managers keep their organisation's survey templates (``template`` None:
    start a new one). The pages and the API ask it before they validate a form."""
    require_project_manager(actor)
    if template is not None and template.organization_id != actor.organization_id:
        raise PermissionDenied


def survey_template_update(*, actor: Membership, template: SurveyTemplate, **fields) -> SurveyTemplate:
    require_template_editor(actor, template)
    if "name" in fields:
        fields["name"] = _clean_name(fields["name"], "name", _("Give the template a name."))[:200]
    values = {key: fields[key] for key in ("name", "description", "is_active") if fields.get(key) is not None}
    with transaction.atomic():
        update_fields(actor.user, template, values)
    return template


def survey_template_delete(*, actor: Membership, template: SurveyTemplate) -> None:
    require_template_editor(actor, template)
    with transaction.atomic():
        audit_delete(actor.user, template)
        template.delete()


def _clean_options(kind: str, options) -> list[dict]:
    if kind not in CHOICE_KINDS:
        return []
    cleaned: list[dict] = []
    seen: set[str] = set()
    for index, option in enumerate(options or []):
        if isinstance(option, str):
            option = {"label": option}
        if not isinstance(option, dict):
            continue
        label = str(option.get("label") or "").strip()[:200]
        label_zh = str(option.get("label_zh") or "").strip()[:200]
        if not label and not label_zh:
            continue
        value = str(option.get("value") or index + 1).strip()[:40]
        if value in seen:
            value = str(index + 1)
        seen.add(value)
        cleaned.append({"value": value, "label": label or label_zh, "label_zh": label_zh})
    if len(cleaned) < 2:
        raise ValidationError({"options": _("A choice question needs at least two options, one per line.")})
    return cleaned


def parse_option_lines(text: str) -> list[dict]:
    """Options typed one per line as ``English | 中文``."""
    options = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        english, _sep, chinese = line.partition("|")
        options.append({"label": english.strip(), "label_zh": chinese.strip()})
    return options


def _question_fields(kind, text, text_zh, required, scale_max, options) -> dict:
    if kind not in QuestionKind.values:
        raise ValidationError({"kind": _("Choose one of the question types.")})
    text = (text or "").strip()
    text_zh = (text_zh or "").strip()
    if not text and not text_zh:
        raise ValidationError({"text": _("Write the question, in English or Chinese or both.")})
    try:
        scale_max = int(scale_max or 5)
    except (TypeError, ValueError):
        scale_max = 0
    if kind == QuestionKind.RATING and not 2 <= scale_max <= 10:
        raise ValidationError({"scale_max": _("The highest rating must be between 2 and 10.")})
    if kind != QuestionKind.RATING:
        scale_max = 5
    return {
        "kind": kind,
        "text": (text or text_zh)[:500],
        "text_zh": text_zh[:500],
        "required": bool(required),
        "scale_max": scale_max,
        "options": _clean_options(kind, options),
    }


def _ensure_draft(survey: Survey) -> None:
    if survey.status != SurveyStatus.DRAFT:
        raise ValidationError(_("This survey was already sent: its questions can no longer change."))


def _require_question_editor(actor: Membership, *, survey: Survey | None, template: SurveyTemplate | None):
    """A survey's questions under the project's write rule, a template's under the template rule."""
    if survey is not None:
        require_project_write(actor, survey.project)
    else:
        require_template_editor(actor, template)


def question_add(
    *,
    actor: Membership,
    survey: Survey | None = None,
    template: SurveyTemplate | None = None,
    kind: str,
    text: str = "",
    text_zh: str = "",
    required: bool = True,
    scale_max: int = 5,
    options=None,
) -> Question:
    """Add a question at the end of a draft survey or of a template."""
    if (survey is None) == (template is None):
        raise ValueError("exactly one of survey or template")
    _require_question_editor(actor, survey=survey, template=template)
    if survey is not None:
        _ensure_draft(survey)
    fields = _question_fields(kind, text, text_zh, required, scale_max, options)
    parent = survey or template
    with transaction.atomic():
        position = parent.questions.count() + 1
        question = Question.objects.create(
            organization_id=parent.organization_id,
            survey=survey,
            template=template,
            position=position,
            **fields,
        )
        audit_create(actor.user, question)
    return question


def question_update(*, actor: Membership, question: Question, **changes) -> Question:
    _require_question_editor(actor, survey=question.survey, template=question.template)
    if question.survey_id:
        _ensure_draft(question.survey)
    current = {
        "kind": question.kind,
        "text": question.text,
        "text_zh": question.text_zh,
        "required": question.required,
        "scale_max": question.scale_max,
        "options": question.options,
    }
    current.update({k: v for k, v in changes.items() if k in current and v is not None})
    fields = _question_fields(**current)
    with transaction.atomic():
        update_fields(actor.user, question, fields)
    return question


def question_delete(*, actor: Membership, question: Question) -> None:
    _require_question_editor(actor, survey=question.survey, template=question.template)
    if question.survey_id:
        _ensure_draft(question.survey)
    with transaction.atomic():
        audit_delete(actor.user, question)
        question.delete()
