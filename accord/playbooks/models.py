"""Project templates ("playbooks"): milestones, a communication plan, a risk checklist and
default needs that a new project starts from.

Built-in templates belong to no organisation (``organization`` is empty) and are shared by
every installation's organisations read-only; an organisation's own templates are theirs
alone. Texts are stored per language: ``{"en": "…", "zh-hans": "…"}``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accord.lib.models import TenantModel, TimeStamped


def localized(texts, language: str | None = None) -> str:
    """The text for ``language`` (default: the active one), falling back to English, then any."""
    if isinstance(texts, str):
        return texts
    if not texts:
        return ""
    lang = (language or get_language() or "en").lower()
    if lang.startswith("zh"):
        lang = "zh-hans"
    else:
        lang = lang.split("-")[0]
    return texts.get(lang) or texts.get("en") or next((v for v in texts.values() if v), "")


class ProjectTemplate(TimeStamped):
    organization = models.ForeignKey(
        "tenancy.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
        help_text=_("Empty for the built-in templates every organisation can use."),
    )
    key = models.SlugField(_("key"), max_length=60)
    industry = models.CharField(_("industry"), max_length=20, blank=True)
    name = models.JSONField(_("name"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    duration_days = models.PositiveIntegerField(_("duration (days)"), default=90)
    # Lists of dicts; texts per language. See playbooks.services.validate_content for the shape.
    milestones = models.JSONField(_("milestones"), default=list, blank=True)
    comms_plan = models.JSONField(_("communication plan"), default=list, blank=True)
    risks = models.JSONField(_("risk checklist"), default=list, blank=True)
    needs = models.JSONField(_("default needs"), default=list, blank=True)
    source_project = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("saved from project"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("project template")
        verbose_name_plural = _("project templates")
        ordering = ["organization_id", "key"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="template_org_key_unique"),
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(organization__isnull=True),
                name="template_builtin_key_unique",
            ),
        ]
        indexes = [models.Index(fields=["organization", "industry"], name="template_org_industry_idx")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_builtin(self) -> bool:
        return self.organization_id is None

    @property
    def display_name(self) -> str:
        return localized(self.name) or self.key

    @property
    def display_description(self) -> str:
        return localized(self.description)


class TemplateUse(TenantModel):
    """A project started from a template, with the communication plan it brought along.

    ``comms_plan`` keeps the template's plan items (texts in the language used) for the
    communication plan of the project.
    """

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="template_use", verbose_name=_("project")
    )
    template = models.ForeignKey(
        ProjectTemplate, null=True, on_delete=models.SET_NULL, related_name="uses", verbose_name=_("template")
    )
    template_name = models.CharField(_("template name"), max_length=200)
    comms_plan = models.JSONField(_("communication plan"), default=list, blank=True)
    comms_plan_created = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("template use")
        verbose_name_plural = _("template uses")
        indexes = [models.Index(fields=["organization", "template"], name="templateuse_org_tpl_idx")]
