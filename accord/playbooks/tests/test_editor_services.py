"""Editing an organisation template item by item, and copying a template (services)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accord.audit.models import AuditAction, AuditEntry
from accord.playbooks import services
from accord.playbooks.models import ProjectTemplate

START = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def builtins(db):
    services.builtin_templates_load()


def _builtin(key="software-implementation"):
    return ProjectTemplate.objects.get(organization=None, key=key)


@pytest.fixture
def own(world):
    return ProjectTemplate.objects.create(
        organization=world.org,
        key="own",
        name={"en": "Own"},
        duration_days=30,
        milestones=[
            {"offset_days": 0, "name": {"en": "Kick-off", "zh-hans": "启动"}},
            {"offset_days": 20, "name": {"en": "Go-live", "zh-hans": "上线"}},
        ],
        risks=[
            {
                "category": "technical",
                "probability": 2,
                "impact": 3,
                "title": {"en": "Interfaces late"},
                "mitigation": {"en": "Mock them"},
                "triggers": {"en": "No test system"},
            }
        ],
    )


def _updates(template):
    return AuditEntry.objects.filter(object_id=str(template.pk), action=AuditAction.UPDATE)


def test_add_a_milestone_with_a_duration_is_audited_and_sets_the_projects_end(world, own):
    services.template_item_add(
        actor=world.manager,
        template=own,
        section="milestones",
        item={"offset_days": 25, "duration_days": 15, "name": {"en": "Hypercare", "zh-hans": "上线支持"}},
        version=services.template_version(own),
    )
    own.refresh_from_db()
    assert own.milestones[-1] == {
        "offset_days": 25,
        "duration_days": 15,
        "name": {"en": "Hypercare", "zh-hans": "上线支持"},
    }
    entry = _updates(own).get()
    assert entry.actor == world.manager and len(entry.changes["milestones"][1]) == 3
    project = services.project_create_from_template(
        actor=world.memberships[world.manager.pk],
        template=own,
        client=world.client,
        code="D-1",
        name="D",
        start_date=START,
    )
    assert project.end_date == START + dt.timedelta(days=40)


def test_update_keeps_what_the_item_leaves_out(world, own):
    services.template_item_update(
        actor=world.manager,
        template=own,
        section="risks",
        index=0,
        item={"probability": 4, "title": {"en": "Interfaces late", "zh-hans": "接口延误"}},
    )
    own.refresh_from_db()
    risk = own.risks[0]
    assert risk["probability"] == 4 and risk["title"]["zh-hans"] == "接口延误"
    assert risk["triggers"] == {"en": "No test system"} and risk["impact"] == 3


def test_delete_and_move(world, own):
    services.template_item_move(actor=world.manager, template=own, section="milestones", index=1, to=0)
    own.refresh_from_db()
    assert [m["name"]["en"] for m in own.milestones] == ["Go-live", "Kick-off"]
    services.template_item_delete(actor=world.manager, template=own, section="milestones", index=0)
    own.refresh_from_db()
    assert [m["name"]["en"] for m in own.milestones] == ["Kick-off"]
    assert _updates(own).count() == 2


@pytest.mark.parametrize(
    "operation,kwargs,field",
    [
        (
            "add",
            {"section": "milestones", "item": {"offset_days": -1, "name": {"en": "x"}}},
            "milestones.2.offset_days",
        ),
        (
            "add",
            {"section": "milestones", "item": {"offset_days": 3, "name": {"en": " "}}},
            "milestones.2.name",
        ),
        (
            "add",
            {"section": "milestones", "item": {"offset_days": 3, "duration_days": 0, "name": {"en": "x"}}},
            "milestones.2.duration_days",
        ),
        ("update", {"section": "risks", "index": 0, "item": {"probability": 7}}, "risks.0.probability"),
        ("update", {"section": "risks", "index": 0, "item": {"category": "weather"}}, "risks.0.category"),
        ("update", {"section": "risks", "index": 5, "item": {"probability": 1}}, "index"),
        ("update", {"section": "risks", "index": -1, "item": {"probability": 1}}, "index"),
        ("delete", {"section": "needs", "index": 0}, "index"),
        ("move", {"section": "milestones", "index": 0, "to": 2}, "to"),
        ("move", {"section": "milestones", "index": 9, "to": 0}, "index"),
        ("add", {"section": "budget", "item": {}}, "section"),
        (
            "add",
            {"section": "comms_plan", "item": {"audience": "sponsor", "channel": "fax", "cadence": "weekly"}},
            "comms_plan.0.channel",
        ),
        (
            "add",
            {"section": "needs", "item": {"priority": "urgent", "title": {"en": "x"}}},
            "needs.0.priority",
        ),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(world, own, operation, kwargs, field):
    before = {k: getattr(own, k) for k in services.SECTIONS}
    with pytest.raises(ValidationError) as exc:
        getattr(services, f"template_item_{operation}")(actor=world.manager, template=own, **kwargs)
    assert field in exc.value.message_dict
    own.refresh_from_db()
    assert {k: getattr(own, k) for k in services.SECTIONS} == before
    assert not _updates(own).exists()


def test_list_is_capped(world, own):
    own.needs = [
        {"priority": "must", "title": {"en": f"N{i}"}, "acceptance_criteria": {}} for i in range(100)
    ]
    own.save()
    with pytest.raises(ValidationError) as exc:
        services.template_item_add(
            actor=world.manager,
            template=own,
            section="needs",
            item={"priority": "must", "title": {"en": "One more"}},
        )
    assert "needs" in exc.value.message_dict


def test_builtin_cannot_be_edited(world):
    template = _builtin()
    before = template.milestones
    for call in (
        lambda: services.template_item_add(
            actor=world.manager, template=template, section="milestones", item={"offset_days": 1, "name": "x"}
        ),
        lambda: services.template_item_delete(
            actor=world.manager, template=template, section="milestones", index=0
        ),
        lambda: services.template_item_move(
            actor=world.manager, template=template, section="milestones", index=0, to=1
        ),
    ):
        with pytest.raises(ValidationError, match="Built-in templates cannot be changed"):
            call()
    template.refresh_from_db()
    assert template.milestones == before


def test_an_edit_from_a_stale_page_is_refused(world, own):
    version = services.template_version(own)
    services.template_item_delete(
        actor=world.manager, template=own, section="milestones", index=0, version=version
    )
    with pytest.raises(ValidationError, match="Someone changed this template meanwhile"):
        services.template_item_delete(
            actor=world.manager, template=own, section="milestones", index=0, version=version
        )
    own.refresh_from_db()
    assert [m["name"]["en"] for m in own.milestones] == ["Go-live"]


def test_duplicate_a_builtin_into_the_organisation(world):
    builtin = _builtin()
    copy = services.template_duplicate(actor=world.manager, organization=world.org, template=builtin)
    assert copy.organization == world.org and copy.key == builtin.key and not copy.is_builtin
    assert copy.name == builtin.name and copy.duration_days == builtin.duration_days
    for section in services.SECTIONS:
        assert getattr(copy, section) == getattr(builtin, section)
    assert AuditEntry.objects.filter(object_id=str(copy.pk), action=AuditAction.CREATE).exists()
    event = AuditEntry.objects.get(object_id=str(copy.pk), verb="duplicated")
    assert event.changes["from"] == [None, builtin.pk]
    again = services.template_duplicate(
        actor=world.manager,
        organization=world.org,
        template=builtin,
        name={"en": "", "zh-hans": "我们的实施"},
    )
    assert again.name == {"zh-hans": "我们的实施"} and again.key == f"{builtin.key}-2"
    services.template_item_delete(actor=world.manager, template=again, section="risks", index=0)
    builtin.refresh_from_db()
    assert len(builtin.risks) == len(copy.risks)


def test_duplicate_refuses_empty_name_and_another_organisations_template(world):
    count = ProjectTemplate.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.template_duplicate(
            actor=world.manager, organization=world.org, template=_builtin(), name={"en": " ", "zh-hans": ""}
        )
    assert "name" in exc.value.message_dict
    theirs = ProjectTemplate.objects.create(organization=world.other_org, key="theirs", name={"en": "Theirs"})
    with pytest.raises(ValidationError) as exc:
        services.template_duplicate(actor=world.manager, organization=world.org, template=theirs)
    assert "template" in exc.value.message_dict
    assert ProjectTemplate.objects.count() == count + 1
