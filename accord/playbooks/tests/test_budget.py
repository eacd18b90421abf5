"""A budget and currency for a project started from a template: service, form and API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from accord.playbooks import services
from accord.playbooks.forms import ProjectFromTemplateForm
from accord.playbooks.models import ProjectTemplate
from accord.projects.models import Project

START = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def builtins(db):
    services.builtin_templates_load()


def _builtin(key="software-implementation"):
    return ProjectTemplate.objects.get(organization=None, key=key)


def _create(world, **values):
    return services.project_create_from_template(
        actor=world.memberships[world.manager.pk],
        template=_builtin(),
        client=world.client,
        start_date=START,
        manager=world.manager,
        **{"code": "B-1", "name": "Budgeted", **values},
    )


def test_budget_is_rounded_to_the_currency_and_the_code_normalised(world):
    project = _create(world, budget_amount=Decimal("1200000.5"), currency=" jpy ")
    project.refresh_from_db()
    assert project.currency == "JPY" and project.budget_amount == Decimal("1200001")


def test_without_a_currency_the_project_takes_the_clients(world):
    world.client.currency = "USD"
    world.client.save()
    project = _create(world, budget_amount="2500.255")
    project.refresh_from_db()
    assert project.currency == "USD" and project.budget_amount == Decimal("2500.26")
    assert _create(world, code="B-2").budget_amount is None


@pytest.mark.parametrize(
    "values,field,message",
    [
        ({"budget_amount": Decimal("-1")}, "budget_amount", "The budget must not be negative."),
        ({"budget_amount": "lots"}, "budget_amount", "Enter the budget as a number."),
        ({"budget_amount": Decimal("1e12")}, "budget_amount", "The budget is too large."),
        ({"currency": "ABC"}, "currency", "“ABC” is not an ISO 4217 currency code"),
    ],
)
def test_bad_budget_or_currency_is_refused_with_the_other_errors_and_saves_nothing(
    world, values, field, message
):
    before = Project.objects.count()
    with pytest.raises(ValidationError) as exc:
        _create(world, name=" ", **values)
    errors = exc.value.message_dict
    assert set(errors) == {field, "name"} and errors[field][0].startswith(message)
    assert Project.objects.count() == before


def test_form_offers_the_organisations_currency_and_reuses_the_project_fields(world):
    world.org.default_currency = "CNY"
    world.org.save()
    form = ProjectFromTemplateForm(organization_id=world.org.pk)
    assert form["currency"].value() == "CNY"
    assert ("USD", "USD") in form.fields["currency"].choices
    bad = ProjectFromTemplateForm(
        {
            "client": world.client.pk,
            "code": "F-1",
            "name": "F",
            "start_date": "2026-03-02",
            "budget_amount": "-3",
        },
        organization_id=world.org.pk,
    )
    assert not bad.is_valid() and list(bad.errors) == ["budget_amount"]


def test_use_page_creates_a_project_with_budget_and_currency(world):
    world.org.default_currency = "CNY"
    world.org.save()
    http = world.http(world.manager)
    url = reverse("playbooks:use", args=[_builtin().pk])
    page = http.get(url).content.decode()
    assert 'name="budget_amount"' in page and '<option value="CNY" selected>' in page
    response = http.post(
        url,
        {
            "client": world.client.pk,
            "code": "WEB-B",
            "name": "Budgeted site",
            "start_date": "2026-04-01",
            "budget_amount": "48000",
            "currency": "CNY",
        },
    )
    assert response.status_code == 302
    project = Project.objects.get(code="WEB-B")
    assert (project.budget_amount, project.currency) == (Decimal("48000.00"), "CNY")


def test_use_page_shows_budget_errors_on_the_field_in_chinese(world):
    world.manager.language = "zh-hans"
    world.manager.save()
    response = world.http(world.manager).post(
        reverse("playbooks:use", args=[_builtin().pk]),
        {
            "client": world.client.pk,
            "code": "WEB-C",
            "name": "Site",
            "start_date": "2026-04-01",
            "budget_amount": "-1",
            "currency": "ZZZ",
        },
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_budget_amount_errors"' in page and 'id="id_currency_errors"' in page
    with translation.override("zh-hans"):
        negative = translation.gettext("Ensure this value is greater than or equal to %(limit_value)s.")
    assert negative % {"limit_value": 0} in page and "确保" in negative
    assert not Project.objects.filter(code="WEB-C").exists()


def test_api_takes_budget_and_currency(world):
    api = world.api(world.manager)
    url = f"/project-templates/{_builtin('consulting-engagement').pk}/projects"
    body = {"client_id": world.client.pk, "code": "API-B", "name": "Audit", "start_date": "2026-05-04"}
    created = api.post(url, {**body, "budget_amount": "90000.50", "currency": "usd"})
    assert created.status_code == 201
    project = Project.objects.get(pk=created.json()["id"])
    assert (project.budget_amount, project.currency) == (Decimal("90000.50"), "USD")
    bad = api.post(url, {**body, "code": "API-C", "budget_amount": "-5", "currency": "XYZ"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"budget_amount", "currency"}
    assert not Project.objects.filter(code="API-C").exists()
