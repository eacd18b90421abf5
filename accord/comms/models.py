import json
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.lib.models import TenantModel


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Gave up")


def secret_mask(index: int) -> str:
    """What an outgoing message's stored text shows instead of its ``index``-th secret."""
    return f"[hidden-{index + 1}]"


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
    claimed_at = models.DateTimeField(null=True, blank=True)
    channel_config = models.ForeignKey(
        "comms.ChannelConfig", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subscription = models.ForeignKey(
        "comms.WebhookSubscription", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # One-time secrets of the message (sign-in, invitation, survey links), encrypted. The stored
    # bodies carry a mask in their place; only the mail actually sent has them (``unmask``).
    secrets_encrypted = models.TextField(blank=True)
    # The delivery route it goes by (``DeliveryCircuit.key``), set when it is first tried: the
    # messages an outage held back are found by it when the route recovers.
    circuit_key = models.CharField(max_length=60, blank=True)

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
            models.Index(fields=["organization", "circuit_key", "status"], name="outbox_org_circuit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient}: {self.subject}"

    def unmask(self, text: str) -> str:
        """``text`` with the message's secrets put back in place of their masks (for sending).

        Raises ValueError when a secret cannot be decrypted any more (the encryption key changed).
        """
        if not self.secrets_encrypted or not text:
            return text
        from accord.lib.crypto import decrypt

        plain = decrypt(self.secrets_encrypted)
        if not plain:
            raise ValueError("the one-time secrets of this message cannot be decrypted")
        for index, secret in enumerate(json.loads(plain)):
            text = text.replace(secret_mask(index), secret)
        return text

    def save(self, *args, **kwargs):
        # A key exists from the first write, so a resend after a crash is recognisable.
        if not self.idempotency_key:
            self.idempotency_key = f"msg_{uuid.uuid4().hex}"
        super().save(*args, **kwargs)


class CircuitState(models.TextChoices):
    CLOSED = "closed", _("Working")
    OPEN = "open", _("Down, waiting")
    PROBING = "probing", _("Down, trying one message")


class DeliveryCircuit(TenantModel):
    """The health of one delivery route of an organisation: its SMTP server (the installation's
    or its own), an IM channel or a webhook subscription.

    After several failures in a row the route is open: its messages wait instead of being tried,
    one message probes it after a cool-down that doubles each time, and the first success closes
    it and releases what waited. Admins hear once when it goes down and once when it recovers.
    """

    key = models.CharField(max_length=60)
    label = models.CharField(_("channel"), max_length=300)
    state = models.CharField(
        _("state"), max_length=10, choices=CircuitState.choices, default=CircuitState.CLOSED
    )
    consecutive_failures = models.PositiveIntegerField(default=0)
    failed_probes = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(_("down since"), null=True, blank=True)
    next_probe_at = models.DateTimeField(_("next try"), null=True, blank=True)
    probe_started_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("delivery channel")
        verbose_name_plural = _("delivery channels")
        ordering = ["label", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="deliverycircuit_org_key_uniq")
        ]

    def __str__(self) -> str:
        return self.label


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


# --- communication plan ------------------------------------------------------------------


# The plan channels Accord can send on itself (the others are met by logging an interaction).
SENDABLE_CHANNELS = frozenset({"email", "slack", "teams", "wecom", "dingtalk", "feishu"})


class PlanChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SLACK = "slack", _("Slack")
    TEAMS = "teams", _("Microsoft Teams")
    WECOM = "wecom", _("WeCom")
    DINGTALK = "dingtalk", _("DingTalk")
    FEISHU = "feishu", _("Feishu / Lark")
    PHONE = "phone", _("Phone")
    MEETING = "meeting", _("Meeting")


class CadenceKind(models.TextChoices):
    WEEKLY = "weekly", _("Weekly on a weekday")
    WEEKS = "weeks", _("Every N weeks")
    MONTHLY = "monthly", _("Monthly")
    MILESTONE = "milestone", _("At each milestone")
    ONCE = "once", _("Once")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class PlanItem(TenantModel):
    """One line of a project's communication plan: who hears what, how and how often."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="plan_items", verbose_name=_("project")
    )
    purpose = models.CharField(_("purpose"), max_length=200)
    content_template = models.TextField(
        _("content"), blank=True, help_text=_("What to cover each time (Markdown).")
    )
    channel = models.CharField(_("channel"), max_length=12, choices=PlanChannel.choices)
    audience_contacts = models.ManyToManyField(
        "crm.Contact", blank=True, related_name="plan_items", verbose_name=_("audience contacts")
    )
    audience_roles = models.JSONField(_("audience roles"), default=list, blank=True)
    cadence = models.CharField(_("cadence"), max_length=10, choices=CadenceKind.choices)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices, null=True, blank=True)
    interval = models.PositiveSmallIntegerField(_("every N weeks"), default=1)
    rrule = models.TextField(_("recurrence rule"), blank=True, help_text=_("RFC 5545 RRULE."))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("communication plan item")
        verbose_name_plural = _("communication plan items")
        ordering = ["project_id", "purpose", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="planitem_dates_ordered",
            ),
            models.CheckConstraint(condition=models.Q(interval__gte=1), name="planitem_interval_positive"),
        ]
        indexes = [
            models.Index(fields=["organization", "project"], name="planitem_org_project_idx"),
            models.Index(fields=["organization", "owner"], name="planitem_org_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.purpose


class Responsibility(TenantModel):
    """The responsibility matrix: who on our team looks after whom on the client side, and how."""

    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        related_name="responsibilities",
        verbose_name=_("project"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("our person")
    )
    contact = models.ForeignKey(
        "crm.Contact",
        on_delete=models.CASCADE,
        related_name="responsibilities",
        verbose_name=_("client contact"),
    )
    channel = models.CharField(_("channel"), max_length=12, choices=PlanChannel.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        ordering = ["project_id", "user_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user", "contact", "channel"], name="responsibility_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "project"], name="resp_org_project_idx")]


class ObligationStatus(models.TextChoices):
    # Not "Open" alone: that is an open project (进行中); an open obligation is still to do (待完成).
    OPEN = "open", pgettext_lazy("obligation status", "Open")
    MET = "met", _("Met")


class Obligation(TenantModel):
    """A dated duty generated from a plan item; met by an interaction, a message or a manager."""

    plan_item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="obligations")
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="obligations", verbose_name=_("project")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    channel = models.CharField(_("channel"), max_length=12, choices=PlanChannel.choices)
    window_start = models.DateField(_("window opens"))
    due_date = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=6, choices=ObligationStatus.choices, default=ObligationStatus.OPEN
    )
    met_at = models.DateTimeField(_("met"), null=True, blank=True)
    met_on_time = models.BooleanField(_("met on time"), default=False)
    met_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    met_source = models.CharField(_("met by"), max_length=60, blank=True)
    met_note = models.TextField(_("note"), blank=True)
    interaction = models.ForeignKey(
        "crm.Interaction", null=True, blank=True, on_delete=models.SET_NULL, related_name="obligations"
    )
    reminded_before_at = models.DateTimeField(null=True, blank=True)
    reminded_overdue_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan_item", "due_date"], name="obligation_item_due_unique"),
            models.CheckConstraint(
                condition=models.Q(window_start__lte=models.F("due_date")), name="obligation_window_ordered"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "due_date"], name="oblig_org_status_due_idx"),
            models.Index(fields=["organization", "project", "due_date"], name="oblig_org_project_due_idx"),
            models.Index(fields=["organization", "owner", "status"], name="oblig_org_owner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_item_id} @ {self.due_date}"

    @property
    def is_sendable(self) -> bool:
        """E-mail and IM obligations can be met by sending from Accord; calls and meetings are logged."""
        return self.channel in SENDABLE_CHANNELS


# --- channels out ------------------------------------------------------------------------


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("E-mail (SMTP)")
    SLACK = "slack", _("Slack incoming webhook")
    TEAMS = "teams", _("Microsoft Teams workflow")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk custom robot")
    FEISHU = "feishu", _("Feishu / Lark custom bot")
    WEBHOOK = "webhook", _("Generic JSON webhook")


class ChannelConfig(TenantModel):
    """An organisation's way out to a messaging tool (or its own SMTP server)."""

    kind = models.CharField(_("kind"), max_length=10, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("webhook URL"), max_length=1000, blank=True)
    secret_encrypted = models.TextField(blank=True)
    smtp_host = models.CharField(_("SMTP host"), max_length=255, blank=True)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), null=True, blank=True)
    smtp_user = models.CharField(_("SMTP user"), max_length=255, blank=True)
    smtp_security = models.CharField(
        _("SMTP security"),
        max_length=10,
        blank=True,
        choices=[("", _("None")), ("starttls", "STARTTLS"), ("ssl", "SSL/TLS")],
    )
    from_email = models.CharField(_("sender address"), max_length=255, blank=True)
    inbound_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    inbound_secret_encrypted = models.TextField(blank=True)
    project = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("project for replies"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["kind", "name", "id"]
        indexes = [models.Index(fields=["organization", "kind"], name="channel_org_kind_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def secret(self) -> str:
        from accord.lib.crypto import decrypt

        return decrypt(self.secret_encrypted)

    @property
    def secrets_readable(self) -> bool:
        """False when a stored secret was written with another encryption key (re-enter it)."""
        from accord.lib.crypto import readable

        return readable(self.secret_encrypted) and readable(self.inbound_secret_encrypted)

    @property
    def inbound_secret(self) -> str:
        from accord.lib.crypto import decrypt

        return decrypt(self.inbound_secret_encrypted)


class CommsSettings(TenantModel):
    """Per-organisation communication settings."""

    triage_default = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("communication settings")
        verbose_name_plural = _("communication settings")
        constraints = [models.UniqueConstraint(fields=["organization"], name="commssettings_org_unique")]


class ReminderPreference(TenantModel):
    """How a team member wants plan reminders: e-mail (default) or a channel of the organisation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_config = models.ForeignKey(
        ChannelConfig,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("channel"),
    )
    mention = models.CharField(_("mention"), max_length=100, blank=True, help_text=_("Your handle there."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="reminderpref_unique")]


# --- outgoing event webhooks --------------------------------------------------------------


class WebhookSubscription(TenantModel):
    url = models.URLField(_("URL"), max_length=1000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    secret_encrypted = models.TextField()
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "is_active"], name="webhooksub_org_active_idx")]

    def __str__(self) -> str:
        return self.url

    @property
    def secret(self) -> str:
        from accord.lib.crypto import decrypt

        return decrypt(self.secret_encrypted)


# --- mail and messages in ----------------------------------------------------------------


class InboundStatus(models.TextChoices):
    LOGGED = "logged", _("On the timeline")
    TRIAGE = "triage", _("Waiting for triage")
    DISCARDED = "discarded", _("Discarded")


class InboundMessage(TenantModel):
    """A message that came in (mail or IM), kept whether or not it could be matched."""

    channel = models.CharField(_("channel"), max_length=12, default="email")
    message_id = models.CharField(_("message ID"), max_length=300)
    sender = models.CharField(_("sender"), max_length=320)
    sender_name = models.CharField(_("sender name"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body_text = models.TextField(_("text"), blank=True)
    received_at = models.DateTimeField(_("received"))
    status = models.CharField(_("status"), max_length=10, choices=InboundStatus.choices)
    client = models.ForeignKey(
        "crm.Client",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("client"),
    )
    project = models.ForeignKey(
        "projects.Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    interaction = models.ForeignKey(
        "crm.Interaction", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_messages"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("incoming message")
        verbose_name_plural = _("incoming messages")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "message_id"], name="inbound_org_msgid_unique")
        ]
        indexes = [
            models.Index(fields=["organization", "status", "received_at"], name="inbound_org_status_idx")
        ]

    def __str__(self) -> str:
        return self.subject or self.message_id


class InboundAttachment(TenantModel):
    message = models.ForeignKey(InboundMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=255)
    mimetype = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    file = models.FileField(upload_to="comms/inbound/%Y/%m/")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [models.Index(fields=["organization", "message"], name="inboundatt_org_msg_idx")]

    def __str__(self) -> str:
        return self.filename


class ProjectMailbox(TenantModel):
    """The per-project reply address ``reply+<token>@…``: mail to it lands on the project."""

    project = models.OneToOneField("projects.Project", on_delete=models.CASCADE, related_name="mailbox")
    token = models.CharField(max_length=40, unique=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "project"], name="mailbox_org_project_idx")]
