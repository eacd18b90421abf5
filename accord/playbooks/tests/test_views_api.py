"""Template pages and API."""

import pytest
from django.urls import reverse

from accord.playbooks.models import ProjectTemplate
from accord.playbooks.services import builtin_templates_load
from accord.projects.models import Project


@pytest.fixture(autouse=True)
def builtins(db):
    builtin_templates_load()


def _builtin(key="marketing-web-agency"):
    return ProjectTemplate.objects.get(organization=None, key=key)


@pytest.mark.parametrize("n", [2, 50])
def test_list_query_counts(world, django_assert_num_queries, n):
    for i in range(n):
        ProjectTemplate.objects.create(organization=world.org, key=f"own-{i}", name={"en": f"Own {i}"})
    http, api = world.http(world.member), world.api(world.member)
    http.get(reverse("playbooks:list"))
    with django_assert_num_queries(5):
        assert http.get(reverse("playbooks:list")).status_code == 200
    with django_assert_num_queries(4):
        assert len(api.get("/project-templates", {"limit": 200}).json()["items"]) == n + 4


def test_list_in_chinese_shows_chinese_names(world):
    world.member.language = "zh-hans"
    world.member.save()
    page = world.http(world.member).get(reverse("playbooks:list")).content.decode()
    assert "软件 / IT 实施项目" in page and "建筑 / 工程设计项目" in page


def test_use_template_creates_the_project(world):
    response = world.http(world.manager).post(
        reverse("playbooks:use", args=[_builtin().pk]),
        {
            "client": world.client.pk,
            "code": "WEB-1",
            "name": "New website",
            "start_date": "2026-04-01",
            "manager": world.manager.pk,
        },
    )
    project = Project.objects.get(code="WEB-1")
    assert response.url == reverse("projects:detail", args=[project.pk])
    assert project.milestones.count() == len(_builtin().milestones)


def test_use_template_duplicate_code_is_refused_on_the_field(world):
    response = world.http(world.manager).post(
        reverse("playbooks:use", args=[_builtin().pk]),
        {"client": world.client.pk, "code": world.project.code, "name": "Dup", "start_date": "2026-04-01"},
    )
    assert response.status_code == 422 and "id_code_errors" in response.content.decode()


def test_other_organisations_template_is_404(world):
    theirs = ProjectTemplate.objects.create(organization=world.other_org, key="theirs", name={"en": "Theirs"})
    http = world.http(world.admin)
    assert http.get(reverse("playbooks:detail", args=[theirs.pk])).status_code == 404
    assert http.get(reverse("playbooks:use", args=[theirs.pk])).status_code == 404
    assert http.post(reverse("playbooks:delete", args=[theirs.pk])).status_code == 404
    assert world.api(world.admin).get(f"/project-templates/{theirs.pk}").status_code == 404
    assert world.api(world.admin).delete(f"/project-templates/{theirs.pk}").status_code == 404
    assert ProjectTemplate.objects.filter(pk=theirs.pk).exists()


def test_builtin_cannot_be_deleted(world):
    assert world.http(world.admin).post(reverse("playbooks:delete", args=[_builtin().pk])).status_code == 404
    assert world.api(world.admin).delete(f"/project-templates/{_builtin().pk}").status_code == 422


def test_save_project_as_template_page(world):
    http = world.http(world.manager)
    response = http.post(
        reverse("playbooks:save_from_project", args=[world.project.pk]), {"name": "ERP playbook"}
    )
    template = ProjectTemplate.objects.get(organization=world.org)
    assert response.url == reverse("playbooks:detail", args=[template.pk])
    assert (
        world.http(world.admin)
        .get(reverse("playbooks:save_from_project", args=[world.foreign_project.pk]))
        .status_code
        == 404
    )


def test_api_use_and_bad_input(world):
    api = world.api(world.manager)
    body = {"client_id": world.client.pk, "code": "C-1", "name": "Audit", "start_date": "2026-05-04"}
    created = api.post(f"/project-templates/{_builtin('consulting-engagement').pk}/projects", body)
    assert created.status_code == 201 and created.json()["end_date"] == "2026-07-03"
    again = api.post(f"/project-templates/{_builtin('consulting-engagement').pk}/projects", body)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "code"
    bad = api.post(
        f"/project-templates/{_builtin().pk}/projects",
        {**body, "code": "C-2", "client_id": world.foreign_client.pk},
    )
    assert bad.status_code == 422
    bad = api.post(
        f"/project-templates/{_builtin().pk}/projects", {**body, "code": "C-3", "start_date": "soon"}
    )
    assert bad.status_code == 422
    own = api.post(f"/projects/{world.project.pk}/save-as-template", {"name": "Mine"}).json()
    patched = api.patch(
        f"/project-templates/{own['id']}",
        {"risks": [{"category": "technical", "probability": 9, "impact": 1, "title": {"en": "x"}}]},
    )
    assert patched.status_code == 422 and patched.json()["errors"][0]["field"].startswith("risks.0")


def test_use_template_code_differing_only_in_case_is_refused_on_the_form(world):
    """A template creates its project through project_create, so ``erp-01`` cannot sit beside ``ERP-01``."""
    Project.objects.filter(pk=world.project.pk).update(code="ERP-01")
    before = Project.objects.count()
    response = world.http(world.manager).post(
        reverse("playbooks:use", args=[_builtin().pk]),
        {"client": world.client.pk, "code": "erp-01", "name": "Twin", "start_date": "2026-04-01"},
    )
    assert response.status_code == 422 and "id_code_errors" in response.content.decode()
    assert Project.objects.count() == before


def test_api_use_template_code_differing_only_in_case_is_refused(world):
    Project.objects.filter(pk=world.project.pk).update(code="ERP-01")
    before = Project.objects.count()
    response = world.api(world.manager).post(
        f"/project-templates/{_builtin().pk}/projects",
        {"client_id": world.client.pk, "code": "erp-01", "name": "Twin", "start_date": "2026-04-01"},
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "code"
    assert Project.objects.count() == before
