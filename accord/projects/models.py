from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.lib.models import TenantModel
from accord.lib.money import validate_currency


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    ON_HOLD = "on_hold", _("On hold")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# A project still under way: its communication duties are still matched and reported.
OPEN_PROJECT_STATUSES = (ProjectStatus.PLANNED, ProjectStatus.ACTIVE, ProjectStatus.ON_HOLD)


class Rag(models.TextChoices):
    GREEN = "green", _("Green")
    AMBER = "amber", _("Amber")
    RED = "red", _("Red")


class Project(TenantModel):
    client = models.ForeignKey(
        "crm.Client", on_delete=models.PROTECT, related_name="projects", verbose_name=_("client")
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="managed_projects",
        verbose_name=_("project manager"),
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="projects", verbose_name=_("team")
    )
    contacts = models.ManyToManyField(
        "crm.Contact",
        blank=True,
        related_name="projects",
        verbose_name=_("client stakeholders"),
        help_text=_("Client contacts on this project; those with a portal account see it in the portal."),
    )
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("planned end"))
    actual_end_date = models.DateField(_("actual end"), null=True, blank=True)
    budget_amount = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR", validators=[validate_currency])
    status = models.CharField(
        _("status"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE
    )
    rag = models.CharField(_("RAG status"), max_length=6, choices=Rag.choices, default=Rag.GREEN)
    industry = models.CharField(_("industry"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="project_org_code_unique"),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="project_dates_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(budget_amount__isnull=True) | models.Q(budget_amount__gte=0),
                name="project_budget_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="project_org_status_idx"),
            models.Index(fields=["organization", "client"], name="project_org_client_idx"),
            models.Index(fields=["organization", "manager"], name="project_org_manager_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PROJECT_STATUSES


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    MISSED = "missed", _("Missed")


class Milestone(TenantModel):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("project")
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    due_date = models.DateField(_("due"))
    baseline_due_date = models.DateField(_("baseline due"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED
    )
    client_visible = models.BooleanField(_("visible to the client"), default=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["organization", "project", "due_date"], name="milestone_org_proj_due_idx"),
            # Milestones due soon across projects (the dashboard).
            models.Index(fields=["organization", "status", "due_date"], name="milestone_org_status_due_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_overdue(self) -> bool:
        return self.status == MilestoneStatus.PLANNED and self.due_date < timezone.localdate()

    @property
    def slip_days(self) -> int:
        """Days the milestone moved (or finished) past its baseline date."""
        base = self.baseline_due_date or self.due_date
        actual = self.completed_on or self.due_date
        return (actual - base).days


class TaskStatus(models.TextChoices):
    TODO = "todo", _("To do")
    DOING = "doing", _("In progress")
    BLOCKED = "blocked", _("Blocked")
    DONE = "done", _("Done")


class TaskKind(models.TextChoices):
    TASK = "task", _("Task")
    ACTION_ITEM = "action_item", _("Action item")
    ISSUE = "issue", _("Issue")
    REWORK = "rework", _("Rework / defect")


class Task(TenantModel):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("project")
    )
    milestone = models.ForeignKey(
        Milestone,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        verbose_name=_("milestone"),
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.TODO)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        verbose_name=_("assignee"),
    )
    due_date = models.DateField(_("due"), null=True, blank=True)
    estimate_hours = models.DecimalField(
        _("estimate (hours)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    spent_hours = models.DecimalField(
        _("spent (hours)"), max_digits=8, decimal_places=2, default=Decimal("0")
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    client_visible = models.BooleanField(_("visible to the client"), default=False)
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=TaskKind.choices, default=TaskKind.TASK)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(estimate_hours__isnull=True) | models.Q(estimate_hours__gte=0),
                name="task_estimate_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "project", "status"], name="task_org_proj_status_idx"),
            # A project's task counts (done, overdue) from the index alone: project lists, 50 a page.
            models.Index(fields=["project", "status", "due_date"], name="task_proj_status_due_idx"),
            models.Index(fields=["organization", "assignee", "status"], name="task_org_assignee_idx"),
            models.Index(fields=["organization", "due_date"], name="task_org_due_idx"),
            # The dashboard: my tasks by due date, and action items (a few among all tasks: a
            # partial index, which planners know to be small whatever their statistics say).
            models.Index(fields=["organization", "assignee", "due_date"], name="task_org_assignee_due_idx"),
            models.Index(
                fields=["organization", "due_date"],
                condition=models.Q(kind="action_item"),
                name="task_action_item_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return (
            self.status != TaskStatus.DONE
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )
