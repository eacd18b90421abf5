"""Health snapshots, close-out evaluations, retrospectives with improvement actions, lessons learned."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.audit.services import (
    audit_create,
    audit_delete,
    audit_event,
    update_fields,
)
from accord.comms.services import event_emit
from accord.tenancy.access import (
    require_project_manage,
    require_project_manager,
    require_project_write,
    require_team,
)
from accord.tenancy.members import team_members
from accord.tenancy.models import Membership

from . import closeout, health
from .models import (
    CloseoutEvaluation,
    EvaluationStatus,
    HealthSnapshot,
    Lesson,
    LessonCategory,
    LessonUse,
    LessonUseKind,
    Phase,
    RetroAction,
    Retrospective,
)

# --- health snapshots -----------------------------------------------------------------------------


def health_snapshot_take(*, client, project=None, now=None) -> HealthSnapshot:
    """Compute and store today's health of a client (or one of its projects); replaces today's."""
    now = now or timezone.now()
    result = health.compute(client=client, project=project, now=now)
    day = timezone.localdate(now)
    values = {"score": result.score or 0, "parts": [p.as_dict() for p in result.parts]}
    if result.score is None:
        values["score"] = 0
    snap, _created = HealthSnapshot.objects.update_or_create(
        organization_id=client.organization_id,
        client=client,
        project=project,
        taken_on=day,
        defaults=values,
    )
    return snap


def health_snapshots_run(now=None) -> int:
    """Periodic (daily): a snapshot for every active client and each of their open projects."""
    from accord.crm.models import Client, ClientStatus
    from accord.projects.models import Project, ProjectStatus

    count = 0
    clients = Client.objects.exclude(status=ClientStatus.FORMER).filter(projects__isnull=False).distinct()
    for client in clients.iterator():
        with transaction.atomic():
            health_snapshot_take(client=client, now=now)
            count += 1
            projects = Project.objects.filter(organization_id=client.organization_id, client=client).exclude(
                status__in=[ProjectStatus.CLOSED, ProjectStatus.CANCELLED]
            )
            for project in projects:
                health_snapshot_take(client=client, project=project, now=now)
                count += 1
    return count


def health_snapshots_for_org(*, actor: Membership) -> int:
    """Take today's snapshots for the actor's organisation now (instead of waiting for the daily
    job); admins and project managers only."""
    from accord.crm.models import Client, ClientStatus
    from accord.projects.models import Project, ProjectStatus

    require_project_manager(actor)
    organization = actor.organization

    count = 0
    with transaction.atomic():
        clients = Client.objects.filter(organization=organization, projects__isnull=False).exclude(
            status=ClientStatus.FORMER
        )
        for client in clients.distinct():
            health_snapshot_take(client=client)
            count += 1
        projects = Project.objects.filter(organization=organization).exclude(
            status__in=[ProjectStatus.CLOSED, ProjectStatus.CANCELLED]
        )
        for project in projects.select_related("client"):
            health_snapshot_take(client=project.client, project=project)
            count += 1
    return count


# --- close-out evaluation ------------------------------------------------------------------------------


def _clean_cost(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {"actual_cost": _("Enter the actual cost as a number, e.g. 125000.00.")}
        ) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise ValidationError({"actual_cost": _("Enter an actual cost of 0 or more.")})
    return amount.quantize(Decimal("0.01"))


def evaluation_start(*, actor: Membership, project) -> CloseoutEvaluation:
    """The project's close-out evaluation, created as a draft the first time; the project's
    manager (or an admin) only."""
    require_project_manage(actor, project)
    with transaction.atomic():
        evaluation, created = CloseoutEvaluation.objects.get_or_create(
            project=project,
            defaults={"organization_id": project.organization_id, "currency": project.currency},
        )
        if created:
            audit_create(actor.user, evaluation)
    return evaluation


def evaluation_figures(evaluation: CloseoutEvaluation) -> dict:
    """Frozen figures once final; computed from the project's data while a draft."""
    if evaluation.is_final and evaluation.figures:
        return evaluation.figures
    return closeout.compute(evaluation.project, actual_cost=evaluation.actual_cost)


def evaluation_update(
    *, actor: Membership, evaluation: CloseoutEvaluation, commentary=None, actual_cost=""
) -> CloseoutEvaluation:
    require_project_manage(actor, evaluation.project)
    if evaluation.is_final:
        raise ValidationError(_("This evaluation is final and can no longer change."))
    fields = {}
    if commentary is not None:
        fields["commentary"] = commentary
    if actual_cost != "":
        fields["actual_cost"] = _clean_cost(actual_cost)
    with transaction.atomic():
        update_fields(actor.user, evaluation, fields)
    return evaluation


def evaluation_finalise(*, actor: Membership, evaluation: CloseoutEvaluation) -> CloseoutEvaluation:
    """Freeze the figures as they are now; the evaluation no longer changes."""
    require_project_manage(actor, evaluation.project)
    if evaluation.is_final:
        raise ValidationError(_("This evaluation is already final."))
    with transaction.atomic():
        evaluation.figures = closeout.compute(evaluation.project, actual_cost=evaluation.actual_cost)
        evaluation.status = EvaluationStatus.FINAL
        evaluation.finalised_at = timezone.now()
        evaluation.finalised_by = actor.user
        evaluation.save()
        audit_event(actor.user, evaluation, "finalised")
        event_emit(
            organization=evaluation.project.organization,
            name="evaluation.finalised",
            payload={
                "project_id": evaluation.project_id,
                "evaluation_id": evaluation.pk,
                "spi": evaluation.figures["cost"]["spi"],
                "cpi": evaluation.figures["cost"]["cpi"],
                "csat": evaluation.figures["satisfaction"]["csat"],
                "nps": evaluation.figures["satisfaction"]["nps"],
            },
        )
    return evaluation


# --- retrospectives -------------------------------------------------------------------------------


def _title(value, message) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({"title": message})
    return value[:300]


def retrospective_create(
    *, actor: Membership, project, title: str, held_on=None, went_well="", to_improve=""
) -> Retrospective:
    require_project_write(actor, project)
    with transaction.atomic():
        retro = Retrospective.objects.create(
            organization_id=project.organization_id,
            project=project,
            title=_title(title, _("Give the retrospective a title."))[:200],
            held_on=held_on or timezone.localdate(),
            went_well=went_well or "",
            to_improve=to_improve or "",
            created_by=actor.user,
        )
        audit_create(actor.user, retro)
    return retro


def retrospective_update(*, actor: Membership, retro: Retrospective, **changes) -> Retrospective:
    require_project_write(actor, retro.project)
    if "title" in changes and changes["title"] is not None:
        changes["title"] = _title(changes["title"], _("Give the retrospective a title."))[:200]
    fields = {
        key: changes[key]
        for key in ("title", "held_on", "went_well", "to_improve")
        if changes.get(key) is not None
    }
    with transaction.atomic():
        update_fields(actor.user, retro, fields)
    return retro


def retrospective_delete(*, actor: Membership, retro: Retrospective) -> None:
    require_project_write(actor, retro.project)
    with transaction.atomic():
        audit_delete(actor.user, retro)
        retro.delete()


def _check_owner(project, owner) -> None:
    if owner is None:
        return
    from accord.tenancy.models import Membership, Role

    if (
        not Membership.objects.filter(organization_id=project.organization_id, user=owner, is_active=True)
        .exclude(role=Role.CLIENT)
        .exists()
    ):
        raise ValidationError({"owner_id": _("Choose a member of your team as the owner.")})


def retro_action_add(
    *, actor: Membership, retro: Retrospective, title: str, owner=None, due_date=None
) -> RetroAction:
    require_project_write(actor, retro.project)
    _check_owner(retro.project, owner)
    with transaction.atomic():
        action = RetroAction.objects.create(
            organization_id=retro.organization_id,
            retrospective=retro,
            title=_title(title, _("Describe the action.")),
            owner=owner,
            due_date=due_date,
        )
        audit_create(actor.user, action)
    return action


def retro_action_set_done(*, actor: Membership, action: RetroAction, done: bool = True) -> RetroAction:
    require_project_write(actor, action.retrospective.project)
    with transaction.atomic():
        update_fields(actor.user, action, {"done_at": timezone.now() if done else None})
    return action


def retro_action_delete(*, actor: Membership, action: RetroAction) -> None:
    require_project_write(actor, action.retrospective.project)
    with transaction.atomic():
        audit_delete(actor.user, action)
        action.delete()


def require_template_applier(actor: Membership, action: RetroAction) -> None:
    """Who may carry a retrospective's action into a project template: admins and project managers
    who may write on the retrospective's project (the form page asks before it validates)."""
    require_project_write(actor, action.retrospective.project)
    require_project_manager(actor)


def retro_action_apply_to_template(
    *,
    actor: Membership,
    action: RetroAction,
    template,
    kind: str,
    offset_days: int | None = None,
    category: str = "other",
) -> RetroAction:
    """Carry an improvement into a project template: a new risk on its checklist, or a new milestone.

    Goes through the project templates' own service, so their validation, permission and audit
    apply; admins and project managers on the retrospective's project only.
    """
    from accord.playbooks.services import template_update as update

    require_template_applier(actor, action)

    if template.organization_id != action.organization_id:
        raise ValidationError({"template": _("Choose one of your organisation's own templates.")})
    lang = "zh-hans" if any("\u4e00" <= ch <= "\u9fff" for ch in action.title) else "en"
    text = {lang: action.title}
    with transaction.atomic():
        if kind == "risk":
            risks = list(template.risks) + [
                {
                    "category": category,
                    "probability": 3,
                    "impact": 3,
                    "title": text,
                    "mitigation": {},
                    "triggers": {},
                }
            ]
            update(actor=actor, template=template, risks=risks)
        elif kind == "milestone":
            if offset_days is None:
                raise ValidationError(
                    {"offset_days": _("Say how many days after the start the milestone falls.")}
                )
            milestones = list(template.milestones) + [{"offset_days": offset_days, "name": text}]
            update(actor=actor, template=template, milestones=milestones)
        else:
            raise ValidationError({"kind": _("Choose to add a risk or a milestone.")})
        update_fields(actor.user, action, {"applied_to_template": str(template)[:200]})
    return action


# --- lessons learned ------------------------------------------------------------------------------


def _lesson_fields(data: dict) -> dict:
    out = {}
    if "title" in data:
        out["title"] = _title(data["title"], _("Give the lesson a short title."))
    for key in ("description", "recommendation"):
        if key in data and data[key] is not None:
            out[key] = data[key]
    if data.get("industry") is not None:
        from accord.crm.models import Industry

        if data["industry"] not in ("", *Industry.values):
            raise ValidationError({"industry": _("Choose one of the listed industries.")})
        out["industry"] = data["industry"]
    if data.get("category") is not None:
        if data["category"] not in LessonCategory.values:
            raise ValidationError({"category": _("Choose one of the listed categories.")})
        out["category"] = data["category"]
    if data.get("phase") is not None:
        if data["phase"] not in Phase.values:
            raise ValidationError({"phase": _("Choose one of the listed phases.")})
        out["phase"] = data["phase"]
    if data.get("tags") is not None:
        tags = [t.strip() for t in str(data["tags"]).replace("，", ",").split(",") if t.strip()]
        out["tags"] = ", ".join(tags)[:300]
    return out


def require_lesson_editor(actor: Membership, lesson: Lesson) -> None:
    """Whoever wrote a lesson changes it; otherwise admins and project managers (the edit and
    delete pages ask before they show the form)."""
    require_team(actor)
    if lesson.organization_id != actor.organization_id:
        raise PermissionDenied
    if lesson.created_by_id != actor.user_id:
        require_project_manager(actor)


def lesson_create(*, actor: Membership, project=None, retrospective=None, **data) -> Lesson:
    """A lesson learned of the actor's organisation; any team member may write one."""
    require_team(actor)
    organization = actor.organization
    fields = _lesson_fields({"title": data.get("title", ""), **data})
    if project is not None and project.organization_id != organization.pk:
        raise ValidationError({"project": _("Choose one of your organisation's projects.")})
    if "industry" not in fields and project is not None:
        fields["industry"] = project.industry or project.client.industry
    with transaction.atomic():
        lesson = Lesson.objects.create(
            organization=organization,
            project=project,
            retrospective=retrospective,
            created_by=actor.user,
            **fields,
        )
        audit_create(actor.user, lesson)
    return lesson


def lesson_update(*, actor: Membership, lesson: Lesson, **data) -> Lesson:
    require_lesson_editor(actor, lesson)
    fields = _lesson_fields(data)
    with transaction.atomic():
        update_fields(actor.user, lesson, fields)
    return lesson


def lesson_delete(*, actor: Membership, lesson: Lesson) -> None:
    require_lesson_editor(actor, lesson)
    with transaction.atomic():
        audit_delete(actor.user, lesson)
        lesson.delete()


# The risk register's category for a lesson's category, when a lesson becomes a risk.
RISK_CATEGORY_OF_LESSON = {
    LessonCategory.COMMUNICATION: "client_side",
    LessonCategory.REQUIREMENTS: "requirement_change",
    LessonCategory.PLANNING: "schedule",
    LessonCategory.TECHNICAL: "technical",
    LessonCategory.QUALITY: "technical",
    LessonCategory.COMMERCIAL: "commercial",
    LessonCategory.TEAM: "resources",
    LessonCategory.CLIENT: "client_side",
}


def _risk_owner(project):
    """The project's manager owns the risk when they are an active team member."""
    if project.manager_id and team_members(project.organization_id).filter(pk=project.manager_id).exists():
        return project.manager
    return None


def lesson_take_up(*, actor: Membership, project, lesson: Lesson, kind: str) -> LessonUse:
    """Take a lesson up on a project: as a risk in its register (title, category and the
    recommendation as mitigation), or acknowledged. Once per lesson and project; an acknowledged
    lesson can still become a risk. The actor may change the project."""
    from accord.risks.services import risk_create

    require_project_write(actor, project)

    if kind not in LessonUseKind.values:
        raise ValidationError({"kind": _("Choose to add the lesson to the risks or to acknowledge it.")})
    if lesson.organization_id != project.organization_id:
        raise ValidationError({"lesson": _("Choose a lesson of your organisation.")})
    try:
        with transaction.atomic():
            use = (
                LessonUse.objects.select_for_update()
                .filter(organization_id=project.organization_id, lesson=lesson, project=project)
                .first()
            )
            if use is not None and (use.kind == LessonUseKind.RISK or kind == LessonUseKind.ACKNOWLEDGED):
                if use.kind == LessonUseKind.RISK:
                    raise ValidationError({"lesson": _("This lesson is already in the project's risks.")})
                return use
            risk = None
            if kind == LessonUseKind.RISK:
                from_lesson = _("From the lesson learned “%(title)s”.") % {"title": lesson.title}
                risk = risk_create(
                    actor=actor,
                    project=project,
                    title=lesson.title[:300],
                    description="\n\n".join(p for p in (lesson.description.strip(), f"_{from_lesson}_") if p),
                    category=RISK_CATEGORY_OF_LESSON.get(lesson.category, "other"),
                    mitigation=lesson.recommendation,
                    owner=_risk_owner(project),
                    next_review_on=max(project.start_date, timezone.localdate()) + dt.timedelta(days=14),
                )
            if use is None:
                use = LessonUse.objects.create(
                    organization_id=project.organization_id,
                    lesson=lesson,
                    project=project,
                    kind=kind,
                    risk=risk,
                    created_by=actor.user,
                )
                audit_create(actor.user, use)
            else:
                update_fields(actor.user, use, {"kind": kind, "risk": risk})
            audit_event(actor.user, lesson, "taken_up", {"project": project.code, "as": kind})
    except IntegrityError:  # the same lesson taken up twice at the same moment
        raise ValidationError({"lesson": _("This lesson was just taken up on this project.")}) from None
    return use


def today() -> dt.date:
    return timezone.localdate()
