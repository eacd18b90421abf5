import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.lib.models import TenantModel


class ImportKind(models.TextChoices):
    CLIENTS = "clients", _("Clients")
    CONTACTS = "contacts", _("Contacts")
    INTERACTIONS = "interactions", _("Interactions")
    TASKS = "tasks", _("Tasks")
    RISKS = "risks", _("Risks")


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", _("Excel workbook (XLSX)")
    VCF = "vcf", "vCard"


class DuplicatePolicy(models.TextChoices):
    SKIP = "skip", _("Skip rows that match an existing record")
    UPDATE = "update", _("Update the existing record")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportRun(TenantModel):
    """One uploaded file on its way in: what was detected, how columns map, what came of it."""

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    file_format = models.CharField(_("format"), max_length=8, choices=FileFormat.choices)
    original_name = models.CharField(_("file name"), max_length=255)
    stored_path = models.CharField(max_length=500)
    size_bytes = models.PositiveBigIntegerField(_("size"), default=0)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    headers = models.JSONField(_("columns"), default=list)
    mapping = models.JSONField(_("column mapping"), default=dict)
    duplicates = models.CharField(
        _("duplicates"), max_length=8, choices=DuplicatePolicy.choices, default=DuplicatePolicy.SKIP
    )
    default_client = models.ForeignKey(
        "crm.Client",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("client for rows without one"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    error = models.TextField(_("error"), blank=True)
    report_path = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "created_at"], name="importrun_org_created_idx"),
            models.Index(fields=["organization", "status"], name="importrun_org_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(processed_rows__lte=models.F("total_rows")),
                name="importrun_processed_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_name}"

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)


class ImportUndo(models.Model):
    """One write an import running in short transactions has committed (rows it created, the
    values it replaced, links it removed, obligations it met), recorded in the same transaction
    as the write; the entries of a run that fails are taken back, those of a finished run dropped."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="+")
    model = models.CharField(max_length=100)
    action = models.CharField(max_length=10)  # one of accord.dataio.undo.ACTIONS
    # CREATED: the ids first_id..last_id; UPDATED/UNLINKED/MET: what ``data`` lists.
    first_id = models.BigIntegerField(null=True, blank=True)
    last_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["run", "id"], name="importundo_run_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.model} ({self.run_id})"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class ProjectFeed(TenantModel):
    """The secret address of a project's calendar (meetings, milestones); rotating revokes the old one."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="feed", verbose_name=_("project")
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    rotated_at = models.DateTimeField(_("rotated"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        indexes = [models.Index(fields=["organization", "project"], name="projectfeed_org_project_idx")]

    def __str__(self) -> str:
        return str(self.project)
