"""The template page's item editor and "copy to customise" (web and API)."""

import pytest
from django.urls import reverse
from django.utils import translation

from accord.audit.models import AuditAction, AuditEntry
from accord.playbooks import services
from accord.playbooks.models import ProjectTemplate


@pytest.fixture(autouse=True)
def builtins(db):
    services.builtin_templates_load()


def _builtin(key="marketing-web-agency"):
    return ProjectTemplate.objects.get(organization=None, key=key)


@pytest.fixture
def own(world):
    return ProjectTemplate.objects.create(
        organization=world.org,
        key="own",
        name={"en": "Own"},
        milestones=[
            {"offset_days": 0, "name": {"en": "Kick-off", "zh-hans": "启动", "de": "Auftakt"}},
            {"offset_days": 20, "name": {"en": "Go-live"}},
        ],
        risks=[
            {
                "category": "technical",
                "probability": 2,
                "impact": 3,
                "title": {"en": "Interfaces late"},
                "mitigation": {},
                "triggers": {},
            }
        ],
    )


def _url(name, template, *args):
    return reverse(f"playbooks:{name}", args=[template.pk, *args])


def _names(template):
    template.refresh_from_db()
    return [m["name"].get("en") for m in template.milestones]


def test_page_offers_editing_to_managers_of_own_templates_only(world, own):
    page = world.http(world.manager).get(_url("detail", own)).content.decode()
    assert _url("item_edit", own, "milestones", 1) in page and _url("item_add", own, "comms-plan") in page
    assert _url("item_move", own, "milestones", 0) in page and _url("duplicate", own) in page
    member_page = world.http(world.member).get(_url("detail", own)).content.decode()
    assert _url("item_edit", own, "milestones", 0) not in member_page
    builtin_page = world.http(world.manager).get(_url("detail", _builtin())).content.decode()
    assert "Copy to customise" in builtin_page and "/milestones/0/" not in builtin_page


@pytest.mark.parametrize("n", [2, 50])
def test_page_query_count_does_not_grow_with_items(world, own, django_assert_num_queries, n):
    own.milestones = [{"offset_days": i, "name": {"en": f"M{i}"}} for i in range(n)]
    own.save()
    http = world.http(world.manager)
    http.get(_url("detail", own))
    with django_assert_num_queries(5):
        page = http.get(_url("detail", own))
    assert page.content.decode().count("/move/") == 2 * n - 2  # up and down, but not past the ends


def test_add_a_milestone_in_both_languages(world, own):
    http = world.http(world.manager)
    assert 'name="name_zh"' in http.get(_url("item_add", own, "milestones")).content.decode()
    response = http.post(
        _url("item_add", own, "milestones"),
        {"name_en": "Training", "name_zh": "培训", "offset_days": "15", "duration_days": "5"},
    )
    assert response.status_code == 302 and response.url.endswith("#milestones")
    own.refresh_from_db()
    assert own.milestones[-1] == {
        "offset_days": 15,
        "duration_days": 5,
        "name": {"en": "Training", "zh-hans": "培训"},
    }
    assert AuditEntry.objects.filter(
        object_id=str(own.pk), action=AuditAction.UPDATE, actor=world.manager
    ).exists()


def test_edit_prefills_and_keeps_other_languages(world, own):
    http = world.http(world.manager)
    form = http.get(_url("item_edit", own, "milestones", 0)).content.decode()
    assert 'value="Kick-off"' in form and 'value="启动"' in form
    response = http.post(
        _url("item_edit", own, "milestones", 0),
        {"name_en": "Kick-off workshop", "name_zh": "", "offset_days": "2", "duration_days": ""},
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.milestones[0] == {"offset_days": 2, "name": {"de": "Auftakt", "en": "Kick-off workshop"}}


def test_edit_each_kind_of_item(world, own):
    http = world.http(world.manager)
    assert (
        http.post(
            _url("item_add", own, "comms-plan"),
            {"purpose_en": "Steering", "channel": "meeting", "cadence": "monthly", "audience": "sponsor"},
        ).status_code
        == 302
    )
    assert (
        http.post(
            _url("item_edit", own, "risks", 0),
            {"title_en": "Interfaces late", "category": "schedule", "probability": "4", "impact": "5"},
        ).status_code
        == 302
    )
    assert (
        http.post(
            _url("item_add", own, "needs"),
            {"title_zh": "数据迁移", "priority": "must", "acceptance_criteria_en": "All open orders moved"},
        ).status_code
        == 302
    )
    own.refresh_from_db()
    assert own.comms_plan == [
        {"audience": "sponsor", "channel": "meeting", "cadence": "monthly", "purpose": {"en": "Steering"}}
    ]
    assert (own.risks[0]["category"], own.risks[0]["probability"], own.risks[0]["impact"]) == (
        "schedule",
        4,
        5,
    )
    assert own.needs == [
        {
            "priority": "must",
            "title": {"zh-hans": "数据迁移"},
            "acceptance_criteria": {"en": "All open orders moved"},
        }
    ]


@pytest.mark.parametrize(
    "name,args,data,field",
    [
        ("item_add", ("milestones",), {"name_en": "X", "offset_days": "-4"}, "offset_days"),
        ("item_add", ("milestones",), {"name_en": "", "name_zh": " ", "offset_days": "4"}, "name_en"),
        ("item_add", ("milestones",), {"name_en": "X", "offset_days": "soon"}, "offset_days"),
        (
            "item_add",
            ("milestones",),
            {"name_en": "X", "offset_days": "4", "duration_days": "0"},
            "duration_days",
        ),
        (
            "item_edit",
            ("risks", 0),
            {"title_en": "R", "category": "technical", "probability": "7", "impact": "2"},
            "probability",
        ),
        ("item_add", ("needs",), {"title_en": "N", "priority": "urgent"}, "priority"),
    ],
)
def test_bad_input_is_shown_on_the_field_in_the_users_language(world, own, name, args, data, field):
    world.manager.language = "zh-hans"
    world.manager.save()
    before = (own.milestones, own.risks, own.needs)
    response = world.http(world.manager).post(_url(name, own, *args), data)
    page = response.content.decode()
    assert response.status_code == 422 and f'id="id_{field}_errors"' in page
    errors = page.split(f'id="id_{field}_errors"', 1)[1].split("</ul>", 1)[0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in errors)  # the message is in Chinese
    own.refresh_from_db()
    assert (own.milestones, own.risks, own.needs) == before


def test_probability_out_of_range_says_what_to_fix(world, own):
    response = world.http(world.manager).post(
        _url("item_edit", own, "risks", 0),
        {"title_en": "R", "category": "technical", "probability": "7", "impact": "2"},
    )
    with translation.override("en"):
        assert "Enter a whole number from 1 (lowest) to 5 (highest)." in response.content.decode()


def test_move_up_and_down_and_delete(world, own):
    http = world.http(world.manager)
    version = services.template_version(own)
    assert (
        http.post(_url("item_move", own, "milestones", 1), {"to": 0, "version": version}).status_code == 302
    )
    assert _names(own) == ["Go-live", "Kick-off"]
    assert (
        http.post(
            _url("item_move", own, "milestones", 0), {"to": 1, "version": services.template_version(own)}
        ).status_code
        == 302
    )
    assert _names(own) == ["Kick-off", "Go-live"]
    page = http.get(_url("item_delete", own, "milestones", 1)).content.decode()
    assert "Go-live" in page
    assert http.post(
        _url("item_delete", own, "milestones", 1), {"version": services.template_version(own)}
    ).url.endswith("#milestones")
    assert _names(own) == ["Kick-off"]


def test_stale_page_is_refused_and_says_so(world, own):
    http = world.http(world.manager)
    stale = services.template_version(own)
    http.post(_url("item_move", own, "milestones", 1), {"to": 0, "version": stale})
    response = http.post(_url("item_delete", own, "milestones", 1), {"version": stale})
    assert (
        response.status_code == 422 and "Someone changed this template meanwhile" in response.content.decode()
    )
    moved = http.post(_url("item_move", own, "milestones", 1), {"to": 0, "version": stale}, follow=True)
    assert "Someone changed this template meanwhile" in moved.content.decode()
    assert _names(own) == ["Go-live", "Kick-off"]


def test_move_beyond_the_ends_is_refused(world, own):
    response = world.http(world.manager).post(
        _url("item_move", own, "milestones", 0), {"to": -1}, follow=True
    )
    assert "There is no such item in this list" in response.content.decode()
    assert _names(own) == ["Kick-off", "Go-live"]


def test_missing_items_sections_and_builtins_are_404(world, own):
    http = world.http(world.admin)
    assert http.get(_url("item_edit", own, "milestones", 2)).status_code == 404
    assert http.get(_url("item_delete", own, "needs", 0)).status_code == 404
    assert http.post(_url("item_move", own, "risks", 3), {"to": 0}).status_code == 404
    assert http.get(_url("item_add", own, "budget")).status_code == 404
    builtin = _builtin()
    assert http.get(_url("item_add", builtin, "milestones")).status_code == 404
    assert http.post(_url("item_delete", builtin, "milestones", 0)).status_code == 404
    builtin.refresh_from_db()
    assert len(builtin.milestones) == len(_builtin().milestones) > 0


def test_members_may_not_edit_and_other_organisations_get_404(world, own):
    member = world.http(world.member)
    assert member.get(_url("item_add", own, "milestones")).status_code == 403
    assert member.post(_url("item_delete", own, "milestones", 0)).status_code == 403
    outsider = world.http(world.outsider)
    assert outsider.post(_url("item_delete", own, "milestones", 0)).status_code == 404
    assert outsider.post(_url("duplicate", own), {"name_en": "Mine"}).status_code == 404
    assert _names(own) == ["Kick-off", "Go-live"]
    assert not ProjectTemplate.objects.filter(organization=world.other_org).exists()


def test_copy_a_builtin_to_customise_it(world):
    http = world.http(world.manager)
    builtin = _builtin()
    form = http.get(_url("duplicate", builtin)).content.decode()
    assert f'value="{builtin.name["en"]}"' in form
    response = http.post(
        _url("duplicate", builtin), {"name_en": "Our web projects", "name_zh": "我们的网站项目"}
    )
    copy = ProjectTemplate.objects.get(organization=world.org)
    assert response.url == reverse("playbooks:detail", args=[copy.pk])
    assert (
        copy.name == {"en": "Our web projects", "zh-hans": "我们的网站项目"}
        and copy.key == "our-web-projects"
    )
    assert copy.risks == builtin.risks
    empty = http.post(_url("duplicate", builtin), {"name_en": "", "name_zh": ""})
    assert empty.status_code == 422 and 'id="id_name_en_errors"' in empty.content.decode()
    assert ProjectTemplate.objects.filter(organization=world.org).count() == 1


def test_api_copies_a_template(world):
    api = world.api(world.manager)
    created = api.post(f"/project-templates/{_builtin().pk}/duplicate", {"name": {"en": "API copy"}})
    assert created.status_code == 201 and created.json()["builtin"] is False
    assert created.json()["name"] == {"en": "API copy"}
    bad = api.post(f"/project-templates/{_builtin().pk}/duplicate", {"name": {"en": ""}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "name"
    assert (
        world.api(world.member).post(f"/project-templates/{_builtin().pk}/duplicate", {}).status_code == 403
    )


def test_every_bad_field_of_an_item_is_shown_at_once(world, own):
    response = world.http(world.manager).post(
        _url("item_edit", own, "milestones", 1), {"name_en": "", "offset_days": "-2", "duration_days": "0"}
    )
    page = response.content.decode()
    assert response.status_code == 422
    for field in ("name_en", "offset_days", "duration_days"):
        assert f'id="id_{field}_errors"' in page
    assert _names(own) == ["Kick-off", "Go-live"]
