"""Service after delivery: support requests with a response-time target, and training sessions."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.lib.models import TenantModel


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


# Hours until the first response is due, per priority.
RESPONSE_HOURS = {
    Priority.URGENT: 4,
    Priority.HIGH: 8,
    Priority.NORMAL: 24,
    Priority.LOW: 72,
}


class RequestStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on client")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (RequestStatus.NEW, RequestStatus.OPEN, RequestStatus.WAITING)

# Share of the response target after which the assignee is reminded that it is near.
NEAR_TARGET_SHARE = 0.8


class RequestSource(models.TextChoices):
    WEB = "web", _("Web")
    EMAIL = "email", _("E-mail")


class SupportRequest(TenantModel):
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        related_name="support_requests",
        verbose_name=_("project"),
    )
    title = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), help_text=_("Markdown."))
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.NEW
    )
    contact = models.ForeignKey(
        "crm.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_requests",
        verbose_name=_("requested by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("raised by"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assignee"),
    )
    first_response_due_at = models.DateTimeField(_("first response due"))
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    source = models.CharField(
        _("raised through"), max_length=10, choices=RequestSource.choices, default=RequestSource.WEB
    )
    # When the "near its response target" and "missed its response target" reminders went out.
    reminded_near_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_breach_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("support request")
        verbose_name_plural = _("support requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "project", "status"], name="support_org_proj_status_idx"),
            models.Index(
                fields=["organization", "status", "first_response_due_at"], name="support_org_status_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @staticmethod
    def response_due(priority: str, start: dt.datetime) -> dt.datetime:
        return start + dt.timedelta(hours=RESPONSE_HOURS.get(priority, RESPONSE_HOURS[Priority.NORMAL]))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def sla_breached(self) -> bool:
        """The first response came late, or has not come and is overdue."""
        if self.first_response_at is not None:
            return self.first_response_at > self.first_response_due_at
        return timezone.now() > self.first_response_due_at

    def near_target_at(self) -> dt.datetime:
        """When the reminder that the first response is nearly due goes out."""
        return self.created_at + (self.first_response_due_at - self.created_at) * NEAR_TARGET_SHARE


class SupportReply(TenantModel):
    request = models.ForeignKey(
        SupportRequest, on_delete=models.CASCADE, related_name="replies", verbose_name=_("support request")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    from_client = models.BooleanField(_("from the client"), default=False)
    body = models.TextField(_("reply"))
    internal = models.BooleanField(
        _("internal note"), default=False, help_text=_("Internal notes are never shown to the client.")
    )

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["organization", "request", "created_at"], name="supportreply_org_req_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_client=True, internal=True), name="supportreply_client_not_internal"
            )
        ]

    def __str__(self) -> str:
        return self.body[:60]


def _upload_path(instance, filename: str) -> str:
    return f"service/{instance.organization_id}/{timezone.now():%Y/%m}/{filename}"


class SupportAttachment(TenantModel):
    request = models.ForeignKey(
        SupportRequest,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("support request"),
    )
    reply = models.ForeignKey(
        SupportReply, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=_upload_path, max_length=300)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organization", "request"], name="supportatt_org_req_idx")]

    def __str__(self) -> str:
        return self.filename


class TrainingSession(TenantModel):
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        related_name="training_sessions",
        verbose_name=_("project"),
    )
    topic = models.CharField(_("topic"), max_length=200)
    starts_at = models.DateTimeField(_("date and time"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    location = models.CharField(_("place or meeting link"), max_length=300, blank=True)
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("trainer"),
    )
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    attendees = models.ManyToManyField(
        "crm.Contact", blank=True, related_name="training_sessions", verbose_name=_("attendees")
    )

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "project", "starts_at"], name="training_org_proj_start_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=1, duration_minutes__lte=24 * 60),
                name="training_duration_range",
            )
        ]

    def __str__(self) -> str:
        return self.topic


class TrainingMaterial(TenantModel):
    session = models.ForeignKey(
        TrainingSession,
        on_delete=models.CASCADE,
        related_name="materials",
        verbose_name=_("training session"),
    )
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("link"), blank=True)
    file = models.FileField(_("file"), upload_to=_upload_path, max_length=300, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)

    class Meta:
        verbose_name = _("training material")
        verbose_name_plural = _("training materials")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organization", "session"], name="trainingmat_org_session_idx")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(url="", file=""), name="trainingmat_link_or_file")
        ]

    def __str__(self) -> str:
        return self.title


class TrainingFeedback(TenantModel):
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("training session")
    )
    contact = models.ForeignKey(
        "crm.Contact", on_delete=models.CASCADE, related_name="training_feedback", verbose_name=_("attendee")
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("training feedback")
        verbose_name_plural = _("training feedback")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organization", "session"], name="trainingfb_org_session_idx")]
        constraints = [
            models.UniqueConstraint(fields=["session", "contact"], name="trainingfb_session_contact_unique"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="trainingfb_rating_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.rating}"


# --- support by e-mail -----------------------------------------------------------------------


class SupportMailbox(TenantModel):
    """An address that opens support requests: ``support@…`` for the organisation (the project
    comes from a ``support+CODE@…`` tag or the sender's most recent project), or one project's."""

    address = models.EmailField(_("address"), max_length=254)
    project = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="support_mailboxes",
        verbose_name=_("project"),
        help_text=_("Empty: for all projects; a tag picks the project (support+CODE@…)."),
    )
    priority = models.CharField(
        _("priority of new requests"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # An address routes mail only once the organisation proved it receives mail there (it followed
    # the confirmation link sent to it). Several organisations may claim an address; the first
    # confirmed claim is the only one that can be.
    verified_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    verification_token_hash = models.CharField(max_length=64, blank=True)
    verification_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("support address")
        verbose_name_plural = _("support addresses")
        ordering = ["address", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "address"], name="supportmailbox_org_address_unique"
            ),
            models.UniqueConstraint(
                fields=["address"],
                condition=models.Q(verified_at__isnull=False),
                name="supportmailbox_verified_address_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "project"], name="supportmailbox_org_proj_idx"),
            models.Index(fields=["verification_token_hash"], name="supportmailbox_token_idx"),
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class MailDirection(models.TextChoices):
    IN = "in", _("In")
    OUT = "out", _("Out")


class MailState(models.TextChoices):
    OPENED = "opened", _("Opened a request")
    REPLIED = "replied", _("Added as a reply")
    UNMATCHED = "unmatched", _("Waiting for the team")
    ASSIGNED = "assigned", _("Assigned by the team")
    DISCARDED = "discarded", _("Discarded")
    SENT = "sent", _("Sent")


class UnmatchedReason(models.TextChoices):
    UNKNOWN_SENDER = "unknown_sender", _("The sender is not a known contact")
    NO_PROJECT = "no_project", _("No project of the sender's client")
    OTHER_CLIENT = "other_client", _("The sender is not a contact of this project's client")
    CLOSED = "closed", _("The request it answers is closed")
    AUTOMATIC = "automatic", _("An automatic reply (out of office, delivery report)")


class SupportMail(TenantModel):
    """One e-mail of a support conversation, in or out: its Message-ID threads the replies.

    Mail in is also kept as a comms ``InboundMessage`` (duplicates, the triage list, the
    client's timeline); mail that matched nothing waits here until the team assigns it.
    """

    direction = models.CharField(max_length=3, choices=MailDirection.choices)
    message_id = models.CharField(_("message ID"), max_length=300)
    state = models.CharField(_("state"), max_length=10, choices=MailState.choices)
    request = models.ForeignKey(
        SupportRequest,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="mails",
        verbose_name=_("support request"),
    )
    reply = models.ForeignKey(
        SupportReply, null=True, blank=True, on_delete=models.SET_NULL, related_name="mails"
    )
    inbound = models.OneToOneField(
        "comms.InboundMessage", null=True, blank=True, on_delete=models.CASCADE, related_name="support_mail"
    )
    mailbox = models.ForeignKey(
        SupportMailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="mails"
    )
    project = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("suggested project"),
    )
    refers_to = models.ForeignKey(
        SupportRequest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("answers request"),
    )
    reason = models.CharField(_("why it waits"), max_length=20, choices=UnmatchedReason.choices, blank=True)

    class Meta:
        verbose_name = _("support e-mail")
        verbose_name_plural = _("support e-mails")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "state", "created_at"], name="supportmail_org_state_idx"),
            models.Index(fields=["organization", "request", "created_at"], name="supportmail_org_req_idx"),
            # Replies are threaded by the Message-IDs they cite, before their organisation is known.
            models.Index(fields=["message_id"], name="supportmail_msgid_idx"),
        ]

    def __str__(self) -> str:
        return self.message_id
