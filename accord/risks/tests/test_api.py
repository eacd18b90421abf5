"""Risk API: validation (422 per field), tenancy (404), keyset pages and query counts."""

import pytest

from accord.risks.models import Risk
from accord.risks.tests.factories import ContingencyActionFactory, RiskFactory


@pytest.mark.parametrize("n", [2, 50])
def test_list_query_count(world, django_assert_num_queries, n):
    for _ in range(n):
        ContingencyActionFactory(risk=RiskFactory(project=world.project))
    api = world.api(world.member)
    with django_assert_num_queries(4):
        response = api.get("/risks", {"limit": 100})
    assert response.status_code == 200 and len(response.json()["items"]) == n


def test_list_filters_and_keyset_pages(world):
    hot = RiskFactory(project=world.project, probability=5, impact=5, score=25)
    RiskFactory(project=world.project, probability=1, impact=2, score=2)
    RiskFactory(project=world.foreign_project)
    api = world.api(world.member)
    assert [r["id"] for r in api.get("/risks", {"level": "critical"}).json()["items"]] == [hot.pk]
    first = api.get("/risks", {"limit": 1}).json()
    second = api.get("/risks", {"limit": 1, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == len(second["items"]) == 1 and second["next_cursor"] is None
    assert api.get("/risks", {"cursor": "!!!"}).status_code == 422


@pytest.mark.parametrize(
    "body,field",
    [
        ({"title": "x", "probability": 7}, "probability"),
        ({"title": "x", "impact": 0}, "impact"),
        ({"title": "x", "probability": "high"}, "probability"),
        ({"title": "x", "category": "weather"}, "category"),
        ({"title": "x", "owner_id": 999999}, "owner_id"),
        ({"title": ""}, "title"),
        ({}, "title"),
    ],
)
def test_create_bad_input_is_422_on_the_field(world, body, field):
    response = world.api(world.member).post(f"/projects/{world.project.pk}/risks", body)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Risk.objects.exists()


def test_create_get_patch_actions_and_conversion(world):
    api = world.api(world.member)
    response = api.post(
        f"/projects/{world.project.pk}/risks",
        {
            "title": "Data quality",
            "category": "technical",
            "probability": 4,
            "impact": 4,
            "owner_id": world.member.pk,
        },
    )
    assert response.status_code == 201
    risk = response.json()
    assert (risk["score"], risk["level"]) == (16, "high")
    action = api.post(
        f"/risks/{risk['id']}/actions", {"description": "Cleanse in staging", "due_date": "2026-12-01"}
    )
    assert action.status_code == 201
    assert api.patch(f"/risk-actions/{action.json()['id']}", {"done": True}).json()["done"] is True
    patched = api.patch(f"/risks/{risk['id']}", {"probability": 2, "note": "profiling done"}).json()
    assert patched["score"] == 8
    history = api.get(f"/risks/{risk['id']}/score-changes").json()
    assert [h["new_score"] for h in history] == [8, 16]
    assert api.post(f"/risks/{risk['id']}/status", {"status": "gone"}).status_code == 422
    assert api.post(f"/risks/{risk['id']}/to-change-request").status_code == 201
    assert (
        api.post(f"/risks/{risk['id']}/status", {"status": "open"}).status_code == 422
    )  # occurred → open refused
    cells = api.get(f"/projects/{world.project.pk}/risk-heat-map").json()
    assert len(cells) == 25 and sum(c["count"] for c in cells) == 1


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/risks/{id}"),
        ("patch", "/risks/{id}"),
        ("delete", "/risks/{id}"),
        ("post", "/risks/{id}/status"),
        ("post", "/risks/{id}/review"),
        ("post", "/risks/{id}/to-tasks"),
        ("post", "/risks/{id}/to-change-request"),
        ("get", "/risks/{id}/score-changes"),
        ("post", "/risks/{id}/actions"),
    ],
)
def test_other_organisation_is_404(world, method, path):
    foreign = RiskFactory(project=world.foreign_project)
    own = RiskFactory(project=world.project)
    api = world.api(world.admin)
    call = getattr(api, method)
    kwargs = (
        {}
        if method in ("get", "delete")
        else {"data": {"status": "closed", "description": "x", "next_review_on": None}}
    )
    assert call(path.format(id=foreign.pk), **kwargs).status_code == 404
    assert call(path.format(id=own.pk), **kwargs).status_code in (200, 201, 204)
