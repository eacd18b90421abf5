"""What operators need the database to remember: which workers are alive, and the state of
this installation (outgoing delivery paused after a restore, the encryption key's fingerprint)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """One row per worker process, touched on every poll of its loop."""

    worker_id = models.CharField(max_length=200, unique=True)
    host = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_beat_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["last_beat_at"], name="ops_heartbeat_beat_idx")]

    def __str__(self) -> str:
        return self.worker_id


class SiteState(models.Model):
    """A single row (pk=1) for the whole installation."""

    delivery_paused = models.BooleanField(_("outgoing delivery paused"), default=False)
    paused_reason = models.CharField(max_length=200, blank=True)
    # SHA-256 of the field-encryption key material, never the key itself.
    key_fingerprint = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "site state"
