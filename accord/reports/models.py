"""Status reports: drafted from live project data, edited as Markdown, published with a version kept."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.lib.models import TenantModel
from accord.projects.models import Rag

# The editable sections, in the order they appear in the page, the PDF and the e-mail.
SECTIONS: tuple[tuple[str, object], ...] = (
    ("summary", pgettext_lazy("report section", "Summary")),
    ("progress", pgettext_lazy("report section", "Progress")),
    ("milestones", pgettext_lazy("report section", "Milestones")),
    ("completed", pgettext_lazy("report section", "Completed in this period")),
    ("challenges", pgettext_lazy("report section", "Challenges")),
    ("next_steps", pgettext_lazy("report section", "Next steps")),
    ("budget", pgettext_lazy("report section", "Budget")),
)
SECTION_KEYS = tuple(key for key, _label in SECTIONS)
# One section may hold a long text, but not a paste of a whole document.
MAX_SECTION_CHARS = 50_000


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class StatusReport(TenantModel):
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="status_reports", verbose_name=_("project")
    )
    version = models.PositiveIntegerField(_("version"))
    revised_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revisions",
        verbose_name=_("revision of"),
    )
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    due_date = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    suggested_rag = models.CharField(_("suggested RAG"), max_length=6, choices=Rag.choices, default=Rag.GREEN)
    rag = models.CharField(_("RAG status"), max_length=6, choices=Rag.choices, default=Rag.GREEN)
    summary = models.TextField(_("summary"), blank=True)
    progress = models.TextField(_("progress"), blank=True)
    milestones = models.TextField(_("milestones"), blank=True)
    completed = models.TextField(_("completed in this period"), blank=True)
    challenges = models.TextField(_("challenges"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    budget = models.TextField(_("budget"), blank=True)
    snapshot = models.JSONField(_("data snapshot"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10, default="en")
    drafted_automatically = models.BooleanField(_("drafted automatically"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("status report")
        verbose_name_plural = _("status reports")
        ordering = ["-period_end", "-version", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "version"], name="statusreport_project_version_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="statusreport_period_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "project", "status"], name="statusreport_org_proj_idx"),
            models.Index(fields=["organization", "status", "published_at"], name="statusreport_org_pub_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == ReportStatus.PUBLISHED

    def sections(self) -> list[dict]:
        return [{"key": key, "label": label, "text": getattr(self, key)} for key, label in SECTIONS]
