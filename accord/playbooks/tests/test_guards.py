"""Starting a project from a template and copying one: the service's own guard
(``require_template_manager``) answers before the form or the body is checked, so a member is
refused with a 403, never shown a form or told what is wrong with the body."""

import pytest
from django.urls import reverse

from accord.playbooks import services
from accord.playbooks.models import ProjectTemplate
from accord.projects.models import Project


@pytest.fixture
def builtin(world):
    services.builtin_templates_load()
    return ProjectTemplate.objects.filter(organization__isnull=True).order_by("pk").first()


@pytest.mark.django_db
def test_the_api_refuses_a_member_before_it_checks_the_client(world, builtin):
    body = {"client_id": world.foreign_client.pk, "code": "GRD-1", "name": "Taken"}
    body["start_date"] = "2026-03-02"
    path = f"/project-templates/{builtin.pk}/projects"
    assert world.api(world.member).post(path, body).status_code == 403
    response = world.api(world.manager).post(path, body)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "client_id"
    assert not Project.objects.filter(code="GRD-1").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["playbooks:use", "playbooks:duplicate"])
def test_the_pages_refuse_a_member_before_the_form(world, builtin, name):
    url = reverse(name, args=[builtin.pk])
    assert world.http(world.member).get(url).status_code == 403
    assert world.http(world.member).post(url, {}).status_code == 403
    assert world.http(world.manager).get(url).status_code == 200
