"""The UI kit: a service's errors beside the fields they name, and a form page's status."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from accord.core.ui import apply_service_errors, form_page
from accord.tenancy.members import team_members


class _Form(forms.Form):
    client = forms.CharField(required=False)
    name = forms.CharField(required=False)


def _bound():
    form = _Form({"client": "x", "name": "y"})
    assert form.is_valid()
    return form


def test_field_errors_go_beside_their_field_and_unknown_ones_on_top():
    form = _bound()
    apply_service_errors(form, ValidationError({"name": "Too long.", "budget": "Not a number."}))
    assert form.errors["name"] == ["Too long."]
    assert form.non_field_errors() == ["Not a number."]


@pytest.mark.parametrize("names", [{"client_id": "client"}, lambda key: key.removesuffix("_id")])
def test_service_keys_are_renamed_to_the_form_fields(names):
    form = _bound()
    apply_service_errors(form, ValidationError({"client_id": "Choose one of your clients."}), names)
    assert form.errors["client"] == ["Choose one of your clients."]


def test_an_error_without_a_field_goes_on_top():
    form = _bound()
    apply_service_errors(form, ValidationError(["First.", "Second."]))
    assert form.non_field_errors() == ["First.", "Second."]


@pytest.mark.django_db
def test_form_page_answers_422_for_a_form_with_errors_and_200_otherwise(world):
    request = RequestFactory().get("/")
    request.user = world.manager
    assert form_page(request, _Form(), title="T", back_url="/").status_code == 200
    form = _bound()
    assert form_page(request, form, title="T", back_url="/").status_code == 200
    form.add_error("name", "Wrong.")
    assert form_page(request, form, title="T", back_url="/").status_code == 422
    assert form_page(request, form, title="T", back_url="/", status=403).status_code == 403


def test_team_members_are_the_active_non_client_members_of_one_organisation(world):
    from accord.tenancy.models import Membership

    team = set(team_members(world.org.pk))
    assert team == {world.owner, world.admin, world.manager, world.member}
    Membership.objects.filter(user=world.member).update(is_active=False)
    assert world.member not in team_members(world.org.pk)
    assert world.outsider not in team_members(world.org.pk)
