"""The needs register: what the client needs, why, how it is accepted, and where it came from."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.lib.models import TenantModel


class Priority(models.TextChoices):
    """MoSCoW."""

    MUST = "must", _("Must have")
    SHOULD = "should", _("Should have")
    COULD = "could", _("Could have")
    WONT = "wont", _("Won't have this time")


class NeedStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    AGREED = "agreed", _("Agreed")
    IN_PROGRESS = "in_progress", _("In progress")
    DELIVERED = "delivered", _("Delivered")
    ACCEPTED = "accepted", _("Accepted")
    DROPPED = "dropped", _("Dropped")


# Allowed status moves; everything else is refused by the service.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    NeedStatus.PROPOSED: (NeedStatus.AGREED, NeedStatus.DROPPED),
    NeedStatus.AGREED: (
        NeedStatus.IN_PROGRESS,
        NeedStatus.DELIVERED,
        NeedStatus.DROPPED,
        NeedStatus.PROPOSED,
    ),
    NeedStatus.IN_PROGRESS: (NeedStatus.DELIVERED, NeedStatus.AGREED, NeedStatus.DROPPED),
    NeedStatus.DELIVERED: (NeedStatus.ACCEPTED, NeedStatus.IN_PROGRESS),
    NeedStatus.ACCEPTED: (),
    NeedStatus.DROPPED: (NeedStatus.PROPOSED,),
}

PRIORITY_ORDER = {Priority.MUST: 0, Priority.SHOULD: 1, Priority.COULD: 2, Priority.WONT: 3}


class Need(TenantModel):
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="needs", verbose_name=_("project")
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    business_goal = models.TextField(
        _("business goal"), blank=True, help_text=_("The goal this need serves.")
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.SHOULD
    )
    acceptance_criteria = models.TextField(
        _("acceptance criteria"), blank=True, help_text=_("How the client will accept it. Markdown.")
    )
    source_contact = models.ForeignKey(
        "crm.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs",
        verbose_name=_("raised by"),
    )
    source_interaction = models.ForeignKey(
        "crm.Interaction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs",
        verbose_name=_("source interaction"),
    )
    source_meeting = models.ForeignKey(
        "meetings.Meeting",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs",
        verbose_name=_("source meeting"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=NeedStatus.choices, default=NeedStatus.PROPOSED
    )
    milestone = models.ForeignKey(
        "projects.Milestone",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs",
        verbose_name=_("milestone"),
    )
    tasks = models.ManyToManyField(
        "projects.Task", through="NeedTask", blank=True, related_name="needs", verbose_name=_("tasks")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["organization", "project", "status"], name="need_org_proj_status_idx"),
            models.Index(fields=["organization", "project", "priority"], name="need_org_proj_prio_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS.get(self.status, ())

    @property
    def is_delivered(self) -> bool:
        return self.status in (NeedStatus.DELIVERED, NeedStatus.ACCEPTED)

    @property
    def is_accepted(self) -> bool:
        return self.status == NeedStatus.ACCEPTED


class NeedTask(TenantModel):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="task_links")
    task = models.ForeignKey("projects.Task", on_delete=models.CASCADE, related_name="need_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["need", "task"], name="needtask_unique")]
        indexes = [models.Index(fields=["organization", "task"], name="needtask_org_task_idx")]
