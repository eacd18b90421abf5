"""Risk pages: heat map, filters, review queue, conversion buttons, tenancy and query counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accord.changes.models import ChangeRequest
from accord.projects.models import Task
from accord.risks.models import Risk, RiskStatus
from accord.risks.tests.factories import ContingencyActionFactory, RiskFactory


def _risks(world, n, project=None):
    for _ in range(n):
        risk = RiskFactory(
            project=project or world.project,
            owner=world.member,
            next_review_on=timezone.localdate() - dt.timedelta(days=1),
        )
        ContingencyActionFactory(risk=risk, owner=world.member)


@pytest.mark.parametrize("n", [2, 50])
def test_project_list_query_count(world, django_assert_num_queries, n):
    _risks(world, n)
    http = world.http(world.member)
    url = reverse("risks:project_list", args=[world.project.pk])
    http.get(url)
    with django_assert_num_queries(7):
        response = http.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('href="/risks/') >= n


@pytest.mark.parametrize("n", [2, 50])
def test_review_queue_query_count(world, django_assert_num_queries, n):
    _risks(world, n)
    http = world.http(world.member)
    http.get(reverse("risks:queue"))
    with django_assert_num_queries(5):
        response = http.get(reverse("risks:queue"))
    assert response.status_code == 200


def test_review_queue_shows_only_due_risks_of_visible_projects(world):
    due = RiskFactory(project=world.project, title="Due one", next_review_on=timezone.localdate())
    RiskFactory(
        project=world.project, title="Later one", next_review_on=timezone.localdate() + dt.timedelta(days=9)
    )
    RiskFactory(project=world.other_project, title="Hidden one", next_review_on=timezone.localdate())
    RiskFactory(project=world.foreign_project, title="Foreign one", next_review_on=timezone.localdate())
    body = world.http(world.member).get(reverse("risks:queue")).content.decode()
    assert (
        due.title in body
        and "Later one" not in body
        and "Hidden one" not in body
        and "Foreign one" not in body
    )
    body = world.http(world.manager).get(reverse("risks:queue")).content.decode()
    assert "Hidden one" in body and "Foreign one" not in body


def test_heat_map_cells_link_to_the_filtered_list(world):
    RiskFactory(project=world.project, title="Hot", probability=5, impact=4, score=20)
    RiskFactory(project=world.project, title="Cold", probability=1, impact=1, score=1)
    http = world.http(world.member)
    url = reverse("risks:project_list", args=[world.project.pk])
    page = http.get(url).content.decode()
    assert 'data-cell="5-4"' in page and "p=5&amp;i=4" in page
    filtered = http.get(url, {"p": 5, "i": 4}).content.decode()
    assert "Hot" in filtered and "Cold" not in filtered
    assert "Cold" in http.get(url, {"level": "low"}).content.decode()
    assert "Hot" not in http.get(url, {"level": "low"}).content.decode()


def test_bad_filter_values_do_not_break_the_list(world):
    response = world.http(world.member).get(
        reverse("risks:project_list", args=[world.project.pk]), {"p": "9", "level": "nope", "status": "x"}
    )
    assert response.status_code == 200


def test_create_with_probability_seven_is_refused_on_the_field(world):
    response = world.http(world.member).post(
        reverse("risks:create", args=[world.project.pk]),
        {"title": "Too likely", "category": "technical", "probability": 7, "impact": 2},
    )
    assert response.status_code == 422
    assert "id_probability_errors" in response.content.decode()
    assert not Risk.objects.exists()


def test_create_edit_and_detail(world):
    http = world.http(world.member)
    response = http.post(
        reverse("risks:create", args=[world.project.pk]),
        {
            "title": "Key user on leave",
            "category": "client_side",
            "probability": 3,
            "impact": 4,
            "owner": world.member.pk,
        },
    )
    risk = Risk.objects.get()
    assert response.status_code == 302 and risk.score == 12
    http.post(
        reverse("risks:edit", args=[risk.pk]),
        {
            "title": "Key user on leave",
            "category": "client_side",
            "probability": 5,
            "impact": 4,
            "note": "Confirmed",
        },
    )
    risk.refresh_from_db()
    assert risk.score == 20
    page = http.get(reverse("risks:detail", args=[risk.pk])).content.decode()
    assert "Confirmed" in page and "3×4 = 12" in page


def test_contingency_action_and_one_step_conversions(world):
    risk = RiskFactory(project=world.project)
    http = world.http(world.member)
    http.post(
        reverse("risks:action_create", args=[risk.pk]),
        {"description": "Call backup vendor", "owner": world.member.pk},
    )
    assert risk.actions.get().owner == world.member
    response = http.post(reverse("risks:action_create", args=[risk.pk]), {"description": ""})
    assert response.status_code == 422
    http.post(reverse("risks:to_tasks", args=[risk.pk]))
    assert Task.objects.filter(project=world.project, kind="issue").count() == 1
    risk.refresh_from_db()
    assert risk.status == RiskStatus.OCCURRED
    response = http.post(reverse("risks:to_change", args=[risk.pk]))
    change = ChangeRequest.objects.get()
    assert response.url == reverse("changes:detail", args=[change.pk])


def test_refused_status_move_is_shown_not_500(world):
    risk = RiskFactory(project=world.project, status=RiskStatus.CLOSED)
    response = world.http(world.member).post(
        reverse("risks:status", args=[risk.pk]), {"status": "occurred"}, follow=True
    )
    assert response.status_code == 200
    risk.refresh_from_db()
    assert risk.status == RiskStatus.CLOSED


@pytest.mark.parametrize(
    "name,make",
    [
        ("risks:project_list", lambda p: p),
        ("risks:create", lambda p: p),
        ("risks:detail", lambda p: RiskFactory(project=p)),
        ("risks:edit", lambda p: RiskFactory(project=p)),
        ("risks:delete", lambda p: RiskFactory(project=p)),
    ],
)
def test_own_organisation_200_other_organisation_404(world, name, make):
    own, foreign = make(world.project), make(world.foreign_project)
    http = world.http(world.admin)
    assert http.get(reverse(name, args=[own.pk])).status_code == 200
    assert http.get(reverse(name, args=[foreign.pk])).status_code == 404


@pytest.mark.parametrize(
    "name", ["risks:status", "risks:review", "risks:to_tasks", "risks:to_change", "risks:action_create"]
)
def test_posts_on_another_organisations_risk_are_404(world, name):
    risk = RiskFactory(project=world.foreign_project)
    assert (
        world.http(world.admin).post(reverse(name, args=[risk.pk]), {"status": "closed"}).status_code == 404
    )
    risk.refresh_from_db()
    assert risk.status == RiskStatus.OPEN and not Task.objects.exists()


def test_action_toggle_and_delete_other_organisation_404(world):
    action = ContingencyActionFactory(risk=RiskFactory(project=world.foreign_project))
    http = world.http(world.admin)
    assert http.post(reverse("risks:action_toggle", args=[action.pk])).status_code == 404
    assert http.post(reverse("risks:action_delete", args=[action.pk])).status_code == 404
    own = ContingencyActionFactory(risk=RiskFactory(project=world.project))
    assert http.post(reverse("risks:action_toggle", args=[own.pk])).status_code == 302
    own.refresh_from_db()
    assert own.done


@pytest.mark.parametrize("language", ["en-us", "en-gb", "zh-hans"])
def test_edit_form_keeps_the_review_date_when_saved_unchanged(world, language):
    """A date input takes only ISO values: in any language the form shows the date it holds, so
    saving the form as shown keeps it."""
    world.member.language = language
    world.member.save(update_fields=["language"])
    risk = RiskFactory(project=world.project, owner=world.member, next_review_on=dt.date(2026, 4, 15))
    http = world.http(world.member)
    body = http.get(reverse("risks:edit", args=[risk.pk])).content.decode()
    assert 'name="next_review_on" value="2026-04-15"' in body
    http.post(
        reverse("risks:edit", args=[risk.pk]),
        {
            "title": risk.title,
            "category": risk.category,
            "probability": risk.probability,
            "impact": risk.impact,
            "owner": world.member.pk,
            "next_review_on": "2026-04-15",
        },
    )
    risk.refresh_from_db()
    assert risk.next_review_on == dt.date(2026, 4, 15)
