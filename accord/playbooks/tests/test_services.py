"""Project templates: built-ins, starting a project, saving a project as a template."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accord.playbooks import services
from accord.playbooks.builtin import BUILTIN_TEMPLATES
from accord.playbooks.models import ProjectTemplate, TemplateUse, localized
from accord.projects.models import Project

START = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def builtins(db):
    services.builtin_templates_load()  # idempotent; the data migration is skipped under --nomigrations


def _builtin(key="software-implementation"):
    return ProjectTemplate.objects.get(organization=None, key=key)


def test_builtins_are_loaded_bilingual_and_reloading_is_idempotent(db):
    assert ProjectTemplate.objects.filter(organization=None).count() == len(BUILTIN_TEMPLATES) >= 4
    assert services.builtin_templates_load() == len(BUILTIN_TEMPLATES)
    assert ProjectTemplate.objects.filter(organization=None).count() == len(BUILTIN_TEMPLATES)
    industries = set(ProjectTemplate.objects.values_list("industry", flat=True))
    assert {"software", "marketing", "consulting", "construction"} <= industries
    for template in ProjectTemplate.objects.all():
        for item in template.milestones + template.risks + template.needs:
            texts = item.get("name") or item.get("title")
            assert texts["en"] and texts["zh-hans"]
        assert all(c["purpose"]["en"] and c["purpose"]["zh-hans"] for c in template.comms_plan)


def test_localized_falls_back_to_english_then_any():
    assert localized({"en": "Go-live", "zh-hans": "上线"}, "zh-hans") == "上线"
    assert localized({"en": "Go-live"}, "zh-hans") == "Go-live"
    assert localized({"zh-hans": "上线"}, "en") == "上线"
    assert localized({}, "en") == ""


def test_create_project_from_template_in_chinese(world):
    template = _builtin()
    with translation.override("zh-hans"):
        project = services.project_create_from_template(
            actor=world.as_member(world.manager),
            template=template,
            client=world.client,
            code="ERP-26",
            name="ERP 上线",
            start_date=START,
            manager=world.manager,
        )
    milestones = list(project.milestones.order_by("due_date"))
    assert [m.due_date for m in milestones] == [
        START + dt.timedelta(days=m["offset_days"]) for m in template.milestones
    ]
    assert milestones[0].name == "需求确认签字" and milestones[0].baseline_due_date == milestones[0].due_date
    assert project.end_date == START + dt.timedelta(days=template.duration_days)
    assert project.risks.count() == len(template.risks)
    assert project.risks.filter(owner=world.manager).count() == len(template.risks)
    assert project.needs.count() == len(template.needs)
    use = TemplateUse.objects.get(project=project)
    assert len(use.comms_plan) == len(template.comms_plan) and use.comms_plan[0]["purpose"].startswith(
        "项目状态报告"
    )


@pytest.mark.parametrize(
    "override,field",
    [
        ({"code": ""}, "code"),
        ({"code": "P-dup"}, "code"),
        ({"name": " "}, "name"),
        ({"client": "foreign"}, "client_id"),
        ({"manager": "client_user"}, "manager_id"),
    ],
)
def test_create_from_template_bad_input_saves_nothing(world, override, field):
    Project.objects.filter(pk=world.other_project.pk).update(code="P-dup")
    values = {"code": "NEW-1", "name": "New", "client": world.client, "manager": world.manager}
    values.update(override)
    if values["client"] == "foreign":
        values["client"] = world.foreign_client
    if values["manager"] == "client_user":
        values["manager"] = world.client_user
    before = Project.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.project_create_from_template(
            actor=world.as_member(world.manager), template=_builtin(), start_date=START, **values
        )
    assert field in exc.value.message_dict
    assert Project.objects.count() == before


def test_another_organisations_template_cannot_be_used(world):
    foreign = ProjectTemplate.objects.create(
        organization=world.other_org, key="theirs", name={"en": "Theirs"}
    )
    with pytest.raises(ValidationError):
        services.project_create_from_template(
            actor=world.as_member(world.manager),
            template=foreign,
            client=world.client,
            code="X",
            name="X",
            start_date=START,
        )


def test_save_running_project_as_template_and_reuse_it(world):
    project = services.project_create_from_template(
        actor=world.as_member(world.manager),
        template=_builtin("engineering-design"),
        client=world.client,
        code="ENG-1",
        name="Plant",
        start_date=START,
        manager=world.manager,
    )
    template = services.template_save_from_project(
        actor=world.as_member(world.manager), project=project, name="Our plant design"
    )
    assert template.organization == world.org and not template.is_builtin
    assert [m["offset_days"] for m in template.milestones] == [
        m["offset_days"] for m in _builtin("engineering-design").milestones
    ]
    assert len(template.risks) == project.risks.count() and len(template.comms_plan) == 4
    again = services.template_save_from_project(
        actor=world.as_member(world.manager), project=project, name="Our plant design"
    )
    assert again.key != template.key
    copy = services.project_create_from_template(
        actor=world.as_member(world.manager),
        template=template,
        client=world.client,
        code="ENG-2",
        name="Plant 2",
        start_date=START,
        manager=world.manager,
    )
    assert copy.milestones.count() == project.milestones.count()


def test_builtins_are_read_only(world):
    with pytest.raises(ValidationError):
        services.template_update(actor=world.as_member(world.manager), template=_builtin(), duration_days=10)
    with pytest.raises(ValidationError):
        services.template_delete(actor=world.as_member(world.manager), template=_builtin())


@pytest.mark.parametrize(
    "field,items",
    [
        ("milestones", [{"offset_days": -1, "name": {"en": "x"}}]),
        ("milestones", [{"offset_days": 3, "name": {"en": ""}}]),
        ("risks", [{"category": "technical", "probability": 7, "impact": 2, "title": {"en": "x"}}]),
        ("risks", [{"category": "weather", "probability": 1, "impact": 2, "title": {"en": "x"}}]),
        (
            "comms_plan",
            [{"audience": "sponsor", "channel": "fax", "cadence": "weekly", "purpose": {"en": "x"}}],
        ),
        ("needs", [{"priority": "urgent", "title": {"en": "x"}}]),
        ("needs", "not a list"),
    ],
)
def test_template_content_is_validated(world, field, items):
    template = ProjectTemplate.objects.create(organization=world.org, key="own", name={"en": "Own"})
    with pytest.raises(ValidationError) as exc:
        services.template_update(actor=world.as_member(world.manager), template=template, **{field: items})
    assert any(key.startswith(field) for key in exc.value.message_dict)


def test_stakeholders_must_be_contacts_of_the_client(world):
    with pytest.raises(ValidationError) as exc:
        services.project_create_from_template(
            actor=world.as_member(world.manager),
            template=_builtin(),
            client=world.client,
            code="S-1",
            name="S",
            start_date=START,
            contacts=[world.foreign_contact],
        )
    assert "contact_ids" in exc.value.message_dict
    project = services.project_create_from_template(
        actor=world.as_member(world.manager),
        template=_builtin(),
        client=world.client,
        code="S-2",
        name="S",
        start_date=START,
        contacts=[world.contact],
    )
    assert list(project.contacts.all()) == [world.contact]
