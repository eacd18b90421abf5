"""The first-day guide (/start/): its steps, ticked from the organisation's data, and their links."""

import datetime as dt
import re

import pytest
from django.utils import timezone, translation

from accord.comms.models import ChannelConfig, PlanItem
from accord.reports.models import ReportStatus, StatusReport
from accord.tenancy.models import Membership, Role
from accord.tenancy.services import organization_update
from accord.testing import factories as f

LANGUAGES = ["en", "zh-hans"]
STEPS_DONE = "%(done)s of %(total)s steps done"


def _steps(html: str) -> dict[str, dict]:
    """Each step of the page: whether it is ticked, and the links it offers."""
    found = {}
    for key, done, body in re.findall(
        r'<li class="card" id="step-([a-z]+)" data-done="(true|false)">(.*?)</li>', html, re.S
    ):
        found[key] = {"done": done == "true", "links": re.findall(r'href="([^"]+)"', body)}
    return found


def _page(user, language: str) -> str:
    from django.test import Client as HttpClient

    http = HttpClient()
    http.force_login(user)
    http.cookies["django_language"] = language
    response = http.get("/start/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def new_team(db):
    """An organisation just created: its owner and nothing else."""
    org = f.OrganizationFactory(name="Fresh Start Ltd")
    owner = f.UserFactory(email="owner@fresh.example")
    f.MembershipFactory(organization=org, user=owner, role=Role.OWNER)
    return org, owner


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_new_team_has_every_step_to_do_each_with_where_to_start(new_team, language):
    _, owner = new_team
    html = _page(owner, language)
    steps = _steps(html)
    assert list(steps) == [
        "organization",
        "members",
        "clients",
        "project",
        "plan",
        "channels",
        "portal",
        "report",
    ]
    assert not any(step["done"] for step in steps.values())
    assert steps["organization"]["links"] == ["/accounts/organization/"]
    assert steps["members"]["links"] == ["/accounts/members/"]
    assert steps["clients"]["links"] == ["/clients/new/"]
    assert steps["project"]["links"] == ["/projects/new/", "/templates/"]
    # Plan and report happen on a project: without one, the step leads to making one.
    assert steps["plan"]["links"] == ["/projects/new/"]
    assert steps["report"]["links"] == ["/projects/new/"]
    assert steps["channels"]["links"] == ["/communication/channels/"]
    assert steps["portal"]["links"] == ["/portal/contacts/"]
    with translation.override(language):
        for text in ("First-day guide", "Invite your team", "Create a project first", "To do"):
            assert translation.gettext(text) in html
        assert translation.ngettext(STEPS_DONE, STEPS_DONE, 0) % {"done": 0, "total": 8} in html
    if language == "zh-hans":
        assert "邀请团队成员" in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_ticks_follow_the_organisations_data(world, language):
    steps = _steps(_page(world.admin, language))
    # The shared world has a team, a client with a contact who uses the portal, and projects.
    assert {key: step["done"] for key, step in steps.items()} == {
        "organization": False,
        "members": True,
        "clients": True,
        "project": True,
        "plan": False,
        "channels": False,
        "portal": True,
        "report": False,
    }
    first = min(world.project.pk, world.other_project.pk)
    assert steps["plan"]["links"] == [f"/projects/{first}/plan/"]
    assert steps["report"]["links"] == [f"/projects/{first}/reports/"]
    assert steps["clients"]["links"] == ["/clients/"]

    organization_update(
        actor=world.memberships[world.admin.pk], organization=world.org, brand_color="#117733"
    )
    PlanItem.objects.create(
        organization=world.org,
        project=world.project,
        purpose="Weekly status",
        channel="email",
        cadence="weekly",
        owner=world.manager,
        start_date=timezone.localdate(),
    )
    ChannelConfig.objects.create(organization=world.org, kind="email", name="Our mail server")
    today = timezone.localdate()
    StatusReport.objects.create(
        organization=world.org,
        project=world.project,
        version=1,
        title="Week 1",
        period_start=today - dt.timedelta(days=7),
        period_end=today,
        status=ReportStatus.PUBLISHED,
        published_at=timezone.now(),
    )
    html = _page(world.admin, language)
    assert all(step["done"] for step in _steps(html).values())
    with translation.override(language):
        assert translation.ngettext(STEPS_DONE, STEPS_DONE, 8) % {"done": 8, "total": 8} in html


def test_a_draft_report_and_another_organisations_data_do_not_tick(world):
    today = timezone.localdate()
    StatusReport.objects.create(
        organization=world.org,
        project=world.project,
        version=1,
        title="Draft",
        period_start=today,
        period_end=today,
    )
    ChannelConfig.objects.create(organization=world.other_org, kind="email", name="Rival mail")
    steps = _steps(_page(world.admin, "en"))
    assert not steps["report"]["done"]
    assert not steps["channels"]["done"]


def test_a_client_without_contacts_leads_to_adding_one(new_team):
    org, owner = new_team
    client = f.ClientFactory(organization=org, name="Only Client")
    steps = _steps(_page(owner, "en"))
    assert not steps["clients"]["done"]
    assert steps["clients"]["links"] == [f"/clients/{client.pk}/contacts/new/"]


def test_an_invitation_ticks_the_team_and_portal_steps(new_team):
    from accord.tenancy.services import invitation_create

    org, owner = new_team
    actor = Membership.objects.get(organization=org, user=owner)
    contact = f.ContactFactory(client=f.ClientFactory(organization=org), email="buyer@client.example")
    invitation_create(actor=actor, email="colleague@fresh.example", role=Role.MEMBER)
    steps = _steps(_page(owner, "en"))
    assert steps["members"]["done"] and not steps["portal"]["done"]
    invitation_create(actor=actor, email=contact.email, role=Role.CLIENT, contact=contact)
    assert _steps(_page(owner, "en"))["portal"]["done"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_member_is_told_who_takes_the_administrators_steps(world, language):
    html = _page(world.member, language)
    steps = _steps(html)
    for key in ("organization", "members", "channels"):
        assert steps[key]["links"] == []
    assert steps["project"]["links"] == ["/projects/new/", "/templates/"]
    with translation.override(language):
        assert translation.gettext("An administrator of your organisation takes this step.") in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dashboard_and_the_menu_link_to_the_guide(world, language):
    from django.test import Client as HttpClient

    http = HttpClient()
    http.force_login(world.member)
    http.cookies["django_language"] = language
    html = http.get("/dashboard/").content.decode()
    with translation.override(language):
        label = translation.gettext("First-day guide")
    assert re.search(r'<a class="btn" href="/start/">' + re.escape(label), html)  # the dashboard's button
    assert re.search(r'<a href="/start/"\s*>' + re.escape(label), html)  # the Setup menu
