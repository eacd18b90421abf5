"""Surveys sent by themselves: after a milestone and at close-out, as each project is set."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.audit.services import audit_create, update_fields
from accord.tenancy.access import require_project_manage
from accord.tenancy.models import Membership

from ..models import (
    ProjectSurveySetting,
    Survey,
    SurveyTemplate,
    SurveyTrigger,
)
from .surveys import _survey_create, _survey_send

# --- automatic sending ----------------------------------------------------------------------------


def project_survey_setting_save(
    *,
    actor: Membership,
    project,
    on_milestone: bool,
    on_closeout: bool,
    template: SurveyTemplate | None = None,
) -> ProjectSurveySetting:
    """Whether the project surveys its client automatically: the project's manager (or an admin)."""
    require_project_manage(actor, project)
    if template is not None and template.organization_id != project.organization_id:
        raise ValidationError({"template": _("Choose one of your organisation's templates.")})
    fields = {"on_milestone": on_milestone, "on_closeout": on_closeout, "template": template}
    with transaction.atomic():
        setting, created = ProjectSurveySetting.objects.get_or_create(
            project=project,
            defaults={
                "organization_id": project.organization_id,
                "enabled_at": timezone.now() if on_milestone else None,
                **fields,
            },
        )
        if created:
            audit_create(actor.user, setting)
        else:
            if on_milestone and not setting.on_milestone:
                fields["enabled_at"] = timezone.now()
            update_fields(actor.user, setting, fields)
    return setting


def _project_recipients(project):
    return [c for c in project.contacts.all() if c.email and c.is_active]


def survey_send_for_milestone(milestone, *, template: SurveyTemplate | None = None) -> Survey | None:
    """Create and send a survey about a completed milestone to the project's client contacts (the
    scheduler's work: no person acts, the audit trail names none).

    Does nothing (returns None) when this milestone already has a survey or the project has no
    contact with an e-mail address.
    """
    project = milestone.project
    if Survey.objects.filter(organization_id=project.organization_id, milestone=milestone).exists():
        return None
    contacts = _project_recipients(project)
    if not contacts:
        return None
    return _create_and_send(
        project,
        template,
        contacts,
        title=f"{project.name}: {milestone.name}",
        title_zh=f"{project.name}：{milestone.name}",
        trigger=SurveyTrigger.MILESTONE,
        milestone=milestone,
    )


def survey_send_for_closeout(project, *, template: SurveyTemplate | None = None) -> Survey | None:
    """Create and send the close-out survey (once per project; the scheduler's work, like
    :func:`survey_send_for_milestone`)."""
    if Survey.objects.filter(
        organization_id=project.organization_id, project=project, trigger=SurveyTrigger.CLOSEOUT
    ).exists():
        return None
    contacts = _project_recipients(project)
    if not contacts:
        raise ValidationError({"contacts": _("The project has no client contact with an e-mail address.")})
    return _create_and_send(
        project,
        template,
        contacts,
        title=f"{project.name}: project close-out",
        title_zh=f"{project.name}：项目收尾",
        trigger=SurveyTrigger.CLOSEOUT,
    )


def _create_and_send(project, template, contacts, **fields) -> Survey:
    """The scheduler's survey for ``project`` (with the project's chosen template unless one is
    given), sent to ``contacts`` in one transaction; no person acts."""
    if template is None:
        setting = ProjectSurveySetting.objects.filter(project=project).select_related("template").first()
        template = setting.template if setting else None
    with transaction.atomic():
        survey = _survey_create(user=None, project=project, template=template, **fields)
        _survey_send(user=None, survey=survey, contacts=contacts)
    return survey


def milestone_surveys_run() -> int:
    """Periodic: survey every milestone completed since its project switched automatic surveys on."""
    from accord.projects.models import Milestone, MilestoneStatus

    sent = 0
    settings_qs = ProjectSurveySetting.objects.filter(on_milestone=True).select_related("template")
    for setting in settings_qs:
        since = (setting.enabled_at or setting.created_at).date()
        milestones = (
            Milestone.objects.filter(
                organization_id=setting.organization_id,
                project_id=setting.project_id,
                status=MilestoneStatus.DONE,
                completed_on__gte=since,
                surveys__isnull=True,
            )
            .select_related("project__client", "project__organization")
            .order_by("completed_on", "id")
        )
        for milestone in milestones:
            if survey_send_for_milestone(milestone, template=setting.template):
                sent += 1
    sent += closeout_surveys_run()
    return sent


def closeout_surveys_run() -> int:
    """Periodic: send the close-out survey of every closed project whose setting asks for one."""
    from accord.projects.models import ProjectStatus

    sent = 0
    due = (
        ProjectSurveySetting.objects.filter(on_closeout=True, project__status=ProjectStatus.CLOSED)
        .exclude(project__surveys__trigger=SurveyTrigger.CLOSEOUT)
        .select_related("project__client", "project__organization", "template")
    )
    for setting in due:
        try:
            if survey_send_for_closeout(setting.project, template=setting.template):
                sent += 1
        except ValidationError:
            continue  # no contact with an e-mail address: nothing to send
    return sent
