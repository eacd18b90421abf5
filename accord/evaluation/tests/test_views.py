import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accord.evaluation import services
from accord.evaluation.models import CloseoutEvaluation, EvaluationStatus, HealthSnapshot, Lesson
from accord.testing import factories as f

from .factories import LessonFactory, RetroActionFactory, RetrospectiveFactory

pytestmark = pytest.mark.django_db


def _lessons(world, n):
    for i in range(n):
        LessonFactory(
            organization=world.org,
            industry="manufacturing" if i % 2 else "",
            title=f"变更 lesson {i}",
            project=world.other_project,
            tags="变更, UAT",
        )


def _retros(world, n):
    for _ in range(n):
        RetroActionFactory(retrospective=RetrospectiveFactory(project=world.project))


def _at_risk(world, n):
    for i in range(n):
        client = f.ClientFactory(organization=world.org, name=f"Client {i:03d}")
        HealthSnapshot.objects.create(
            organization=world.org,
            client=client,
            taken_on=timezone.localdate(),
            score=30 + i % 30,
            parts=[{"key": "recency", "score": 0, "weight": 15, "available": True, "detail": ""}],
        )


LISTS = [
    ("web", lambda w: reverse("evaluation:lesson_list") + "?q=变更", _lessons),
    ("web", lambda w: reverse("evaluation:project_lessons", args=[w.project.pk]), _lessons),
    ("web", lambda w: reverse("evaluation:project_retros", args=[w.project.pk]), _retros),
    ("web", lambda w: reverse("evaluation:at_risk"), _at_risk),
    ("api", lambda w: "/api/v1/lessons?q=变更", _lessons),
    ("api", lambda w: f"/api/v1/projects/{w.project.pk}/retrospectives", _retros),
    ("api", lambda w: "/api/v1/health/at-risk", _at_risk),
    ("api", lambda w: f"/api/v1/projects/{w.project.pk}/lessons", _lessons),
]


@pytest.mark.parametrize(("kind", "url_for", "make"), LISTS)
def test_list_query_counts_do_not_grow(world, kind, url_for, make, django_assert_num_queries):
    client = world.http(world.manager) if kind == "web" else world.api(world.manager)
    make(world, 2)
    client.get(url_for(world))  # warm: the API token's first use is recorded once
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url_for(world)).status_code == 200
    make(world, 48)
    with django_assert_num_queries(len(ctx.captured_queries)):
        response = client.get(url_for(world))
    assert response.status_code == 200


def test_lesson_search_page_in_chinese(world):
    LessonFactory(organization=world.org, title="需求变更要书面确认", recommendation="走变更请求流程")
    LessonFactory(organization=world.org, title="Book key users early")
    page = world.http(world.member).get(reverse("evaluation:lesson_list"), {"q": "书面"}).content.decode()
    assert "需求变更要书面确认" in page and "Book key users early" not in page


def test_closeout_through_the_pages(world):
    http = world.http(world.manager)
    project = world.project
    f.TaskFactory(
        project=project, estimate_hours=10, spent_hours=8, status="done", due_date=timezone.localdate()
    )
    assert (
        "Close-out evaluation" in http.get(reverse("evaluation:closeout", args=[project.pk])).content.decode()
    )
    assert http.post(reverse("evaluation:closeout_start", args=[project.pk])).status_code == 302
    bad = http.post(
        reverse("evaluation:closeout_edit", args=[project.pk]), {"actual_cost": "lots", "commentary": ""}
    )
    assert bad.status_code == 422 and "125000.00" in bad.content.decode()
    ok = http.post(
        reverse("evaluation:closeout_edit", args=[project.pk]),
        {"actual_cost": "90000", "commentary": "**Delivered** 按期交付"},
    )
    assert ok.status_code == 302
    page = http.get(reverse("evaluation:closeout", args=[project.pk])).content.decode()
    assert "<strong>Delivered</strong>" in page and "1.00" in page
    http.post(reverse("evaluation:closeout_finalise", args=[project.pk]))
    evaluation = CloseoutEvaluation.objects.get(project=project)
    assert evaluation.status == EvaluationStatus.FINAL and evaluation.figures["cost"]["cpi"] == "1.25"
    pdf = http.get(reverse("evaluation:closeout_pdf", args=[project.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_member_cannot_finalise(world):
    services.evaluation_start(actor=world.as_member(world.manager), project=world.project)
    assert (
        world.http(world.member)
        .post(reverse("evaluation:closeout_finalise", args=[world.project.pk]))
        .status_code
        == 403
    )
    assert CloseoutEvaluation.objects.get().status == EvaluationStatus.DRAFT


def test_health_pages_show_parts_and_reason(world):
    f.InteractionFactory(client=world.client, occurred_at=timezone.now() - dt.timedelta(days=1))
    services.health_snapshot_take(client=world.client, now=timezone.now() - dt.timedelta(days=1))
    f.TaskFactory(
        project=world.project, kind="action_item", due_date=timezone.localdate() - dt.timedelta(days=1)
    )
    http = world.http(world.member)
    page = http.get(reverse("evaluation:client_health", args=[world.client.pk])).content.decode()
    assert "Overdue action items" in page and "Why it moved" in page and 'data-testid="health-badge"' in page
    api = world.api(world.member).get(f"/api/v1/clients/{world.client.pk}/health").json()
    assert api["reasons"][0]["key"] == "actions" and len(api["parts"]) == 8


def test_health_refresh_fills_the_at_risk_list(world):
    http = world.http(world.manager)
    assert http.post(reverse("evaluation:health_refresh")).status_code == 302
    assert HealthSnapshot.objects.filter(client=world.client, project__isnull=True).exists()
    assert HealthSnapshot.objects.filter(organization=world.other_org).count() == 0
    page = http.get(reverse("evaluation:at_risk")).content.decode()
    assert world.client.name in page  # no interaction yet: low recency pulls the score under 70


def test_retrospective_and_lesson_flow(world):
    http = world.http(world.member)
    http.post(
        reverse("evaluation:retro_create", args=[world.project.pk]),
        {"title": "Phase 1", "held_on": "2026-05-04", "went_well": "Speed", "to_improve": "Data"},
    )
    retro = world.project.retrospectives.get()
    http.post(
        reverse("evaluation:action_add", args=[retro.pk]),
        {"title": "Earlier test data", "owner": world.member.pk},
    )
    action = retro.actions.get()
    assert action.owner == world.member
    http.post(reverse("evaluation:action_done", args=[action.pk]))
    action.refresh_from_db()
    assert action.done_at is not None
    http.post(
        reverse("evaluation:lesson_create") + f"?project={world.project.pk}",
        {"title": "测试数据要提前准备", "category": "planning", "phase": "planning", "industry": ""},
    )
    lesson = Lesson.objects.get()
    assert lesson.project == world.project


def test_other_organisation_gets_404(world):
    retro = RetrospectiveFactory(project=world.foreign_project)
    lesson = LessonFactory(organization=world.other_org)
    http = world.http(world.admin)
    assert http.get(reverse("evaluation:retro_detail", args=[retro.pk])).status_code == 404
    assert http.get(reverse("evaluation:lesson_detail", args=[lesson.pk])).status_code == 404
    assert http.get(reverse("evaluation:client_health", args=[world.foreign_client.pk])).status_code == 404
    assert http.get(reverse("evaluation:closeout_pdf", args=[world.foreign_project.pk])).status_code == 404
    assert world.api(world.admin).get(f"/api/v1/lessons/{lesson.pk}").status_code == 404
