"""The risk register: probability × impact, owners, triggers, mitigation and contingency plans."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.lib.models import TenantModel


class RiskCategory(models.TextChoices):
    TECHNICAL = "technical", _("Technical")
    RESOURCES = "resources", _("Resources")
    SCHEDULE = "schedule", _("Schedule")
    REQUIREMENT_CHANGE = "requirement_change", _("Requirement change")
    CLIENT_SIDE = "client_side", _("Client side")
    COMMERCIAL = "commercial", _("Commercial")
    LEGAL = "legal", _("Legal / compliance")
    OTHER = "other", _("Other")


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MONITORING = "monitoring", _("Monitoring")
    OCCURRED = "occurred", _("Occurred")
    CLOSED = "closed", _("Closed")


TRANSITIONS: dict[str, tuple[str, ...]] = {
    RiskStatus.OPEN: (RiskStatus.MONITORING, RiskStatus.OCCURRED, RiskStatus.CLOSED),
    RiskStatus.MONITORING: (RiskStatus.OPEN, RiskStatus.OCCURRED, RiskStatus.CLOSED),
    RiskStatus.OCCURRED: (RiskStatus.CLOSED, RiskStatus.MONITORING),
    RiskStatus.CLOSED: (RiskStatus.OPEN,),
}

ACTIVE_STATUSES = (RiskStatus.OPEN, RiskStatus.MONITORING, RiskStatus.OCCURRED)


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


# Lowest score of each level (score = probability × impact, 1–25).
LEVEL_THRESHOLDS = ((20, RiskLevel.CRITICAL), (10, RiskLevel.HIGH), (5, RiskLevel.MEDIUM), (1, RiskLevel.LOW))
SCALE = range(1, 6)


def risk_score(probability: int, impact: int) -> int:
    """The one rule for a risk's score (the ``risk_score_is_p_x_i`` constraint checks it)."""
    return probability * impact


def level_for(score: int) -> str:
    for lowest, level in LEVEL_THRESHOLDS:
        if score >= lowest:
            return level
    return RiskLevel.LOW


def score_range(level: str) -> tuple[int, int]:
    """Inclusive score bounds of a level, for filtering."""
    bounds = {
        RiskLevel.LOW: (1, 4),
        RiskLevel.MEDIUM: (5, 9),
        RiskLevel.HIGH: (10, 19),
        RiskLevel.CRITICAL: (20, 25),
    }
    return bounds[level]


class Risk(TenantModel):
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="risks", verbose_name=_("project")
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    category = models.CharField(
        _("category"), max_length=20, choices=RiskCategory.choices, default=RiskCategory.OTHER
    )
    probability = models.PositiveSmallIntegerField(_("probability (1–5)"), default=3)
    impact = models.PositiveSmallIntegerField(_("impact (1–5)"), default=3)
    score = models.PositiveSmallIntegerField(_("score"), default=9, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_risks",
        verbose_name=_("owner"),
    )
    triggers = models.TextField(_("triggers / early signs"), blank=True)
    mitigation = models.TextField(_("mitigation"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    client_visible = models.BooleanField(_("visible to the client"), default=False)
    occurred_at = models.DateTimeField(_("occurred"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    review_reminded_on = models.DateField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        ordering = ["-score", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(probability__gte=1, probability__lte=5), name="risk_probability_1_5"
            ),
            models.CheckConstraint(condition=models.Q(impact__gte=1, impact__lte=5), name="risk_impact_1_5"),
            models.CheckConstraint(
                condition=models.Q(score=models.F("probability") * models.F("impact")),
                name="risk_score_is_p_x_i",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "project", "status"], name="risk_org_proj_status_idx"),
            models.Index(fields=["organization", "status", "next_review_on"], name="risk_org_review_idx"),
            models.Index(fields=["organization", "owner", "status"], name="risk_org_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def rescore(self) -> None:
        self.score = risk_score(self.probability, self.impact)

    @property
    def level(self) -> str:
        return level_for(self.score)

    def get_level_display(self) -> str:
        return RiskLevel(self.level).label

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS.get(self.status, ())

    @property
    def review_due(self) -> bool:
        return (
            self.status in ACTIVE_STATUSES
            and self.next_review_on is not None
            and self.next_review_on <= timezone.localdate()
        )


class ContingencyAction(TenantModel):
    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="actions", verbose_name=_("risk"))
    description = models.CharField(_("action"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contingency_actions",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("deadline"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("contingency action")
        verbose_name_plural = _("contingency actions")
        ordering = ["done", "due_date", "id"]
        indexes = [
            models.Index(fields=["organization", "risk"], name="contaction_org_risk_idx"),
            models.Index(fields=["organization", "owner", "done"], name="contaction_org_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def is_overdue(self) -> bool:
        return not self.done and self.due_date is not None and self.due_date < timezone.localdate()


class RiskScoreChange(TenantModel):
    """One change of a risk's probability or impact, written by the service."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="score_changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    old_probability = models.PositiveSmallIntegerField(null=True)
    old_impact = models.PositiveSmallIntegerField(null=True)
    old_score = models.PositiveSmallIntegerField(null=True)
    new_probability = models.PositiveSmallIntegerField()
    new_impact = models.PositiveSmallIntegerField()
    new_score = models.PositiveSmallIntegerField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "risk", "created_at"], name="riskscore_org_risk_idx")]
