"""Surveys: build, send with a tokenised public link, remind, answer, alert on low scores."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.audit.services import (
    audit_create,
    audit_delete,
    audit_event,
    audit_update,
    snapshot,
    update_fields,
)
from accord.comms.services import event_emit, notify, outbox_email
from accord.crm.models import MailKind
from accord.crm.services import mail_list_headers, opted_out

from .models import (
    CHOICE_KINDS,
    Answer,
    ProjectSurveySetting,
    Question,
    QuestionKind,
    Survey,
    SurveyRecipient,
    SurveyResponse,
    SurveyStatus,
    SurveyTemplate,
    SurveyTrigger,
    hash_token,
    new_token,
)

security_log = logging.getLogger("accord.security")

LOW_CSAT = 2  # a CSAT at or below this alerts the manager
LOW_NPS = 6  # an NPS at or below this (a detractor) alerts the manager
MAX_REMINDERS = 2
REMIND_AFTER_DAYS = 5
MAX_TEXT_ANSWER = 5000

# The questions a survey gets when it is created without a template (English, Chinese).
DEFAULT_QUESTIONS = [
    {
        "kind": QuestionKind.CSAT,
        "text": "How satisfied are you with our work so far?",
        "text_zh": "您对我们目前的工作满意吗？",
    },
    {
        "kind": QuestionKind.NPS,
        "text": "How likely are you to recommend us to a colleague?",
        "text_zh": "您向同事推荐我们的可能性有多大？",
    },
    {
        "kind": QuestionKind.TEXT,
        "text": "What should we do better?",
        "text_zh": "我们有哪些地方需要改进？",
        "required": False,
    },
]


# --- templates and questions ----------------------------------------------------------------------


def _clean_name(value: str, field: str, message) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def survey_template_create(*, actor, organization, name: str, description: str = "", is_active: bool = True):
    """A new survey template (no questions yet)."""
    name = _clean_name(name, "name", _("Give the template a name."))
    with transaction.atomic():
        template = SurveyTemplate.objects.create(
            organization=organization, name=name[:200], description=description or "", is_active=is_active
        )
        audit_create(actor, template)
    return template


def survey_template_update(*, actor, template: SurveyTemplate, **fields) -> SurveyTemplate:
    before = snapshot(template)
    if "name" in fields:
        fields["name"] = _clean_name(fields["name"], "name", _("Give the template a name."))[:200]
    with transaction.atomic():
        for key in ("name", "description", "is_active"):
            if key in fields and fields[key] is not None:
                setattr(template, key, fields[key])
        template.save()
        audit_update(actor, template, before)
    return template


def survey_template_delete(*, actor, template: SurveyTemplate) -> None:
    with transaction.atomic():
        audit_delete(actor, template)
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


def question_add(
    *,
    actor,
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
        audit_create(actor, question)
    return question


def question_update(*, actor, question: Question, **changes) -> Question:
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
        update_fields(actor, question, fields)
    return question


def question_delete(*, actor, question: Question) -> None:
    if question.survey_id:
        _ensure_draft(question.survey)
    with transaction.atomic():
        audit_delete(actor, question)
        question.delete()


# --- surveys --------------------------------------------------------------------------------------


def _clean_valid_days(valid_days) -> int:
    try:
        value = int(valid_days)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 365:
        raise ValidationError({"valid_days": _("The link must be valid for 1 to 365 days.")})
    return value


def survey_create(
    *,
    actor,
    project,
    title: str = "",
    title_zh: str = "",
    intro: str = "",
    intro_zh: str = "",
    template: SurveyTemplate | None = None,
    valid_days: int = 21,
    trigger: str = SurveyTrigger.MANUAL,
    milestone=None,
) -> Survey:
    """A draft survey for a project, its questions copied from ``template`` (or the defaults)."""
    title = (title or "").strip()
    title_zh = (title_zh or "").strip()
    if not title and not title_zh:
        raise ValidationError({"title": _("Give the survey a title.")})
    if template is not None and template.organization_id != project.organization_id:
        raise ValidationError({"template": _("Choose one of your organisation's templates.")})
    if milestone is not None and milestone.project_id != project.pk:
        raise ValidationError({"milestone": _("Choose a milestone of this project.")})
    valid_days = _clean_valid_days(valid_days)
    with transaction.atomic():
        survey = Survey.objects.create(
            organization_id=project.organization_id,
            project=project,
            template=template,
            title=(title or title_zh)[:200],
            title_zh=title_zh[:200],
            intro=intro or "",
            intro_zh=intro_zh or "",
            valid_days=valid_days,
            trigger=trigger,
            milestone=milestone,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_create(actor, survey)
        if template is not None:
            source = [
                {
                    "kind": q.kind,
                    "text": q.text,
                    "text_zh": q.text_zh,
                    "required": q.required,
                    "scale_max": q.scale_max,
                    "options": q.options,
                }
                for q in template.questions.all()
            ]
        else:
            source = DEFAULT_QUESTIONS
        Question.objects.bulk_create(
            [
                Question(
                    organization_id=survey.organization_id,
                    survey=survey,
                    position=index,
                    kind=q["kind"],
                    text=q["text"],
                    text_zh=q.get("text_zh", ""),
                    required=q.get("required", True),
                    scale_max=q.get("scale_max", 5),
                    options=q.get("options", []),
                )
                for index, q in enumerate(source, start=1)
            ]
        )
    return survey


def survey_update(*, actor, survey: Survey, **changes) -> Survey:
    before = snapshot(survey)
    if "title" in changes or "title_zh" in changes:
        title = (changes.get("title", survey.title) or "").strip()
        title_zh = (changes.get("title_zh", survey.title_zh) or "").strip()
        if not title and not title_zh:
            raise ValidationError({"title": _("Give the survey a title.")})
        changes["title"] = (title or title_zh)[:200]
        changes["title_zh"] = title_zh[:200]
    if changes.get("valid_days") is not None:
        changes["valid_days"] = _clean_valid_days(changes["valid_days"])
    with transaction.atomic():
        for key in ("title", "title_zh", "intro", "intro_zh", "valid_days"):
            if changes.get(key) is not None:
                setattr(survey, key, changes[key])
        survey.save()
        audit_update(actor, survey, before)
    return survey


def survey_delete(*, actor, survey: Survey) -> None:
    with transaction.atomic():
        audit_delete(actor, survey)
        survey.delete()


def survey_close(*, actor, survey: Survey) -> Survey:
    """Stop accepting answers; links then show that the survey is closed."""
    if survey.status == SurveyStatus.CLOSED:
        return survey
    with transaction.atomic():
        survey.status = SurveyStatus.CLOSED
        survey.closed_at = timezone.now()
        survey.save(update_fields=["status", "closed_at", "updated_at"])
        audit_event(actor, survey, "closed")
    return survey


def public_url(raw_token: str) -> str:
    return f"{settings.BASE_URL}{reverse('feedback:answer', args=[raw_token])}"


def _contact_language(contact) -> str:
    language = contact.language or getattr(contact.client, "language", "") or "en"
    return "zh-hans" if language.startswith("zh") else "en"


def _send_link(recipient: SurveyRecipient, raw: str, *, reminder: bool) -> None:
    survey = recipient.survey
    with translation.override(recipient.language):
        context = {
            "survey": survey,
            "title": survey.title_for(recipient.language),
            "intro": survey.intro_for(recipient.language),
            "contact": recipient.contact,
            "project": survey.project,
            "organization": survey.project.organization,
            "link": public_url(raw),
            "expires_at": recipient.expires_at,
            "reminder": reminder,
        }
        subject = (
            _("Reminder: %(title)s") % {"title": context["title"]} if reminder else str(context["title"])
        )
        outbox_email(
            organization=survey.project.organization,
            to=recipient.email,
            subject=subject,
            text=render_to_string("feedback/email/invitation.txt", context),
            html=render_to_string("feedback/email/invitation.html", context),
            related=survey,
            project=survey.project,
            secrets=[raw],
            # A mail to many contacts: RFC 8058 one-click unsubscribe (Gmail and Yahoo ask bulk
            # senders for it); the token in the link is signed, not a secret to mask.
            headers=mail_list_headers(recipient.contact, MailKind.SURVEYS, survey.project.organization),
        )


def unsubscribed(contacts) -> list:
    """Those of ``contacts`` who unsubscribed from surveys: sending and reminding skip them."""
    contacts = list(contacts)
    ids = opted_out([c.pk for c in contacts], MailKind.SURVEYS)
    return [c for c in contacts if c.pk in ids]


def survey_send(*, actor, survey: Survey, contacts) -> dict[int, str]:
    """E-mail the survey's public link to ``contacts`` of the project's client.

    Contacts already asked, and those who unsubscribed from surveys (:func:`unsubscribed`), are
    skipped. Returns ``{recipient_id: raw token}`` (the raw token is never stored; only the
    e-mail carries it).
    """
    if survey.status == SurveyStatus.CLOSED:
        raise ValidationError(_("This survey is closed: reopen it by creating a new one."))
    contacts = list(contacts)
    if not contacts:
        raise ValidationError({"contacts": _("Choose at least one client contact to ask.")})
    if not survey.questions.exists():
        raise ValidationError(_("Add at least one question before sending the survey."))
    project = survey.project
    for contact in contacts:
        if contact.organization_id != survey.organization_id or contact.client_id != project.client_id:
            raise ValidationError({"contacts": _("Choose contacts of this project's client.")})
        if not contact.email:
            raise ValidationError(
                {"contacts": _("%(name)s has no e-mail address: add one first.") % {"name": contact}}
            )
    already = set(survey.recipients.values_list("contact_id", flat=True))
    already |= {c.pk for c in unsubscribed(contacts)}
    now = timezone.now()
    tokens: dict[int, str] = {}
    with transaction.atomic():
        for contact in contacts:
            if contact.pk in already:
                continue
            raw, digest = new_token()
            recipient = SurveyRecipient.objects.create(
                organization_id=survey.organization_id,
                survey=survey,
                contact=contact,
                email=contact.email,
                language=_contact_language(contact),
                token_hash=digest,
                expires_at=now + dt.timedelta(days=survey.valid_days),
                sent_at=now,
            )
            recipient.survey = survey
            _send_link(recipient, raw, reminder=False)
            tokens[recipient.pk] = raw
        if survey.status == SurveyStatus.DRAFT:
            survey.status = SurveyStatus.SENT
            survey.sent_at = now
            survey.save(update_fields=["status", "sent_at", "updated_at"])
        audit_event(actor, survey, "sent", {"recipients": len(tokens)})
        if tokens:
            event_emit(
                organization=project.organization,
                name="survey.sent",
                payload={"survey_id": survey.pk, "project_id": project.pk, "recipients": len(tokens)},
            )
    return tokens


def survey_remind(*, actor, survey: Survey, force: bool = False) -> dict[int, str]:
    """Send a reminder with a fresh link to those who have not answered (and whose link still works).

    Without ``force`` only recipients asked at least REMIND_AFTER_DAYS ago (or reminded that long
    ago) and reminded fewer than MAX_REMINDERS times are included.
    """
    if survey.status != SurveyStatus.SENT:
        return {}
    now = timezone.now()
    cutoff = now - dt.timedelta(days=REMIND_AFTER_DAYS)
    pending = survey.recipients.filter(answered_at__isnull=True, expires_at__gt=now).select_related(
        "contact__client"
    )
    if not force:
        pending = pending.filter(reminder_count__lt=MAX_REMINDERS, sent_at__lte=cutoff).exclude(
            reminded_at__gt=cutoff
        )
    # Who unsubscribed since they were asked hears no more about it.
    pending = pending.exclude(contact__mail_opt_outs__kind=MailKind.SURVEYS)
    tokens: dict[int, str] = {}
    with transaction.atomic():
        for recipient in pending:
            raw, digest = new_token()
            recipient.previous_token_hash = recipient.token_hash
            recipient.token_hash = digest
            recipient.reminded_at = now
            recipient.reminder_count += 1
            recipient.save(
                update_fields=[
                    "previous_token_hash",
                    "token_hash",
                    "reminded_at",
                    "reminder_count",
                    "updated_at",
                ]
            )
            recipient.survey = survey
            _send_link(recipient, raw, reminder=True)
            tokens[recipient.pk] = raw
        if tokens:
            audit_event(actor, survey, "reminded", {"recipients": len(tokens)})
    return tokens


def survey_reminders_run() -> int:
    """Periodic: remind everyone who has not answered an open survey. Returns reminders sent."""
    count = 0
    ids = (
        Survey.objects.filter(status=SurveyStatus.SENT, recipients__answered_at__isnull=True)
        .values_list("pk", flat=True)
        .distinct()
    )
    for survey_id in list(ids):
        survey = Survey.objects.select_related("project__client", "project__organization").get(pk=survey_id)
        count += len(survey_remind(actor=None, survey=survey))
    return count


# --- automatic sending ----------------------------------------------------------------------------


def project_survey_setting_save(
    *, actor, project, on_milestone: bool, on_closeout: bool, template: SurveyTemplate | None = None
) -> ProjectSurveySetting:
    if template is not None and template.organization_id != project.organization_id:
        raise ValidationError({"template": _("Choose one of your organisation's templates.")})
    with transaction.atomic():
        setting, created = ProjectSurveySetting.objects.get_or_create(
            project=project, defaults={"organization_id": project.organization_id}
        )
        before = snapshot(setting)
        if on_milestone and not setting.on_milestone:
            setting.enabled_at = timezone.now()
        setting.on_milestone = on_milestone
        setting.on_closeout = on_closeout
        setting.template = template
        setting.save()
        if created:
            audit_create(actor, setting)
        else:
            audit_update(actor, setting, before)
    return setting


def _project_recipients(project):
    return [c for c in project.contacts.all() if c.email and c.is_active]


def survey_send_for_milestone(
    milestone, *, actor=None, template: SurveyTemplate | None = None
) -> Survey | None:
    """Create and send a survey about a completed milestone to the project's client contacts.

    Does nothing (returns None) when this milestone already has a survey or the project has no
    contact with an e-mail address.
    """
    project = milestone.project
    if Survey.objects.filter(organization_id=project.organization_id, milestone=milestone).exists():
        return None
    contacts = _project_recipients(project)
    if not contacts:
        return None
    if template is None:
        setting = ProjectSurveySetting.objects.filter(project=project).select_related("template").first()
        template = setting.template if setting else None
    with transaction.atomic():
        survey = survey_create(
            actor=actor,
            project=project,
            title=f"{project.name}: {milestone.name}",
            title_zh=f"{project.name}：{milestone.name}",
            template=template,
            trigger=SurveyTrigger.MILESTONE,
            milestone=milestone,
        )
        survey_send(actor=actor, survey=survey, contacts=contacts)
    return survey


def survey_send_for_closeout(project, *, actor=None, template: SurveyTemplate | None = None) -> Survey | None:
    """Create and send the close-out survey (once per project)."""
    if Survey.objects.filter(
        organization_id=project.organization_id, project=project, trigger=SurveyTrigger.CLOSEOUT
    ).exists():
        return None
    contacts = _project_recipients(project)
    if not contacts:
        raise ValidationError({"contacts": _("The project has no client contact with an e-mail address.")})
    if template is None:
        setting = ProjectSurveySetting.objects.filter(project=project).select_related("template").first()
        template = setting.template if setting else None
    with transaction.atomic():
        survey = survey_create(
            actor=actor,
            project=project,
            title=f"{project.name}: project close-out",
            title_zh=f"{project.name}：项目收尾",
            template=template,
            trigger=SurveyTrigger.CLOSEOUT,
        )
        survey_send(actor=actor, survey=survey, contacts=contacts)
    return survey


def milestone_surveys_run() -> int:
    """Periodic: survey every milestone completed since its project switched automatic surveys on."""
    from accord.projects.models import Milestone, MilestoneStatus

    sent = 0
    settings_qs = ProjectSurveySetting.objects.filter(on_milestone=True).select_related("template")
    for setting in settings_qs:
        since = (setting.enabled_at or setting.created_at).date()
        milestones = (
            Milestone.objects.filter(
                organization_id=setting.organization_id,
                project_id=setting.project_id,
                status=MilestoneStatus.DONE,
                completed_on__gte=since,
                surveys__isnull=True,
            )
            .select_related("project__client", "project__organization")
            .order_by("completed_on", "id")
        )
        for milestone in milestones:
            if survey_send_for_milestone(milestone, template=setting.template):
                sent += 1
    sent += closeout_surveys_run()
    return sent


def closeout_surveys_run() -> int:
    """Periodic: send the close-out survey of every closed project whose setting asks for one."""
    from accord.projects.models import ProjectStatus

    sent = 0
    due = (
        ProjectSurveySetting.objects.filter(on_closeout=True, project__status=ProjectStatus.CLOSED)
        .exclude(project__surveys__trigger=SurveyTrigger.CLOSEOUT)
        .select_related("project__client", "project__organization", "template")
    )
    for setting in due:
        try:
            if survey_send_for_closeout(setting.project, template=setting.template):
                sent += 1
        except ValidationError:
            continue  # no contact with an e-mail address: nothing to send
    return sent


# --- answering ------------------------------------------------------------------------------------


class LinkProblem:
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    ANSWERED = "answered"
    CLOSED = "closed"


def recipient_for_token(raw: str) -> tuple[SurveyRecipient | None, str | None]:
    """The recipient a public link belongs to and, if it cannot be answered, why (a LinkProblem)."""
    if not raw or len(raw) > 100:
        return None, LinkProblem.UNKNOWN
    digest = hash_token(raw)
    recipient = (
        SurveyRecipient.objects.select_related(
            "survey__project__client", "survey__project__organization", "contact"
        )
        .filter(token_hash=digest)
        .first()
    )
    if recipient is None:
        recipient = (
            SurveyRecipient.objects.select_related(
                "survey__project__client", "survey__project__organization", "contact"
            )
            .filter(previous_token_hash=digest)
            .first()
        )
    if recipient is None:
        return None, LinkProblem.UNKNOWN
    if recipient.answered_at is not None:
        return recipient, LinkProblem.ANSWERED
    if recipient.survey.status == SurveyStatus.CLOSED:
        return recipient, LinkProblem.CLOSED
    if recipient.is_expired:
        return recipient, LinkProblem.EXPIRED
    return recipient, None


def link_refused(*, recipient: SurveyRecipient | None, problem: str, remote: str = "") -> None:
    """Record a refused use of a public link (a guessed token has no organisation to audit in)."""
    if recipient is None:
        security_log.warning("survey link refused: %s (from %s)", problem, remote or "?")
        return
    audit_event(
        None, recipient.survey, "link refused", {"reason": problem, "recipient": recipient.email}, denied=True
    )


def _clean_answer(question: Question, raw):
    """(number, choices, text) for one submitted value, or a ValidationError naming what to fix."""
    if isinstance(raw, list | tuple):
        values = [str(v).strip() for v in raw if str(v).strip()]
    elif raw is None:
        values = []
    else:
        values = [str(raw).strip()] if str(raw).strip() else []
    field = f"q_{question.pk}"
    if not values:
        if question.required:
            raise ValidationError({field: _("Please answer this question.")})
        return None
    scale = question.scale
    if scale is not None:
        low, high = scale
        try:
            number = int(values[0])
        except ValueError:
            raise ValidationError(
                {field: _("Choose a score from %(low)s to %(high)s.") % {"low": low, "high": high}}
            ) from None
        if not low <= number <= high:
            raise ValidationError(
                {
                    field: _("%(value)s is not allowed: choose a score from %(low)s to %(high)s.")
                    % {"value": number, "low": low, "high": high}
                }
            )
        return number, [], ""
    if question.kind in CHOICE_KINDS:
        allowed = {str(o.get("value")) for o in question.options or []}
        if any(v not in allowed for v in values):
            raise ValidationError({field: _("Choose one of the options shown.")})
        if question.kind == QuestionKind.SINGLE and len(values) > 1:
            raise ValidationError({field: _("Choose only one option.")})
        return None, sorted(set(values)), ""
    text = values[0]
    if len(text) > MAX_TEXT_ANSWER:
        raise ValidationError(
            {field: _("Please shorten your answer to %(max)s characters.") % {"max": MAX_TEXT_ANSWER}}
        )
    return None, [], text


def response_submit(*, recipient: SurveyRecipient, answers: dict, language: str = "") -> SurveyResponse:
    """Record a recipient's answers (``{question_id: value or [values]}``), once.

    Every answer is validated first; nothing is saved when one is wrong. A low CSAT or NPS alerts
    the project manager; ``survey.answered`` is emitted.
    """
    survey = recipient.survey
    questions = list(survey.questions.all())
    cleaned: dict[int, tuple] = {}
    errors: dict[str, list] = {}
    for question in questions:
        try:
            value = _clean_answer(question, answers.get(question.pk, answers.get(str(question.pk))))
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
            continue
        if value is not None:
            cleaned[question.pk] = value
    if errors:
        raise ValidationError(errors)
    if not cleaned:
        raise ValidationError(_("Please answer at least one question."))
    now = timezone.now()
    try:
        with transaction.atomic():
            # The conditional update claims the link: a second submission finds nothing to claim.
            claimed = SurveyRecipient.objects.filter(
                pk=recipient.pk, answered_at__isnull=True, expires_at__gt=now
            ).update(answered_at=now)
            if not claimed:
                raise ValidationError(_("This survey was already answered with this link."))
            response = SurveyResponse.objects.create(
                organization_id=survey.organization_id,
                survey=survey,
                recipient=recipient,
                submitted_at=now,
                language=language or recipient.language,
            )
            Answer.objects.bulk_create(
                [
                    Answer(
                        organization_id=survey.organization_id,
                        response=response,
                        question_id=question_id,
                        number=number,
                        choices=choices,
                        text=text,
                    )
                    for question_id, (number, choices, text) in cleaned.items()
                ]
            )
            recipient.answered_at = now
            audit_event(None, survey, "answered", {"recipient": recipient.email})
            by_kind = {q.pk: q.kind for q in questions}
            csat = [n for qid, (n, _c, _t) in cleaned.items() if by_kind[qid] == QuestionKind.CSAT]
            nps = [n for qid, (n, _c, _t) in cleaned.items() if by_kind[qid] == QuestionKind.NPS]
            low = any(n <= LOW_CSAT for n in csat) or any(n <= LOW_NPS for n in nps)
            project = survey.project
            if low and project.manager_id:
                notify(
                    organization=project.organization,
                    users=[project.manager],
                    title=format_lazy(gettext_lazy("Low survey score on {}"), project.name),
                    body=format_lazy(
                        gettext_lazy("{} answered “{}” with CSAT {} / NPS {}. Follow up with them."),
                        recipient.contact,
                        survey.title,
                        ", ".join(map(str, csat)) or "—",
                        ", ".join(map(str, nps)) or "—",
                    ),
                    url=reverse("feedback:survey_detail", args=[survey.pk]),
                )
            event_emit(
                organization=project.organization,
                name="survey.answered",
                payload={
                    "survey_id": survey.pk,
                    "project_id": project.pk,
                    "response_id": response.pk,
                    "contact_id": recipient.contact_id,
                    "csat": csat,
                    "nps": nps,
                    "low_score": low,
                },
            )
    except IntegrityError:
        raise ValidationError(_("This survey was already answered with this link.")) from None
    return response
