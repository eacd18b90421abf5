"""Change requests with an impact assessment, the client's decision, and the project baseline."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.lib.models import TenantModel
from accord.lib.money import validate_currency


class ChangeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ASSESSED = "assessed", _("Assessed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    IMPLEMENTED = "implemented", _("Implemented")


# Waiting for the client's decision.
PENDING_STATUSES = (ChangeStatus.SUBMITTED, ChangeStatus.ASSESSED)
# Agreed: part of the project's scope and cost.
AGREED_STATUSES = (ChangeStatus.APPROVED, ChangeStatus.IMPLEMENTED)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    ChangeStatus.DRAFT: (ChangeStatus.SUBMITTED,),
    ChangeStatus.SUBMITTED: (ChangeStatus.ASSESSED,),
    # An assessment may be revised before the client decides.
    ChangeStatus.ASSESSED: (ChangeStatus.ASSESSED, ChangeStatus.APPROVED, ChangeStatus.REJECTED),
    ChangeStatus.APPROVED: (ChangeStatus.IMPLEMENTED,),
    ChangeStatus.REJECTED: (),
    ChangeStatus.IMPLEMENTED: (),
}


class ChangeRequest(TenantModel):
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        related_name="change_requests",
        verbose_name=_("project"),
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    reason = models.TextField(_("reason"), blank=True)
    requested_by = models.ForeignKey(
        "crm.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="change_requests",
        verbose_name=_("requested by"),
    )
    requested_on = models.DateField(_("requested on"))
    needs = models.ManyToManyField(
        "needs.Need",
        through="ChangeRequestNeed",
        blank=True,
        related_name="change_requests",
        verbose_name=_("needs"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ChangeStatus.choices, default=ChangeStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_risk = models.ForeignKey(
        "risks.Risk",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="change_requests",
        verbose_name=_("raised from risk"),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    # Impact assessment (our side).
    schedule_days = models.IntegerField(_("schedule impact (days)"), default=0)
    effort_hours = models.DecimalField(_("effort (hours)"), max_digits=10, decimal_places=2, default=0)
    cost_amount = models.DecimalField(_("cost"), max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, blank=True, validators=[validate_currency])
    affected_milestones = models.ManyToManyField(
        "projects.Milestone",
        through="ChangeRequestMilestone",
        blank=True,
        related_name="change_requests",
        verbose_name=_("affected milestones"),
    )
    new_risks = models.ManyToManyField(
        "risks.Risk",
        through="ChangeRequestRisk",
        blank=True,
        related_name="caused_by_changes",
        verbose_name=_("new risks"),
    )
    assessment_notes = models.TextField(_("assessment notes"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed"), null=True, blank=True)
    # The client's decision.
    decided_by = models.ForeignKey(
        "crm.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="change_decisions",
        verbose_name=_("decided by"),
    )
    decided_by_name = models.CharField(_("decided by (name)"), max_length=200, blank=True)
    # Who was signed in when the client decided (portal or client API token), as it was then:
    # the account and its e-mail address (an account's address may change later).
    decided_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by (account)"),
    )
    decided_by_email = models.EmailField(_("decided by (e-mail)"), blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)
    implemented_at = models.DateTimeField(_("implemented"), null=True, blank=True)

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(cost_amount__gte=0), name="change_cost_not_negative"),
            models.CheckConstraint(
                condition=models.Q(effort_hours__gte=0), name="change_effort_not_negative"
            ),
            models.CheckConstraint(condition=models.Q(schedule_days__gte=0), name="change_days_not_negative"),
        ]
        indexes = [
            models.Index(fields=["organization", "project", "status"], name="change_org_proj_status_idx"),
            models.Index(fields=["organization", "status"], name="change_org_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS.get(self.status, ())

    @property
    def is_decided(self) -> bool:
        return self.status in (ChangeStatus.APPROVED, ChangeStatus.REJECTED, ChangeStatus.IMPLEMENTED)


class ChangeRequestNeed(TenantModel):
    change_request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="need_links")
    need = models.ForeignKey("needs.Need", on_delete=models.CASCADE, related_name="change_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["change_request", "need"], name="changeneed_unique")]
        indexes = [models.Index(fields=["organization", "need"], name="changeneed_org_need_idx")]


class ChangeRequestMilestone(TenantModel):
    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.CASCADE, related_name="milestone_links"
    )
    milestone = models.ForeignKey("projects.Milestone", on_delete=models.CASCADE, related_name="change_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["change_request", "milestone"], name="changemilestone_unique")
        ]
        indexes = [models.Index(fields=["organization", "milestone"], name="changems_org_ms_idx")]


class ChangeRequestRisk(TenantModel):
    change_request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="risk_links")
    risk = models.ForeignKey("risks.Risk", on_delete=models.CASCADE, related_name="change_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["change_request", "risk"], name="changerisk_unique")]
        indexes = [models.Index(fields=["organization", "risk"], name="changerisk_org_risk_idx")]


class Baseline(TenantModel):
    """One version of what was agreed: end date, milestone dates and budget. Never edited."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="baselines", verbose_name=_("project")
    )
    version = models.PositiveIntegerField(_("version"))
    end_date = models.DateField(_("planned end"))
    # {"<milestone id>": "YYYY-MM-DD"}
    milestone_dates = models.JSONField(_("milestone dates"), default=dict, blank=True)
    budget_amount = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    change_request = models.ForeignKey(
        ChangeRequest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="baselines",
        verbose_name=_("change request"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("baseline")
        verbose_name_plural = _("baselines")
        ordering = ["project", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="baseline_project_version_unique"),
            models.CheckConstraint(
                condition=models.Q(budget_amount__isnull=True) | models.Q(budget_amount__gte=0),
                name="baseline_budget_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "project", "version"], name="baseline_org_proj_ver_idx")
        ]

    def __str__(self) -> str:
        return f"v{self.version}"

    @property
    def display_reason(self) -> str:
        """Why this version exists, in the reader's language."""
        if self.reason:
            return self.reason
        if self.change_request_id:
            title = self.change_request.title if self.change_request else ""
            return str(_("Change request #%(number)s: %(title)s")) % {
                "number": self.change_request_id,
                "title": title,
            }
        return str(_("Original baseline") if self.version == 1 else _("Baseline captured from the plan"))
