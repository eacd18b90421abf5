from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.lib.models import TenantModel


class AuditAction(models.TextChoices):
    # A context of their own: "created" is also the name of the created_at field (创建时间).
    CREATE = "create", pgettext_lazy("audit action", "created")
    UPDATE = "update", pgettext_lazy("audit action", "changed")
    DELETE = "delete", pgettext_lazy("audit action", "deleted")
    EVENT = "event", pgettext_lazy("audit action", "event")
    DENIED = "denied", pgettext_lazy("audit action", "refused")


class AuditEntry(TenantModel):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    verb = models.CharField(max_length=80, blank=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    changes = models.JSONField(default=dict, blank=True)
    project_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "content_type", "object_id"], name="audit_org_object_idx"),
            models.Index(fields=["organization", "project_id"], name="audit_org_project_idx"),
            models.Index(fields=["organization", "created_at"], name="audit_org_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr}"
