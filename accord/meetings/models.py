"""Meetings with the client: agenda, attendees from both sides, minutes, decisions, action items."""

import uuid
from urllib.parse import urlparse

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.lib.dates import validate_timezone
from accord.lib.models import TenantModel


class MeetingKind(models.TextChoices):
    KICKOFF = "kickoff", _("Kickoff")
    STATUS = "status", _("Status meeting")
    REVIEW = "review", _("Review")
    WORKSHOP = "workshop", _("Workshop")
    CLOSEOUT = "closeout", _("Close-out")


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class VideoProvider(models.TextChoices):
    NONE = "", _("None")
    ZOOM = "zoom", _("Zoom")
    TEAMS = "teams", _("Microsoft Teams")
    TENCENT = "tencent", _("Tencent Meeting")
    OTHER = "other", _("Other video link")


class Recurrence(models.TextChoices):
    NONE = "", _("Does not repeat")
    WEEKLY = "weekly", _("Weekly")
    BIWEEKLY = "biweekly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")


PROVIDER_HOSTS = (
    ("zoom.us", VideoProvider.ZOOM),
    ("zoom.com", VideoProvider.ZOOM),
    ("zoomgov.com", VideoProvider.ZOOM),
    ("teams.microsoft.com", VideoProvider.TEAMS),
    ("teams.live.com", VideoProvider.TEAMS),
    ("meeting.tencent.com", VideoProvider.TENCENT),
    ("voovmeeting.com", VideoProvider.TENCENT),
)


def detect_provider(url: str) -> str:
    if not url:
        return VideoProvider.NONE
    host = (urlparse(url).hostname or "").lower()
    for domain, provider in PROVIDER_HOSTS:
        if host == domain or host.endswith("." + domain):
            return provider
    return VideoProvider.OTHER


def new_uid() -> str:
    return f"{uuid.uuid4().hex}@accord"


class Meeting(TenantModel):
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="meetings", verbose_name=_("project")
    )
    kind = models.CharField(_("type"), max_length=10, choices=MeetingKind.choices, default=MeetingKind.STATUS)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("start"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_timezone])
    location = models.CharField(_("location"), max_length=300, blank=True)
    video_url = models.URLField(_("video link"), max_length=500, blank=True)
    video_provider = models.CharField(
        _("video provider"), max_length=10, choices=VideoProvider.choices, blank=True, default=""
    )
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    recurrence = models.CharField(
        _("repeats"), max_length=10, choices=Recurrence.choices, blank=True, default=""
    )
    recurrence_count = models.PositiveSmallIntegerField(_("occurrences"), null=True, blank=True)
    # The communication-plan item this (recurring) meeting fulfils, when the plan has one.
    plan_item_id = models.BigIntegerField(_("communication plan item"), null=True, blank=True)
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("organizer"),
    )
    uid = models.CharField(max_length=100, unique=True, default=new_uid, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    minutes_summary = models.TextField(
        pgettext_lazy("meeting record", "minutes"), blank=True, help_text=_("Markdown.")
    )
    minutes_published_at = models.DateTimeField(_("minutes published"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5) & models.Q(duration_minutes__lte=1440),
                name="meeting_duration_range",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "project", "starts_at"], name="meeting_org_proj_start_idx"),
            models.Index(fields=["organization", "starts_at"], name="meeting_org_start_idx"),
        ]

    @property
    def recurrence_rule(self) -> str:
        """The RRULE of the repetition (as the invitation's calendar reads it); "" for a single meeting."""
        from .ics import RRULES

        rule = RRULES.get(self.recurrence)
        if not rule:
            return ""
        parts = [f"{key}={value}" for key, value in rule.items()]
        if self.recurrence_count:
            parts.append(f"COUNT={self.recurrence_count}")
        return ";".join(parts)

    def __str__(self) -> str:
        return self.title

    @property
    def ends_at(self):
        import datetime as dt

        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED

    @property
    def minutes_published(self) -> bool:
        return self.minutes_published_at is not None


class AttendeeRole(models.TextChoices):
    REQUIRED = "required", _("Required")
    OPTIONAL = "optional", _("Optional")
    CHAIR = "chair", _("Chair")


class AttendeeResponse(models.TextChoices):
    NEEDS_ACTION = "needs_action", _("No answer yet")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    TENTATIVE = "tentative", _("Tentative")


class Attendee(TenantModel):
    """One person invited: someone of our team (user) or of the client (contact)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=AttendeeRole.choices, default=AttendeeRole.REQUIRED
    )
    response = models.CharField(
        _("response"), max_length=12, choices=AttendeeResponse.choices, default=AttendeeResponse.NEEDS_ACTION
    )

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(user__isnull=False) & models.Q(contact__isnull=True))
                | (models.Q(user__isnull=True) & models.Q(contact__isnull=False)),
                name="attendee_user_xor_contact",
            ),
            models.UniqueConstraint(fields=["meeting", "user"], name="attendee_meeting_user_unique"),
            models.UniqueConstraint(fields=["meeting", "contact"], name="attendee_meeting_contact_unique"),
        ]
        indexes = [
            models.Index(fields=["organization", "user"], name="attendee_org_user_idx"),
            models.Index(fields=["organization", "meeting"], name="attendee_org_meeting_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return str(self.user) if self.user_id else str(self.contact)

    @property
    def email(self) -> str:
        return (self.user.email if self.user_id else self.contact.email) or ""

    @property
    def language(self) -> str:
        return (self.user.language if self.user_id else self.contact.language) or ""

    @property
    def is_client(self) -> bool:
        return self.contact_id is not None


class AgendaItem(TenantModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("topic"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    owner_contact = models.ForeignKey(
        "crm.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner (client)"),
    )
    minutes_allotted = models.PositiveIntegerField(_("minutes allotted"), default=10)
    notes = models.TextField(
        pgettext_lazy("meeting record", "minutes"), blank=True, help_text=_("What was said (Markdown).")
    )

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["organization", "meeting"], name="agenda_org_meeting_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_name(self) -> str:
        if self.owner_id:
            return str(self.owner)
        if self.owner_contact_id:
            return str(self.owner_contact)
        return ""


class Decision(TenantModel):
    """One entry of a project's decision log."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="decisions", verbose_name=_("project")
    )
    meeting = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decisions",
        verbose_name=_("meeting"),
    )
    title = models.CharField(_("decision"), max_length=300)
    detail = models.TextField(_("details"), blank=True, help_text=_("Markdown."))
    decided_on = models.DateField(_("decided on"))
    client_visible = models.BooleanField(_("visible to the client"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-decided_on", "-id"]
        indexes = [
            models.Index(fields=["organization", "project", "decided_on"], name="decision_org_proj_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class ActionItem(TenantModel):
    """Links a meeting to the task its action item became; a client-side owner is a contact."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    task = models.OneToOneField("projects.Task", on_delete=models.CASCADE, related_name="action_item")
    owner_contact = models.ForeignKey(
        "crm.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
        verbose_name=_("owner (client)"),
    )

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["organization", "meeting"], name="actionitem_org_meeting_idx"),
            models.Index(fields=["organization", "owner_contact"], name="actionitem_org_contact_idx"),
        ]

    def __str__(self) -> str:
        return str(self.task)

    @property
    def owner_name(self) -> str:
        if self.owner_contact_id:
            return str(self.owner_contact)
        return str(self.task.assignee) if self.task.assignee_id else ""
