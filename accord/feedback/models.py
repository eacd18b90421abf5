"""Client surveys: templates, surveys with bilingual questions, tokenised recipients, answers."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.lib.models import TenantModel


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh public-link token and its hash (only the hash is stored)."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


class QuestionKind(models.TextChoices):
    CSAT = "csat", _("Satisfaction (CSAT, 1–5)")
    NPS = "nps", _("Recommendation (NPS, 0–10)")
    RATING = "rating", _("Rating")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TEXT = "text", _("Free text")


CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
SCALE_KINDS = (QuestionKind.CSAT, QuestionKind.NPS, QuestionKind.RATING)


class SurveyTemplate(TenantModel):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("survey template")
        verbose_name_plural = _("survey templates")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["organization", "name"], name="survtpl_org_name_idx")]

    def __str__(self) -> str:
        return self.name


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    CLOSED = "closed", _("Closed")


class SurveyTrigger(models.TextChoices):
    MANUAL = "manual", _("By hand")
    MILESTONE = "milestone", _("At a milestone")
    CLOSEOUT = "closeout", _("At close-out")


class Survey(TenantModel):
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="surveys", verbose_name=_("project")
    )
    template = models.ForeignKey(
        SurveyTemplate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="surveys",
        verbose_name=_("template"),
    )
    title = models.CharField(_("title (English)"), max_length=200)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200, blank=True)
    intro = models.TextField(_("introduction (English)"), blank=True)
    intro_zh = models.TextField(_("introduction (Chinese)"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    trigger = models.CharField(
        _("sent"), max_length=10, choices=SurveyTrigger.choices, default=SurveyTrigger.MANUAL
    )
    milestone = models.ForeignKey(
        "projects.Milestone",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="surveys",
        verbose_name=_("milestone"),
    )
    valid_days = models.PositiveIntegerField(
        _("link valid for (days)"), default=21, help_text=_("How long the link in the e-mail works.")
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_days__gte=1) & models.Q(valid_days__lte=365),
                name="survey_valid_days_range",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "project", "status"], name="survey_org_proj_status_idx"),
            models.Index(fields=["organization", "milestone"], name="survey_org_milestone_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def title_for(self, language: str) -> str:
        return self.title_zh if language.startswith("zh") and self.title_zh else self.title

    def intro_for(self, language: str) -> str:
        return self.intro_zh if language.startswith("zh") and self.intro_zh else self.intro

    @property
    def is_draft(self) -> bool:
        return self.status == SurveyStatus.DRAFT


class Question(TenantModel):
    """A question of a template or of a survey (exactly one of the two)."""

    template = models.ForeignKey(
        SurveyTemplate, null=True, blank=True, on_delete=models.CASCADE, related_name="questions"
    )
    survey = models.ForeignKey(
        Survey, null=True, blank=True, on_delete=models.CASCADE, related_name="questions"
    )
    kind = models.CharField(_("type"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.CSAT)
    text = models.CharField(_("question (English)"), max_length=500)
    text_zh = models.CharField(_("question (Chinese)"), max_length=500, blank=True)
    required = models.BooleanField(_("an answer is required"), default=True)
    scale_max = models.PositiveSmallIntegerField(
        _("highest rating"), default=5, help_text=_("For ratings: from 1 to this number (2–10).")
    )
    # [{"value": "a", "label": "English", "label_zh": "中文"}, …] for single and multiple choice.
    options = models.JSONField(_("options"), default=list, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(template__isnull=True) & models.Q(survey__isnull=False))
                | (models.Q(template__isnull=False) & models.Q(survey__isnull=True)),
                name="question_template_xor_survey",
            ),
            models.CheckConstraint(
                condition=models.Q(scale_max__gte=2) & models.Q(scale_max__lte=10),
                name="question_scale_max_range",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "survey", "position"], name="question_org_survey_idx"),
            models.Index(fields=["organization", "template", "position"], name="question_org_tpl_idx"),
        ]

    def __str__(self) -> str:
        return self.text

    def text_for(self, language: str) -> str:
        return self.text_zh if language.startswith("zh") and self.text_zh else self.text

    @property
    def scale(self) -> tuple[int, int] | None:
        if self.kind == QuestionKind.CSAT:
            return 1, 5
        if self.kind == QuestionKind.NPS:
            return 0, 10
        if self.kind == QuestionKind.RATING:
            return 1, self.scale_max
        return None

    def option_labels(self, language: str) -> list[tuple[str, str]]:
        zh = language.startswith("zh")
        return [
            (str(o.get("value")), (o.get("label_zh") if zh and o.get("label_zh") else o.get("label")) or "")
            for o in self.options or []
        ]


class SurveyRecipient(TenantModel):
    """One client contact asked to answer; the public link's token is stored hashed."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="recipients")
    contact = models.ForeignKey(
        "crm.Contact", on_delete=models.CASCADE, related_name="survey_invitations", verbose_name=_("contact")
    )
    email = models.EmailField(_("e-mail"))
    language = models.CharField(_("language"), max_length=10, default="en")
    token_hash = models.CharField(max_length=64, unique=True)
    # A reminder carries a fresh link; the link of the first e-mail keeps working too.
    previous_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    expires_at = models.DateTimeField(_("link expires"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(_("reminders"), default=0)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey recipient")
        verbose_name_plural = _("survey recipients")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "contact"], name="survey_recipient_once"),
        ]
        indexes = [
            models.Index(fields=["organization", "survey", "answered_at"], name="survrec_org_survey_idx"),
            models.Index(fields=["organization", "contact"], name="survrec_org_contact_idx"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class SurveyResponse(TenantModel):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    recipient = models.OneToOneField(SurveyRecipient, on_delete=models.CASCADE, related_name="response")
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    language = models.CharField(_("language"), max_length=10, default="en")

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "survey", "submitted_at"], name="survresp_org_survey_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} · {self.recipient}"


class Answer(TenantModel):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    number = models.SmallIntegerField(_("score"), null=True, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_once_per_question"),
        ]
        indexes = [models.Index(fields=["organization", "question"], name="answer_org_question_idx")]

    def __str__(self) -> str:
        return str(self.number if self.number is not None else self.text[:40])


class ProjectSurveySetting(TenantModel):
    """Per project: send a survey automatically when a milestone is completed."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="survey_setting", verbose_name=_("project")
    )
    on_milestone = models.BooleanField(_("send a survey when a milestone is completed"), default=False)
    on_closeout = models.BooleanField(_("send a survey at close-out"), default=False)
    template = models.ForeignKey(
        SurveyTemplate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("survey template"),
    )
    # Milestones completed before this moment are not surveyed.
    enabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("survey setting")
        verbose_name_plural = _("survey settings")
        indexes = [models.Index(fields=["organization", "on_milestone"], name="survset_org_auto_idx")]

    def __str__(self) -> str:
        return str(self.project)
