"""Client health snapshots, close-out evaluations, retrospectives and lessons learned."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.crm.models import Industry
from accord.lib.models import TenantModel
from accord.lib.money import validate_currency


class HealthSnapshot(TenantModel):
    """The health score of a client (``project`` empty) or of one project, as computed on a day.

    ``parts`` keeps each part's score, weight and detail so that a later day can say what moved.
    """

    client = models.ForeignKey(
        "crm.Client", on_delete=models.CASCADE, related_name="health_snapshots", verbose_name=_("client")
    )
    project = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="health_snapshots",
        verbose_name=_("project"),
    )
    taken_on = models.DateField(_("day"))
    score = models.PositiveSmallIntegerField(_("health score"))
    parts = models.JSONField(_("parts"), default=list)

    class Meta:
        verbose_name = _("health snapshot")
        verbose_name_plural = _("health snapshots")
        ordering = ["-taken_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "taken_on"],
                condition=models.Q(project__isnull=True),
                name="health_client_day_unique",
            ),
            models.UniqueConstraint(
                fields=["project", "taken_on"],
                condition=models.Q(project__isnull=False),
                name="health_project_day_unique",
            ),
            models.CheckConstraint(condition=models.Q(score__lte=100), name="health_score_max_100"),
        ]
        indexes = [
            models.Index(fields=["organization", "client", "taken_on"], name="health_org_client_day_idx"),
            models.Index(fields=["organization", "project", "taken_on"], name="health_org_project_day_idx"),
            models.Index(fields=["organization", "taken_on", "score"], name="health_org_day_score_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.taken_on}: {self.score}"


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINAL = "final", _("Final")


class CloseoutEvaluation(TenantModel):
    """A project's close-out evaluation: figures computed from its data, frozen when finalised."""

    project = models.OneToOneField(
        "projects.Project",
        on_delete=models.CASCADE,
        related_name="closeout_evaluation",
        verbose_name=_("project"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=EvaluationStatus.choices, default=EvaluationStatus.DRAFT
    )
    commentary = models.TextField(_("manager's commentary"), blank=True, help_text=_("Markdown."))
    actual_cost = models.DecimalField(
        _("actual cost"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("What the project actually cost, in the project's currency."),
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR", validators=[validate_currency])
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    finalised_at = models.DateTimeField(_("finalised"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("close-out evaluation")
        verbose_name_plural = _("close-out evaluations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(actual_cost__isnull=True) | models.Q(actual_cost__gte=0),
                name="closeout_actual_cost_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"], name="closeout_org_status_idx")]

    def __str__(self) -> str:
        return str(self.project)

    @property
    def is_final(self) -> bool:
        return self.status == EvaluationStatus.FINAL


class Retrospective(TenantModel):
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="retrospectives", verbose_name=_("project")
    )
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("held on"))
    went_well = models.TextField(_("what went well"), blank=True, help_text=_("Markdown."))
    to_improve = models.TextField(_("what to improve"), blank=True, help_text=_("Markdown."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("retrospective")
        verbose_name_plural = _("retrospectives")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["organization", "project", "held_on"], name="retro_org_project_idx")]

    def __str__(self) -> str:
        return self.title


class RetroAction(TenantModel):
    """An improvement action agreed in a retrospective."""

    retrospective = models.ForeignKey(
        Retrospective, on_delete=models.CASCADE, related_name="actions", verbose_name=_("retrospective")
    )
    title = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    applied_to_template = models.CharField(_("applied to template"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["organization", "retrospective"], name="retroact_org_retro_idx"),
            models.Index(fields=["organization", "owner", "done_at"], name="retroact_org_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class LessonCategory(models.TextChoices):
    COMMUNICATION = "communication", _("Communication")
    REQUIREMENTS = "requirements", _("Requirements")
    PLANNING = "planning", _("Planning and estimation")
    RISK = "risk", _("Risk")
    TECHNICAL = "technical", _("Technical")
    QUALITY = "quality", _("Quality")
    COMMERCIAL = "commercial", _("Commercial")
    TEAM = "team", _("Team")
    CLIENT = "client", _("Client relationship")
    OTHER = "other", _("Other")


class Phase(models.TextChoices):
    INITIATION = "initiation", _("Initiation")
    PLANNING = "planning", _("Planning")
    EXECUTION = "execution", _("Execution")
    MONITORING = "monitoring", _("Monitoring and control")
    CLOSING = "closing", _("Close-out")
    SUPPORT = "support", _("After delivery")


class Lesson(TenantModel):
    """A lesson learned, shared across the organisation's projects."""

    project = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
        verbose_name=_("project"),
    )
    retrospective = models.ForeignKey(
        Retrospective, null=True, blank=True, on_delete=models.SET_NULL, related_name="lessons"
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("what happened"), blank=True, help_text=_("Markdown."))
    recommendation = models.TextField(_("recommendation"), blank=True, help_text=_("Markdown."))
    industry = models.CharField(
        _("industry"),
        max_length=20,
        choices=Industry.choices,
        blank=True,
        help_text=_("Empty: any industry."),
    )
    category = models.CharField(
        _("category"), max_length=20, choices=LessonCategory.choices, default=LessonCategory.OTHER
    )
    phase = models.CharField(_("phase"), max_length=12, choices=Phase.choices, default=Phase.EXECUTION)
    tags = models.CharField(_("tags"), max_length=300, blank=True, help_text=_("Separated by commas."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("lesson learned")
        verbose_name_plural = _("lessons learned")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "industry"], name="lesson_org_industry_idx"),
            models.Index(fields=["organization", "category"], name="lesson_org_category_idx"),
            models.Index(fields=["organization", "phase"], name="lesson_org_phase_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.replace("，", ",").split(",") if t.strip()]


# Risk categories offered when an improvement becomes a risk on a project template's checklist
# (the same values as the risk register's categories).
RiskCategoryChoice = [
    ("technical", _("Technical")),
    ("resources", _("Resources")),
    ("schedule", _("Schedule")),
    ("requirement_change", _("Requirement change")),
    ("client_side", _("Client side")),
    ("commercial", _("Commercial")),
    ("legal", _("Legal / compliance")),
    ("other", _("Other")),
]


class LessonUseKind(models.TextChoices):
    RISK = "risk", _("Added to the risks")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")


class LessonUse(TenantModel):
    """A lesson taken up by a project: added to its risk register, or read and acknowledged.

    How many projects took a lesson up is what makes it "useful" when the next one starts.
    """

    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="uses", verbose_name=_("lesson")
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="lesson_uses", verbose_name=_("project")
    )
    kind = models.CharField(_("taken up as"), max_length=14, choices=LessonUseKind.choices)
    risk = models.ForeignKey(
        "risks.Risk",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("risk"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("lesson taken up")
        verbose_name_plural = _("lessons taken up")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "project"], name="lessonuse_lesson_project_unique")
        ]
        indexes = [
            models.Index(fields=["organization", "project"], name="lessonuse_org_project_idx"),
            models.Index(fields=["organization", "lesson"], name="lessonuse_org_lesson_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.lesson_id} → {self.project_id}"
