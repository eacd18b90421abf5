"""Project templates: the built-ins, an organisation's own, starting a project from one and
saving a running project as one."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accord.audit.services import (
    audit_create,
    audit_delete,
    audit_event,
    update_fields,
)
from accord.crm.models import Cadence, Channel, ContactRole
from accord.projects.models import Milestone, Project
from accord.risks.models import RiskCategory
from accord.tenancy.access import require_project_manage, require_project_manager
from accord.tenancy.models import Membership

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


def _days(value, field: str, low: int, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_OFFSET:
        raise ValidationError({field: message})
    return value


def _item_clean(name: str, field: str, item: dict) -> dict:
    """One item of a template list, normalised; every bad field of it is reported at once."""
    from accord.needs.models import Priority

    out: dict = {}
    errors: dict[str, list] = {}

    def check(key, clean):
        try:
            out[key] = clean()
        except ValidationError as exc:
            for k, messages in exc.message_dict.items():
                errors.setdefault(k, []).extend(messages)

    def choice(key, choices, message):
        if item.get(key) not in choices.values:
            raise ValidationError({f"{field}.{key}": message})
        return item[key]

    def text(key, required=False):
        return _texts(item.get(key, None if required else {}), f"{field}.{key}", required)

    if name == "milestones":
        check(
            "offset_days",
            lambda: _days(
                item.get("offset_days"),
                f"{field}.offset_days",
                0,
                _("Enter a number of days from 0 to 3650."),
            ),
        )
        check("name", lambda: text("name", True))
        if item.get("duration_days") is not None:
            check(
                "duration_days",
                lambda: _days(
                    item["duration_days"],
                    f"{field}.duration_days",
                    1,
                    _("Enter a duration from 1 to 3650 days, or none."),
                ),
            )
    elif name == "comms_plan":
        check("audience", lambda: choice("audience", ContactRole, _("Choose one of the listed audiences.")))
        check("channel", lambda: choice("channel", Channel, _("Choose one of the listed channels.")))
        check("cadence", lambda: choice("cadence", Cadence, _("Choose one of the listed cadences.")))
        check("purpose", lambda: text("purpose", True))
    elif name == "risks":
        check("category", lambda: choice("category", RiskCategory, _("Choose one of the listed categories.")))
        check("probability", lambda: _scale(item.get("probability"), f"{field}.probability"))
        check("impact", lambda: _scale(item.get("impact"), f"{field}.impact"))
        check("title", lambda: text("title", True))
        check("mitigation", lambda: text("mitigation"))
        check("triggers", lambda: text("triggers"))
    else:
        check("priority", lambda: choice("priority", Priority, _("Choose must, should, could or won't.")))
        check("title", lambda: text("title", True))
        check("acceptance_criteria", lambda: text("acceptance_criteria"))
    if errors:
        raise ValidationError(errors)
    return out


def validate_content(*, milestones=(), comms_plan=(), risks=(), needs=()) -> dict:
    """Check and normalise a template's lists (raises ValidationError naming the bad item and
    each of its bad fields, e.g. ``risks.2.probability``)."""
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
            if not isinstance(item, dict):
                raise ValidationError({f"{name}.{n}": _("Each item must be an object.")})
            out[name].append(_item_clean(name, f"{name}.{n}", item))
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


def _plan_items_create(*, actor: Membership, project, owner, items: list[dict]) -> bool:
    """Turn the template's plan into real communication-plan items (with their obligations).

    Returns False when there is nobody to own them (the data stays on the TemplateUse)."""
    from accord.comms.models import PlanChannel
    from accord.comms.services import plan_item_create_for_new_project

    if owner is None or not items:
        return False
    for item in items:
        channel = _PLAN_CHANNEL_FALLBACK.get(item["channel"], item["channel"])
        schedule = dict(_CADENCE.get(item["cadence"], {"cadence": "monthly"}))
        if schedule["cadence"] == "weekly":
            schedule["weekday"] = project.start_date.weekday()
        plan_item_create_for_new_project(
            actor=actor,
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
    actor: Membership,
    template: ProjectTemplate,
    client,
    code: str,
    name: str,
    start_date: dt.date,
    manager=None,
    contacts=(),
    budget_amount=None,
    currency: str | None = None,
) -> Project:
    """A new project (created and checked by ``project_create``) with the template's milestones,
    risks, needs and communication plan, texts in the current language; dates counted from
    ``start_date``. Admins and project managers only."""
    from accord.needs.services import need_create_for_new_project
    from accord.projects.services import project_create
    from accord.risks.services import risk_create_for_new_project

    require_template_manager(actor)

    organization = actor.organization
    user = actor.user
    if template.organization_id not in (None, organization.pk):
        raise ValidationError({"template": _("Choose one of the templates listed.")})
    if not isinstance(start_date, dt.date):
        raise ValidationError({"start_date": _("Enter a valid date.")})
    ends = [m["offset_days"] + (m.get("duration_days") or 0) for m in template.milestones]
    try:
        with transaction.atomic():
            project = project_create(
                actor=actor,
                client=client,
                code=code,
                name=name,
                description=localized(template.description),
                manager=manager,
                contacts=contacts or (),
                start_date=start_date,
                end_date=start_date + dt.timedelta(days=max([template.duration_days, *ends])),
                budget_amount=budget_amount,
                currency=currency,
                industry=template.industry,
            )
            manager = project.manager
            for item in template.milestones:
                due = start_date + dt.timedelta(days=item["offset_days"])
                milestone = Milestone.objects.create(
                    organization=organization,
                    project=project,
                    name=localized(item["name"])[:200],
                    due_date=due,
                    baseline_due_date=due,
                )
                audit_create(user, milestone)
            for item in template.risks:
                risk_create_for_new_project(
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
                need_create_for_new_project(
                    actor=actor,
                    project=project,
                    title=localized(item["title"])[:300],
                    priority=item["priority"],
                    acceptance_criteria=localized(item.get("acceptance_criteria")),
                )
            plan = [{**item, "purpose": localized(item["purpose"])} for item in template.comms_plan]
            created = _plan_items_create(actor=actor, project=project, owner=manager or user, items=plan)
            use = TemplateUse.objects.create(
                organization=organization,
                project=project,
                template=template,
                template_name=template.display_name[:200],
                comms_plan=plan,
                comms_plan_created=created,
                created_by=user,
            )
            audit_event(user, project, "created_from_template", {"template": template.key, "use": use.pk})
    except IntegrityError:
        raise ValidationError({"code": _("Another project already uses this code.")}) from None
    return project


# --- organisation templates ------------------------------------------------------------------


def template_save_from_project(
    *, actor: Membership, project: Project, name: str, description: str = ""
) -> ProjectTemplate:
    """Save a running project's plan as the organisation's own template (texts as written); the
    project's manager (or an admin) only."""
    require_project_manage(actor, project)
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
    with transaction.atomic():
        template = ProjectTemplate.objects.create(
            organization_id=project.organization_id,
            key=_free_key(project.organization_id, name),
            industry=project.industry,
            name={lang: name},
            description={lang: (description or "").strip()[:2000]},
            duration_days=max(1, (project.end_date - project.start_date).days),
            source_project=project,
            created_by=actor.user,
            **content,
        )
        audit_create(actor.user, template)
    return template


def _free_key(organization_id: int, name: str, fallback: str = "template") -> str:
    """A key made from ``name`` that none of the organisation's templates uses yet."""
    base = slugify(name)[:50] or fallback[:50]
    key, n = base, 1
    while ProjectTemplate.objects.filter(organization_id=organization_id, key=key).exists():
        n += 1
        key = f"{base}-{n}"
    return key


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


def require_template_manager(actor: Membership, template: ProjectTemplate | None = None) -> None:
    """Admins and project managers start projects from templates, copy them and change their
    organisation's own (``template``, when given, is built in or the organisation's). The pages and
    the API ask it before they validate a form."""
    require_project_manager(actor)
    if template is not None and template.organization_id not in (None, actor.organization_id):
        raise PermissionDenied


def template_update(*, actor: Membership, template: ProjectTemplate, **values) -> ProjectTemplate:
    """Change an organisation's own template (built-ins are read-only)."""
    require_template_manager(actor, template)
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
        update_fields(actor.user, template, values)
    return template


def template_delete(*, actor: Membership, template: ProjectTemplate) -> None:
    require_template_manager(actor, template)
    if template.is_builtin:
        raise ValidationError(_("Built-in templates cannot be deleted."))
    with transaction.atomic():
        audit_delete(actor.user, template)
        template.delete()


# --- editing an organisation template item by item -------------------------------------------

SECTIONS = ("milestones", "comms_plan", "risks", "needs")


def template_version(template: ProjectTemplate) -> str:
    """A token that changes with every save; item forms send it back so that an edit made on a
    page that has since gone stale (items added, moved or deleted meanwhile) is refused."""
    return template.updated_at.isoformat() if template.updated_at else ""


def _items_edit(*, actor: Membership, template: ProjectTemplate, section: str, version: str | None, change):
    """Apply ``change(items)`` to one list of the template, under a row lock, through
    ``template_update`` (so validation and the audit trail are the same as for a whole update)."""
    require_template_manager(actor, template)
    if section not in SECTIONS:
        raise ValidationError({"section": _("Choose milestones, communication plan, risks or needs.")})
    if template.is_builtin:
        raise ValidationError(_("Built-in templates cannot be changed; save a copy instead."))
    with transaction.atomic():
        current = ProjectTemplate.objects.select_for_update().get(pk=template.pk)
        if version is not None and version != template_version(current):
            raise ValidationError(
                _("Someone changed this template meanwhile. Reload the page and make your change again.")
            )
        items = [dict(item) for item in getattr(current, section)]
        change(items)
        return template_update(actor=actor, template=current, **{section: items})


def _check_index(items: list, index, field: str = "index") -> int:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(items):
        raise ValidationError({field: _("There is no such item in this list; reload the page.")})
    return index


def template_item_add(
    *, actor: Membership, template: ProjectTemplate, section: str, item: dict, version: str | None = None
) -> ProjectTemplate:
    """Append ``item`` to one of the template's lists."""
    return _items_edit(
        actor=actor,
        template=template,
        section=section,
        version=version,
        change=lambda items: items.append(item),
    )


def template_item_update(
    *,
    actor: Membership,
    template: ProjectTemplate,
    section: str,
    index: int,
    item: dict,
    version: str | None = None,
) -> ProjectTemplate:
    """Change the item at ``index``; keys ``item`` leaves out keep their values."""

    def change(items):
        _check_index(items, index)
        items[index] = {**items[index], **item}

    return _items_edit(actor=actor, template=template, section=section, version=version, change=change)


def template_item_delete(
    *, actor: Membership, template: ProjectTemplate, section: str, index: int, version: str | None = None
) -> ProjectTemplate:
    def change(items):
        del items[_check_index(items, index)]

    return _items_edit(actor=actor, template=template, section=section, version=version, change=change)


def template_item_move(
    *,
    actor: Membership,
    template: ProjectTemplate,
    section: str,
    index: int,
    to: int,
    version: str | None = None,
) -> ProjectTemplate:
    """Move the item at ``index`` to position ``to`` (both counted from 0)."""

    def change(items):
        _check_index(items, index)
        _check_index(items, to, "to")
        items.insert(to, items.pop(index))

    return _items_edit(actor=actor, template=template, section=section, version=version, change=change)


def template_duplicate(
    *, actor: Membership, template: ProjectTemplate, name: dict | str | None = None
) -> ProjectTemplate:
    """A copy of a built-in (or the organisation's own) template as the organisation's own, to
    customise; ``name`` per language (default: the original's). Admins and project managers only."""
    require_template_manager(actor)
    organization = actor.organization
    if template.organization_id not in (None, organization.pk):
        raise ValidationError({"template": _("Choose one of the templates listed.")})
    names = {k: v for k, v in _texts(template.name if name is None else name, "name", True).items() if v}
    if any(len(text) > 200 for text in names.values()):
        raise ValidationError({"name": _("Keep the name under 200 characters.")})
    content = validate_content(
        milestones=template.milestones,
        comms_plan=template.comms_plan,
        risks=template.risks,
        needs=template.needs,
    )
    with transaction.atomic():
        copy = ProjectTemplate.objects.create(
            organization=organization,
            key=_free_key(
                organization.pk, template.key if name is None else localized(names, "en"), template.key
            ),
            industry=template.industry,
            name=names,
            description=dict(template.description or {}),
            duration_days=template.duration_days,
            source_project_id=template.source_project_id if template.organization_id else None,
            created_by=actor.user,
            **content,
        )
        audit_create(actor.user, copy)
        audit_event(actor.user, copy, "duplicated", {"from": template.pk, "key": template.key})
    return copy
