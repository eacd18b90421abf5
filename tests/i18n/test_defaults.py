"""A Chinese (or British) team is not left in American English: a new organisation takes its
creator's language, zone and currency; clients and contacts inherit the language; the portal
speaks the contact's language, else the browser's."""

import re

import pytest
from django.urls import reverse

from accord.crm import services as crm
from accord.crm.models import Client, Contact
from accord.tenancy.models import Membership, Organization, Role
from accord.tenancy.services import organization_create
from accord.testing import factories as f

CREATE = "/accounts/organization/new/"


@pytest.mark.parametrize(
    ("accept", "language", "currency"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.5", "zh-hans", "CNY"),
        ("en-GB,en;q=0.8", "en-gb", "GBP"),
        ("de-DE,de;q=0.9,en;q=0.5", "en-us", "EUR"),
        ("en-US,en;q=0.9", "en-us", "USD"),
    ],
)
def test_creation_form_is_prefilled_from_the_browser(world, accept, language, currency):
    world.manager.language = ""
    world.manager.save()
    page = world.http(world.manager).get(CREATE, HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert re.search(rf'<option value="{language}" selected>', page)
    assert re.search(rf'<option value="{currency}" selected>', page)
    # The browser's zone is filled by a static script: no inline script (a CSP is coming).
    assert 'src="/static/tenancy/browser-timezone.js"' in page
    assert "data-browser-timezone" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


def test_a_chinese_team_creates_an_organisation_in_its_own_defaults(world):
    world.manager.language = ""
    world.manager.timezone = "UTC"
    world.manager.save()
    http = world.http(world.manager)
    response = http.post(
        CREATE,
        {
            "name": "上海交付中心",
            "default_language": "zh-hans",
            "default_timezone": "",
            "default_currency": "CNY",
            "browser_timezone": "Asia/Shanghai",
        },
        HTTP_ACCEPT_LANGUAGE="zh-CN",
    )
    assert response.status_code == 302
    org = Organization.objects.get(name="上海交付中心")
    assert (org.default_language, org.default_timezone, org.default_currency) == (
        "zh-hans",
        "Asia/Shanghai",
        "CNY",
    )
    assert Membership.objects.get(organization=org, user=world.manager).role == Role.OWNER
    # The session now works in the new organisation: a client made there is Chinese.
    form = http.get(reverse("crm:client_create")).content.decode()
    assert re.search(r'<option value="zh-hans" selected>', form)
    assert re.search(r'<option value="Asia/Shanghai" selected>', form)


def test_an_unknown_browser_zone_falls_back_to_the_creators(world):
    world.manager.timezone = "Europe/Berlin"
    world.manager.save()
    response = world.http(world.manager).post(
        CREATE,
        {
            "name": "Berlin Two",
            "default_language": "en-gb",
            "default_currency": "EUR",
            "browser_timezone": "Mars/Base",
        },
    )
    assert response.status_code == 302
    assert Organization.objects.get(name="Berlin Two").default_timezone == "Europe/Berlin"


def test_an_empty_name_is_refused_and_nothing_is_written(world):
    before = Organization.objects.count()
    response = world.http(world.manager).post(
        CREATE, {"name": "  ", "default_language": "zh-hans", "default_currency": "CNY"}
    )
    assert response.status_code == 422
    assert Organization.objects.count() == before


def test_the_service_takes_the_creators_defaults_when_none_are_given(db):
    owner = f.UserFactory(language="zh-hans", timezone="Asia/Shanghai")
    org = organization_create(name="无默认值", owner=owner)
    assert (org.default_language, org.default_timezone, org.default_currency) == (
        "zh-hans",
        "Asia/Shanghai",
        "CNY",
    )


@pytest.fixture
def chinese_org(world):
    world.org.default_language = "zh-hans"
    world.org.save()
    return world.memberships[world.manager.pk]


def test_clients_and_contacts_inherit_the_organisations_language(world, chinese_org):
    member = Membership.objects.select_related("organization").get(pk=chinese_org.pk)
    client = crm.client_create(actor=member, name="杭州制造")
    assert client.language == "zh-hans"
    contact = crm.contact_create(actor=member, client=client, first_name="伟", last_name="王")
    assert contact.language == "zh-hans"
    # Given explicitly, the language stays as given.
    english = crm.client_create(actor=member, name="Harbour Ltd", language="en")
    assert crm.contact_create(actor=member, client=english, first_name="Ann").language == "en"


def test_the_api_creates_clients_and_contacts_in_the_organisations_language(world, chinese_org):
    api = world.api(world.manager)
    response = api.post("/clients", {"name": "苏州物流"})
    assert response.status_code == 201, response.content
    client = Client.objects.get(pk=response.json()["id"])
    assert client.language == "zh-hans"
    response = api.post("/contacts", {"client_id": client.pk, "first_name": "芳", "last_name": "李"})
    assert response.status_code == 201, response.content
    assert Contact.objects.get(pk=response.json()["id"]).language == "zh-hans"


@pytest.mark.parametrize("page", ["reports:portal_list", "meetings:portal_list"])
def test_every_portal_page_speaks_the_contacts_language(world, page):
    world.contact.language = "zh-hans"
    world.contact.save()
    world.client_user.language = ""
    world.client_user.save()
    response = world.http(world.client_user).get(
        reverse(page, args=[world.project.pk]), HTTP_ACCEPT_LANGUAGE="en-US,en"
    )
    assert response.status_code == 200
    assert '<html lang="zh-CN"' in response.content.decode()


def test_the_portal_follows_the_browser_when_the_contact_has_no_language(world):
    Contact.objects.filter(pk=world.contact.pk).update(language="")
    world.client_user.language = ""
    world.client_user.save()
    response = world.http(world.client_user).get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh")
    assert '<html lang="zh-CN"' in response.content.decode()


def test_a_language_the_person_chose_wins_in_the_portal(world):
    world.contact.language = "zh-hans"
    world.contact.save()
    world.client_user.language = "en-gb"
    world.client_user.save()
    response = world.http(world.client_user).get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert '<html lang="en-gb"' in response.content.decode()
