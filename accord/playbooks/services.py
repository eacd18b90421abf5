"""Project templates: the built-ins, an organisation's own, starting a project from one and
saving a running project as one."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accord.audit.services import audit_create, audit_delete, audit_event, audit_update, snapshot
from accord.crm.models import Cadence, Channel, ContactRole
from accord.projects.models import Milestone, Project
from accord.risks.models import RiskCategory

from .models import ProjectTemplate, TemplateUse, localized

MAX_ITEMS = 100
MAX_OFFSET = 3650


def _lang_key() -> str:
    lang = (get_language() or "en").lower()
    return "zh-hans" if lang.startswith("zh") else lang.split("-")[0]


def _texts(value, field: str, required: bool = False) -> dict:
    if isinstance(value, str):
        value = {_lang_key(): value}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValidationError({field: _('Give the text per language, e.g. {"en": "…", "zh-hans": "…"}.')})
    if required and not any(v.strip() for v in value.values()):
        raise ValidationError({field: _("This text is required.")})
    return {k: v.strip()[:500] for k, v in value.items()}


def _scale(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationError({field: _("Enter a whole number from 1 (lowest) to 5 (highest).")})
    return value


def validate_content(*, milestones=(), comms_plan=(), risks=(), needs=()) -> dict:
    """Check and normalise a template's lists (raises ValidationError naming the bad item)."""
    from accord.needs.models import Priority

    out: dict[str, list] = {"milestones": [], "comms_plan": [], "risks": [], "needs": []}
    for name, items in (
        ("milestones", milestones),
        ("comms_plan", comms_plan),
        ("risks", risks),
        ("needs", needs),
    ):
        if not isinstance(items, list | tuple) or len(items) > MAX_ITEMS:
            raise ValidationError({name: _("Give a list of at most 100 items.")})
        for n, item in enumerate(items):
            field = f"{name}.{n}"
            if not isinstance(item, dict):
                raise ValidationError({field: _("Each item must be an object.")})
            if name == "milestones":
                offset = item.get("offset_days")
                if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET:
                    raise ValidationError(
                        {f"{field}.offset_days": _("Enter a number of days from 0 to 3650.")}
                    )
                out[name].append(
                    {"offset_days": offset, "name": _texts(item.get("name"), f"{field}.name", True)}
                )
            elif name == "comms_plan":
                if item.get("audience") not in ContactRole.values:
                    raise ValidationError({f"{field}.audience": _("Choose one of the listed audiences.")})
                if item.get("channel") not in Channel.values:
                    raise ValidationError({f"{field}.channel": _("Choose one of the listed channels.")})
                if item.get("cadence") not in Cadence.values:
                    raise ValidationError({f"{field}.cadence": _("Choose one of the listed cadences.")})
                out[name].append(
                    {
                        "audience": item["audience"],
                        "channel": item["channel"],
                        "cadence": item["cadence"],
                        "purpose": _texts(item.get("purpose", {}), f"{field}.purpose", True),
                    }
                )
            elif name == "risks":
                if item.get("category") not in RiskCategory.values:
                    raise ValidationError({f"{field}.category": _("Choose one of the listed categories.")})
                out[name].append(
                    {
                        "category": item["category"],
                        "probability": _scale(item.get("probability"), f"{field}.probability"),
                        "impact": _scale(item.get("impact"), f"{field}.impact"),
                        "title": _texts(item.get("title"), f"{field}.title", True),
                        "mitigation": _texts(item.get("mitigation", {}), f"{field}.mitigation"),
                        "triggers": _texts(item.get("triggers", {}), f"{field}.triggers"),
                    }
                )
            else:
                if item.get("priority") not in Priority.values:
                    raise ValidationError({f"{field}.priority": _("Choose must, should, could or won't.")})
                out[name].append(
                    {
                        "priority": item["priority"],
                        "title": _texts(item.get("title"), f"{field}.title", True),
                        "acceptance_criteria": _texts(
                            item.get("acceptance_criteria", {}), f"{field}.acceptance_criteria"
                        ),
                    }
                )
    return out


def builtin_templates_load(model=None) -> int:
    """Create or update the built-in templates (no organisation). Returns how many."""
    from .builtin import BUILTIN_TEMPLATES

    model = model or ProjectTemplate
    for spec in BUILTIN_TEMPLATES:
        content = validate_content(
            milestones=spec["milestones"],
            comms_plan=spec["comms_plan"],
            risks=spec["risks"],
            needs=spec["needs"],
        )
        model.objects.update_or_create(
            organization=None,
            key=spec["key"],
            defaults={
                "industry": spec["industry"],
                "name": spec["name"],
                "description": spec["description"],
                "duration_days": spec["duration_days"],
                **content,
            },
        )
    return len(BUILTIN_TEMPLATES)


def templates_visible(organization_id):
    """Built-ins plus the organisation's own templates."""
    return ProjectTemplate.objects.filter(Q(organization__isnull=True) | Q(organization_id=organization_id))


# --- create a project from a template --------------------------------------------------------

# Template cadences (crm.Cadence) → the communication plan's schedule (comms.CadenceKind).
_CADENCE = {
    "weekly": {"cadence": "weekly"},
    "biweekly": {"cadence": "weeks", "interval": 2},
    "monthly": {"cadence": "monthly"},
    "milestone": {"cadence": "milestone"},
}
_PLAN_CHANNEL_FALLBACK = {"wechat": "wecom"}


def _plan_items_create(*, actor, project, owner, items: list[dict]) -> bool:
    """Turn the template's plan into real communication-plan items (with their obligations).

    Returns False when there is nobody to own them (the data stays on the TemplateUse)."""
    from accord.comms.models import PlanChannel
    from accord.comms.services import plan_item_create
    from accord.tenancy.models import Membership

    member = Membership.objects.filter(
        organization_id=project.organization_id, user_id=getattr(actor, "pk", None), is_active=True
    ).first()
    if member is None or owner is None or not items:
        return False
    for item in items:
        channel = _PLAN_CHANNEL_FALLBACK.get(item["channel"], item["channel"])
        schedule = dict(_CADENCE.get(item["cadence"], {"cadence": "monthly"}))
        if schedule["cadence"] == "weekly":
            schedule["weekday"] = project.start_date.weekday()
        plan_item_create(
            actor=member,
            project=project,
            purpose=item["purpose"][:200] or item["audience"],
            channel=channel if channel in PlanChannel.values else PlanChannel.EMAIL,
            audience_roles=[item["audience"]],
            owner=owner,
            **schedule,
        )
    return True


def project_create_from_template(
    *,
    actor,
    organization,
    template: ProjectTemplate,
    client,
    code: str,
    name: str,
    start_date: dt.date,
    manager=None,
    contacts=(),
) -> Project:
    """A new project with the template's milestones, risks, needs and communication plan,
    texts in the current language; dates counted from ``start_date``."""
    from accord.needs.services import need_create
    from accord.risks.services import check_team_user, risk_create

    if template.organization_id not in (None, organization.pk):
        raise ValidationError({"template": _("Choose one of the templates listed.")})
    errors = {}
    code = (code or "").strip()
    name = (name or "").strip()
    if not code:
        errors["code"] = _("Give the project a short code, e.g. ERP-2026.")
    elif len(code) > 30:
        errors["code"] = _("Keep the code under 30 characters.")
    elif Project.objects.filter(organization=organization, code=code).exists():
        errors["code"] = _("Another project already uses this code.")
    if not name:
        errors["name"] = _("Give the project a name.")
    elif len(name) > 200:
        errors["name"] = _("Keep the name under 200 characters.")
    if client is None or client.organization_id != organization.pk:
        errors["client"] = _("Choose one of your clients.")
    if not isinstance(start_date, dt.date):
        errors["start_date"] = _("Enter a valid date.")
    contacts = list(contacts or [])
    if client is not None and any(c.client_id != client.pk for c in contacts):
        errors["contacts"] = _("Choose contacts of the project's client.")
    if errors:
        raise ValidationError(errors)
    check_team_user(organization.pk, manager, "manager")
    try:
        with transaction.atomic():
            offsets = [m["offset_days"] for m in template.milestones]
            project = Project.objects.create(
                organization=organization,
                client=client,
                code=code,
                name=name,
                description=localized(template.description),
                manager=manager,
                start_date=start_date,
                end_date=start_date + dt.timedelta(days=max([template.duration_days, *offsets])),
                currency=getattr(client, "currency", "") or organization.default_currency,
                industry=template.industry,
            )
            if contacts:
                project.contacts.set(contacts)
            audit_create(actor, project)
            for item in template.milestones:
                due = start_date + dt.timedelta(days=item["offset_days"])
                milestone = Milestone.objects.create(
                    organization=organization,
                    project=project,
                    name=localized(item["name"])[:200],
                    due_date=due,
                    baseline_due_date=due,
                )
                audit_create(actor, milestone)
            for item in template.risks:
                risk_create(
                    actor=actor,
                    project=project,
                    title=localized(item["title"])[:300],
                    category=item["category"],
                    probability=item["probability"],
                    impact=item["impact"],
                    mitigation=localized(item.get("mitigation")),
                    triggers=localized(item.get("triggers")),
                    owner=manager,
                    next_review_on=start_date + dt.timedelta(days=14),
                )
            for item in template.needs:
                need_create(
                    actor=actor,
                    project=project,
                    title=localized(item["title"])[:300],
                    priority=item["priority"],
                    acceptance_criteria=localized(item.get("acceptance_criteria")),
                )
            plan = [{**item, "purpose": localized(item["purpose"])} for item in template.comms_plan]
            created = _plan_items_create(actor=actor, project=project, owner=manager or actor, items=plan)
            use = TemplateUse.objects.create(
                organization=organization,
                project=project,
                template=template,
                template_name=template.display_name[:200],
                comms_plan=plan,
                comms_plan_created=created,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            audit_event(actor, project, "created_from_template", {"template": template.key, "use": use.pk})
    except IntegrityError:
        raise ValidationError({"code": _("Another project already uses this code.")}) from None
    return project


# --- organisation templates ------------------------------------------------------------------


def template_save_from_project(
    *, actor, project: Project, name: str, description: str = ""
) -> ProjectTemplate:
    """Save a running project's plan as the organisation's own template (texts as written)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the template a name.")})
    if len(name) > 200:
        raise ValidationError({"name": _("Keep the name under 200 characters.")})
    lang = _lang_key()
    start = project.start_date
    milestones = [
        {"offset_days": max(0, min(MAX_OFFSET, (m.due_date - start).days)), "name": {lang: m.name[:500]}}
        for m in project.milestones.order_by("due_date", "id")[:MAX_ITEMS]
    ]
    risks = [
        {
            "category": r.category,
            "probability": r.probability,
            "impact": r.impact,
            "title": {lang: r.title[:500]},
            "mitigation": {lang: r.mitigation[:500]},
            "triggers": {lang: r.triggers[:500]},
        }
        for r in project.risks.order_by("-score", "id")[:MAX_ITEMS]
    ]
    needs = [
        {
            "priority": n.priority,
            "title": {lang: n.title[:500]},
            "acceptance_criteria": {lang: n.acceptance_criteria[:500]},
        }
        for n in project.needs.exclude(status="dropped").order_by("id")[:MAX_ITEMS]
    ]
    comms = _plan_items_read(project, lang)
    content = validate_content(milestones=milestones, comms_plan=comms, risks=risks, needs=needs)
    base = slugify(name)[:50] or "template"
    with transaction.atomic():
        key, n = base, 1
        while ProjectTemplate.objects.filter(organization_id=project.organization_id, key=key).exists():
            n += 1
            key = f"{base}-{n}"
        template = ProjectTemplate.objects.create(
            organization_id=project.organization_id,
            key=key,
            industry=project.industry,
            name={lang: name},
            description={lang: (description or "").strip()[:2000]},
            duration_days=max(1, (project.end_date - project.start_date).days),
            source_project=project,
            created_by=actor if getattr(actor, "pk", None) else None,
            **content,
        )
        audit_create(actor, template)
    return template


def _plan_items_read(project, lang: str) -> list[dict]:
    """The project's communication plan as template items (falls back to the template's data)."""
    from accord.comms.models import PlanItem

    back = {"weekly": "weekly", "monthly": "monthly", "milestone": "milestone"}
    items = []
    for plan in PlanItem.objects.filter(organization_id=project.organization_id, project=project).order_by(
        "id"
    )[:MAX_ITEMS]:
        cadence = "biweekly" if plan.cadence == "weeks" and plan.interval == 2 else back.get(plan.cadence)
        if cadence is None:
            cadence = "weekly" if plan.cadence == "weeks" and plan.interval == 1 else "monthly"
        roles = [r for r in (plan.audience_roles or []) if r]
        items.append(
            {
                "audience": roles[0] if roles else "other",
                "channel": plan.channel,
                "cadence": cadence,
                "purpose": {lang: plan.purpose[:500]},
            }
        )
    if items:
        return items
    use = TemplateUse.objects.filter(project=project).first()
    return [{**item, "purpose": {lang: item.get("purpose", "")}} for item in (use.comms_plan if use else [])]


def template_update(*, actor, template: ProjectTemplate, **values) -> ProjectTemplate:
    """Change an organisation's own template (built-ins are read-only)."""
    if template.is_builtin:
        raise ValidationError(_("Built-in templates cannot be changed; save a copy instead."))
    allowed = {
        "name",
        "description",
        "industry",
        "duration_days",
        "milestones",
        "comms_plan",
        "risks",
        "needs",
    }
    unknown = set(values) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    lists = {k: values.pop(k) for k in ("milestones", "comms_plan", "risks", "needs") if k in values}
    if lists:
        current = {k: getattr(template, k) for k in ("milestones", "comms_plan", "risks", "needs")}
        values.update(validate_content(**{**current, **lists}))
    if "name" in values:
        values["name"] = _texts(values["name"], "name", True)
    if "description" in values:
        values["description"] = _texts(values["description"], "description")
    if "duration_days" in values:
        d = values["duration_days"]
        if isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= MAX_OFFSET:
            raise ValidationError({"duration_days": _("Enter a number of days from 1 to 3650.")})
    with transaction.atomic():
        before = snapshot(template)
        for key, value in values.items():
            setattr(template, key, value)
        template.save()
        audit_update(actor, template, before)
    return template


def template_delete(*, actor, template: ProjectTemplate) -> None:
    if template.is_builtin:
        raise ValidationError(_("Built-in templates cannot be deleted."))
    with transaction.atomic():
        audit_delete(actor, template)
        template.delete()
