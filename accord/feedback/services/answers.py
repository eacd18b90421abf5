"""Answering a survey through its public link; low scores alert the manager."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.audit.services import audit_event
from accord.comms.services import event_emit, notify

from ..models import (
    CHOICE_KINDS,
    Answer,
    Question,
    QuestionKind,
    SurveyRecipient,
    SurveyResponse,
    SurveyStatus,
    hash_token,
)
from .surveys import LOW_CSAT, LOW_NPS, MAX_TEXT_ANSWER, security_log

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
