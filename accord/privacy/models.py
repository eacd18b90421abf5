from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.lib.models import TenantModel, TimeStamped


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class OrganizationExport(TenantModel):
    """An owner's export of all of the organisation's data, prepared in the background."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    stored_path = models.CharField(max_length=300, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size"), default=0)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("organisation export")
        verbose_name_plural = _("organisation exports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "created_at"], name="orgexport_org_created_idx")]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.status})"


class OrganizationDeletion(TimeStamped):
    """An owner's request to delete the organisation; carried out once ``due_at`` has passed.

    A one-to-one from the organisation, loaded with the membership on every request (see
    apps.py), so the banner on every page costs no query."""

    organization = models.OneToOneField(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="pending_deletion",
        verbose_name=_("organisation"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_at = models.DateTimeField(_("deleted on"))

    class Meta:
        verbose_name = _("organisation deletion")
        verbose_name_plural = _("organisation deletions")
        indexes = [models.Index(fields=["due_at"], name="orgdeletion_due_idx")]

    def __str__(self) -> str:
        return f"deletion of {self.organization_id} on {self.due_at:%Y-%m-%d}"


class RetentionPolicy(TenantModel):
    """How long the organisation keeps delivered message bodies and closed support conversations.

    Empty: the installation's defaults (the operator's pruning in accord.ops) apply."""

    outbox_body_days = models.PositiveIntegerField(
        _("keep the text of delivered messages for (days)"),
        null=True,
        blank=True,
        help_text=_("Empty: as long as the installation keeps them."),
    )
    closed_support_days = models.PositiveIntegerField(
        _("keep closed support conversations for (days)"),
        null=True,
        blank=True,
        help_text=_("Empty: keep them."),
    )

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="retention_org_unique"),
            models.CheckConstraint(
                condition=models.Q(outbox_body_days__isnull=True) | models.Q(outbox_body_days__gte=1),
                name="retention_outbox_days_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_support_days__isnull=True) | models.Q(closed_support_days__gte=1),
                name="retention_support_days_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"retention of {self.organization_id}"
