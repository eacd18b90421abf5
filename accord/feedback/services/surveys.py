"""Surveys: create, change, send with a tokenised public link, remind."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accord.audit.services import (
    audit_create,
    audit_delete,
    audit_event,
    update_fields,
)
from accord.comms.services import event_emit, outbox_email
from accord.crm.models import MailKind
from accord.crm.services import mail_list_headers, opted_out
from accord.tenancy.access import require_project_manage, require_project_write
from accord.tenancy.models import Membership

from ..models import (
    Question,
    QuestionKind,
    Survey,
    SurveyRecipient,
    SurveyStatus,
    SurveyTemplate,
    SurveyTrigger,
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

# --- surveys --------------------------------------------------------------------------------------


def _clean_valid_days(valid_days) -> int:
    try:
        value = int(valid_days)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 365:
        raise ValidationError({"valid_days": _("The link must be valid for 1 to 365 days.")})
    return value


def _survey_create(
    *,
    user,
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
    """``user`` is None when the scheduler creates the survey."""
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
            created_by=user,
        )
        audit_create(user, survey)
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


def survey_create(
    *,
    actor: Membership,
    project,
    title: str = "",
    title_zh: str = "",
    intro: str = "",
    intro_zh: str = "",
    template: SurveyTemplate | None = None,
    valid_days: int = 21,
    milestone=None,
) -> Survey:
    """A draft survey for a project, its questions copied from ``template`` (or the defaults)."""
    require_project_write(actor, project)
    return _survey_create(
        user=actor.user,
        project=project,
        title=title,
        title_zh=title_zh,
        intro=intro,
        intro_zh=intro_zh,
        template=template,
        valid_days=valid_days,
        milestone=milestone,
    )


def survey_update(*, actor: Membership, survey: Survey, **changes) -> Survey:
    require_project_write(actor, survey.project)
    if "title" in changes or "title_zh" in changes:
        title = (changes.get("title", survey.title) or "").strip()
        title_zh = (changes.get("title_zh", survey.title_zh) or "").strip()
        if not title and not title_zh:
            raise ValidationError({"title": _("Give the survey a title.")})
        changes["title"] = (title or title_zh)[:200]
        changes["title_zh"] = title_zh[:200]
    if changes.get("valid_days") is not None:
        changes["valid_days"] = _clean_valid_days(changes["valid_days"])
    fields = {
        key: changes[key]
        for key in ("title", "title_zh", "intro", "intro_zh", "valid_days")
        if changes.get(key) is not None
    }
    with transaction.atomic():
        update_fields(actor.user, survey, fields)
    return survey


def survey_delete(*, actor: Membership, survey: Survey) -> None:
    """Delete a survey: the project's manager (or an admin) only."""
    require_project_manage(actor, survey.project)
    with transaction.atomic():
        audit_delete(actor.user, survey)
        survey.delete()


def survey_close(*, actor: Membership, survey: Survey) -> Survey:
    """Stop accepting answers; links then show that the survey is closed."""
    require_project_write(actor, survey.project)
    if survey.status == SurveyStatus.CLOSED:
        return survey
    with transaction.atomic():
        survey.status = SurveyStatus.CLOSED
        survey.closed_at = timezone.now()
        survey.save(update_fields=["status", "closed_at", "updated_at"])
        audit_event(actor.user, survey, "closed")
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


def _survey_send(*, user, survey: Survey, contacts) -> dict[int, str]:
    """``user`` is None when the scheduler sends."""
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
        audit_event(user, survey, "sent", {"recipients": len(tokens)})
        if tokens:
            event_emit(
                organization=project.organization,
                name="survey.sent",
                payload={"survey_id": survey.pk, "project_id": project.pk, "recipients": len(tokens)},
            )
    return tokens


def survey_send(*, actor: Membership, survey: Survey, contacts) -> dict[int, str]:
    """E-mail the survey's public link to ``contacts`` of the project's client.

    Contacts already asked, and those who unsubscribed from surveys (:func:`unsubscribed`), are
    skipped. Returns ``{recipient_id: raw token}`` (the raw token is never stored; only the
    e-mail carries it).
    """
    require_project_write(actor, survey.project)
    return _survey_send(user=actor.user, survey=survey, contacts=contacts)


def _remind(*, user, survey: Survey, force: bool = False) -> dict[int, str]:
    """``user`` is None when the scheduler reminds."""
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
            audit_event(user, survey, "reminded", {"recipients": len(tokens)})
    return tokens


def survey_remind(*, actor: Membership, survey: Survey, force: bool = False) -> dict[int, str]:
    """Send a reminder with a fresh link to those who have not answered (and whose link still works).

    Without ``force`` only recipients asked at least REMIND_AFTER_DAYS ago (or reminded that long
    ago) and reminded fewer than MAX_REMINDERS times are included.
    """
    require_project_write(actor, survey.project)
    return _remind(user=actor.user, survey=survey, force=force)


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
        count += len(_remind(user=None, survey=survey))
    return count
