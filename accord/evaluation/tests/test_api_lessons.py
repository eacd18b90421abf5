"""Lessons offered at project start, through the API: listed with this project's take-up, taken
up into the project's risks or acknowledged (the services of the web page)."""

import pytest

from accord.evaluation.models import LessonUse
from accord.evaluation.tests.factories import LessonFactory
from accord.risks.models import Risk

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson(world):
    world.client.industry = "manufacturing"
    world.client.save()
    return LessonFactory(
        organization=world.org,
        title="Freeze the pilot's scope",
        recommendation="Sign the scope before the pilot.",
        industry="manufacturing",
        phase="execution",
        category="requirements",
    )


def test_a_lesson_is_offered_then_taken_up_as_a_risk(world, lesson):
    api = world.api(world.member)
    offered = api.get(f"/projects/{world.project.pk}/lessons-offered")
    assert offered.status_code == 200, offered.content
    assert [(o["id"], o["use"]) for o in offered.json()] == [(lesson.pk, None)]
    response = api.post(f"/projects/{world.project.pk}/lessons-offered/{lesson.pk}", {"kind": "risk"})
    assert response.status_code == 200, response.content
    body = response.json()
    risk = Risk.objects.get(pk=body["risk_id"])
    assert risk.project_id == world.project.pk and risk.mitigation == "Sign the scope before the pilot."
    offered = api.get(f"/projects/{world.project.pk}/lessons-offered").json()
    assert offered[0]["use"]["kind"] == "risk"


def test_acknowledging_twice_keeps_one_take_up(world, lesson):
    api = world.api(world.manager)
    path = f"/projects/{world.project.pk}/lessons-offered/{lesson.pk}"
    first = api.post(path, {"kind": "acknowledged"}).json()
    second = api.post(path, {"kind": "acknowledged"}).json()
    assert first["id"] == second["id"] and first["risk_id"] is None
    assert LessonUse.objects.count() == 1 and not Risk.objects.exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "This lesson is already in the project's risks."),
        ("zh-hans", "该经验教训已在项目风险中。"),
    ],
)
def test_a_lesson_already_in_the_risks_is_a_translated_422(world, lesson, language, message):
    api = world.api(world.member)
    path = f"/projects/{world.project.pk}/lessons-offered/{lesson.pk}"
    assert api.post(path, {"kind": "risk"}).status_code == 200
    response = api.post(path, {"kind": "risk"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "lesson", "message": message}]
    assert Risk.objects.count() == 1


def test_a_member_cannot_take_up_on_a_project_they_are_not_on(world, lesson):
    response = world.api(world.member).post(
        f"/projects/{world.other_project.pk}/lessons-offered/{lesson.pk}", {"kind": "risk"}
    )
    assert response.status_code == 404
    assert not LessonUse.objects.exists() and not Risk.objects.exists()


def test_another_organisations_lesson_is_not_found(world, lesson):
    foreign = LessonFactory(organization=world.other_org, title="Theirs")
    response = world.api(world.member).post(
        f"/projects/{world.project.pk}/lessons-offered/{foreign.pk}", {"kind": "acknowledged"}
    )
    assert response.status_code == 404
    assert not LessonUse.objects.exists()


def test_an_unknown_kind_is_refused(world, lesson):
    response = world.api(world.member).post(
        f"/projects/{world.project.pk}/lessons-offered/{lesson.pk}", {"kind": "ignore"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "kind"
