import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.lib.models import TenantModel


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Gave up")


class OutboxMessage(TenantModel):
    """One message to deliver, written in the same transaction as the change that caused it."""

    channel = models.CharField(_("channel"), max_length=20, default="email")
    idempotency_key = models.CharField(max_length=200, unique=True, default="")
    recipient = models.TextField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(default=dict, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    related_type = models.CharField(max_length=60, blank=True)
    related_id = models.CharField(max_length=64, blank=True)
    project = models.ForeignKey(
        "projects.Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status", "next_attempt_at"], name="outbox_org_status_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(
                fields=["organization", "related_type", "related_id"], name="outbox_org_related_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient}: {self.subject}"

    def save(self, *args, **kwargs):
        # A key exists from the first write, so a resend after a crash is recognisable.
        if not self.idempotency_key:
            self.idempotency_key = f"msg_{uuid.uuid4().hex}"
        super().save(*args, **kwargs)


class OutboxAttachment(TenantModel):
    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    mimetype = models.CharField(max_length=100)
    content = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["organization", "message"], name="outboxatt_org_msg_idx")]


class Notification(TenantModel):
    """An in-app notice for one user (the bell), usually mirrored by an e-mail."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "user", "read_at"], name="notif_org_user_read_idx")]

    def __str__(self) -> str:
        return self.title


class Event(TenantModel):
    """A domain event (``risk.raised``, ``report.published`` …) for webhooks and the activity feed."""

    name = models.CharField(_("event"), max_length=60)
    payload = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "name", "created_at"], name="event_org_name_idx")]

    def __str__(self) -> str:
        return self.name
