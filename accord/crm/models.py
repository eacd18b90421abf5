from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.lib.dates import validate_timezone
from accord.lib.models import TenantModel
from accord.lib.money import validate_currency


class Industry(models.TextChoices):
    SOFTWARE = "software", _("Software and IT")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    RETAIL = "retail", _("Retail and e-commerce")
    FINANCE = "finance", _("Finance and insurance")
    HEALTHCARE = "healthcare", _("Healthcare")
    CONSTRUCTION = "construction", _("Construction and engineering")
    GOVERNMENT = "government", _("Government and public sector")
    EDUCATION = "education", _("Education")
    MARKETING = "marketing", _("Marketing and media")
    CONSULTING = "consulting", _("Consulting and professional services")
    LOGISTICS = "logistics", _("Logistics")
    ENERGY = "energy", _("Energy")
    OTHER = "other", _("Other")


class CompanySize(models.TextChoices):
    MICRO = "1-10", _("1–10 people")
    SMALL = "11-50", _("11–50 people")
    MEDIUM = "51-200", _("51–200 people")
    LARGE = "201-1000", _("201–1,000 people")
    ENTERPRISE = "1000+", _("More than 1,000 people")


class Channel(models.TextChoices):
    """How a person prefers to be reached; also the channel of a communication-plan item."""

    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    MEETING = "meeting", _("Meeting")
    WECHAT = "wechat", _("WeChat")
    WECOM = "wecom", _("WeCom")
    DINGTALK = "dingtalk", _("DingTalk")
    FEISHU = "feishu", _("Feishu / Lark")
    SLACK = "slack", _("Slack")
    TEAMS = "teams", _("Microsoft Teams")


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    BIWEEKLY = "biweekly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")
    MILESTONE = "milestone", _("At each milestone")


class ClientStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    # "Active" alone is a project's state (进行中); an active client is one we work with (合作中).
    ACTIVE = "active", pgettext_lazy("client status", "Active")
    FORMER = "former", _("Former")


class Language(models.TextChoices):
    EN = "en", _("English")
    ZH = "zh-hans", _("Simplified Chinese")


class Client(TenantModel):
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=12, choices=ClientStatus.choices, default=ClientStatus.ACTIVE
    )
    industry = models.CharField(
        _("industry"), max_length=20, choices=Industry.choices, default=Industry.OTHER
    )
    size = models.CharField(_("size"), max_length=10, choices=CompanySize.choices, blank=True)
    website = models.URLField(_("website"), blank=True)
    address = models.TextField(_("address"), blank=True)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.EN)
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_timezone])
    currency = models.CharField(_("currency"), max_length=3, default="EUR", validators=[validate_currency])
    tags = models.CharField(_("tags"), max_length=300, blank=True, help_text=_("Separated by commas."))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("account owner"),
    )
    # The profile: what we know of the client's business and how they like to be served.
    business = models.TextField(_("business"), blank=True)
    goals = models.TextField(_("goals"), blank=True)
    priorities = models.TextField(_("priorities"), blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=12, choices=Channel.choices, default=Channel.EMAIL
    )
    report_cadence = models.CharField(
        _("report cadence"), max_length=12, choices=Cadence.choices, default=Cadence.WEEKLY
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["organization", "name"], name="client_org_name_idx"),
            models.Index(fields=["organization", "status"], name="client_org_status_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]


class ContactRole(models.TextChoices):
    SPONSOR = "sponsor", _("Sponsor")
    DECISION_MAKER = "decision_maker", _("Decision maker")
    KEY_USER = "key_user", _("Key user")
    OTHER = "other", _("Other")


# Stakeholders who may approve or reject a change request for the client.
APPROVER_ROLES = (ContactRole.SPONSOR, ContactRole.DECISION_MAKER)


class Contact(TenantModel):
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("client")
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    name_local = models.CharField(
        _("name in Chinese"),
        max_length=100,
        blank=True,
        help_text=_("For example 王伟, as the person writes it."),
    )
    title = models.CharField(_("job title"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices, default=ContactRole.OTHER)
    email = models.EmailField(_("e-mail"), blank=True)
    email_secondary = models.EmailField(_("second e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    wechat = models.CharField(_("WeChat ID"), max_length=100, blank=True)
    wecom = models.CharField(_("WeCom ID"), max_length=100, blank=True)
    dingtalk = models.CharField(_("DingTalk ID"), max_length=100, blank=True)
    feishu = models.CharField(_("Feishu ID"), max_length=100, blank=True)
    slack = models.CharField(_("Slack handle"), max_length=100, blank=True)
    teams = models.CharField(_("Teams address"), max_length=150, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=12, choices=Channel.choices, default=Channel.EMAIL
    )
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.EN)
    timezone = models.CharField(_("time zone"), max_length=64, blank=True, validators=[validate_timezone])
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    portal_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="client_contacts",
        verbose_name=_("portal account"),
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["organization", "client"], name="contact_org_client_idx"),
            # Contacts in name order (their ordering): a common name's first page of matches is
            # read down it instead of sorting all of them.
            models.Index(
                fields=["organization", "last_name", "first_name", "id"], name="contact_org_name_idx"
            ),
            models.Index(fields=["organization", "email"], name="contact_org_email_idx"),
            models.Index(fields=["organization", "portal_user"], name="contact_org_portal_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        western = " ".join(part for part in (self.first_name, self.last_name) if part)
        if self.name_local and western:
            return f"{self.name_local} ({western})"
        return self.name_local or western or self.email or "—"


class InteractionKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    IM = "im", _("Instant message")
    VISIT = "visit", _("Visit")
    NOTE = "note", _("Note")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("From the client")
    OUTBOUND = "outbound", _("To the client")
    INTERNAL = "internal", _("Internal")


class Sentiment(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class Interaction(TenantModel):
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="interactions", verbose_name=_("client")
    )
    project = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
        verbose_name=_("project"),
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=InteractionKind.choices, default=InteractionKind.NOTE
    )
    channel = models.CharField(
        _("channel"),
        max_length=12,
        choices=Channel.choices,
        blank=True,
        help_text=_("For messages: which tool."),
    )
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.OUTBOUND
    )
    occurred_at = models.DateTimeField(_("when"))
    summary = models.CharField(_("summary"), max_length=300)
    body = models.TextField(_("details"), blank=True, help_text=_("Markdown."))
    contacts = models.ManyToManyField(
        Contact, blank=True, related_name="interactions", verbose_name=_("contacts")
    )
    sentiment = models.CharField(
        _("sentiment"), max_length=10, choices=Sentiment.choices, default=Sentiment.NEUTRAL
    )
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    follow_up_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("follow-up owner"),
    )
    follow_up_done_at = models.DateTimeField(_("follow-up done"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=20, default="manual")
    external_id = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "client", "occurred_at"], name="inter_org_client_when_idx"),
            models.Index(fields=["organization", "occurred_at"], name="inter_org_when_idx"),
            models.Index(fields=["organization", "follow_up_on"], name="inter_org_followup_idx"),
            models.Index(
                fields=["organization", "project", "occurred_at"], name="inter_org_project_when_idx"
            ),
            models.Index(fields=["organization", "external_id"], name="inter_org_external_idx"),
            # Open follow-ups of a client (counted on every row of the client list): a handful
            # of rows, where the client's other indexes would read its whole timeline.
            models.Index(
                fields=["organization", "client", "follow_up_on"],
                condition=models.Q(follow_up_on__isnull=False, follow_up_done_at__isnull=True),
                name="inter_open_follow_up_idx",
            ),
            # My open follow-ups by date (the dashboard), read in order up to the first 20.
            models.Index(
                fields=["organization", "follow_up_owner", "follow_up_on", "id"],
                condition=models.Q(follow_up_on__isnull=False, follow_up_done_at__isnull=True),
                name="inter_owner_follow_up_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.summary

    @property
    def follow_up_open(self) -> bool:
        return self.follow_up_on is not None and self.follow_up_done_at is None


class MailKind(models.TextChoices):
    """Kinds of bulk mail a contact can unsubscribe from with one click (RFC 8058)."""

    SURVEYS = "surveys", _("Surveys")


class MailOptOut(TenantModel):
    """A contact asked for no more mail of one kind (through the List-Unsubscribe link)."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="mail_opt_outs", verbose_name=_("contact")
    )
    kind = models.CharField(_("kind of mail"), max_length=20, choices=MailKind.choices)

    class Meta:
        verbose_name = _("unsubscription")
        verbose_name_plural = _("unsubscriptions")
        constraints = [
            models.UniqueConstraint(fields=["contact", "kind"], name="crm_mail_opt_out_unique"),
        ]
        indexes = [models.Index(fields=["organization", "kind"], name="crm_opt_out_org_kind_idx")]

    def __str__(self) -> str:
        return f"{self.contact} – {self.get_kind_display()}"
