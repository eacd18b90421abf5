import datetime as dt

import pytest
from django.utils import timezone

from accord.changes.models import ChangeRequest, ChangeStatus
from accord.crm.models import Sentiment
from accord.evaluation import health, selectors, services
from accord.evaluation.models import HealthSnapshot
from accord.feedback import services as feedback
from accord.feedback.tests.helpers import answers_for, sent_survey
from accord.projects.models import MilestoneStatus, TaskKind
from accord.risks.models import Risk
from accord.testing import factories as f

pytestmark = pytest.mark.django_db


def _parts(result):
    return {p.key: p for p in result.parts}


def test_weights_add_up_to_100():
    assert sum(health.WEIGHTS.values()) == 100


def test_empty_client_scores_recency_zero_and_counts_only_parts_with_data(world):
    result = health.compute(client=world.client)
    parts = _parts(result)
    assert parts["recency"].score == 0
    assert parts["sentiment"].score is None and parts["surveys"].score is None
    assert parts["actions"].score == 100 and parts["milestones"].score is None
    counted = [p for p in result.parts if p.counted]
    expected = round(sum(p.score * p.weight for p in counted) / sum(p.weight for p in counted))
    assert result.score == expected


def test_each_part_from_data(world):
    now = timezone.now()
    today = timezone.localdate()
    f.InteractionFactory(
        client=world.client,
        project=world.project,
        occurred_at=now - dt.timedelta(days=2),
        sentiment=Sentiment.POSITIVE,
    )
    f.InteractionFactory(
        client=world.client,
        project=world.project,
        occurred_at=now - dt.timedelta(days=3),
        sentiment=Sentiment.NEGATIVE,
    )
    f.TaskFactory(project=world.project, kind=TaskKind.ACTION_ITEM, due_date=today - dt.timedelta(days=1))
    f.MilestoneFactory(
        project=world.project,
        due_date=today - dt.timedelta(days=15),
        baseline_due_date=today - dt.timedelta(days=15),
    )
    survey, tokens = sent_survey(world)
    recipient, _p = feedback.recipient_for_token(tokens[world.contact.pk])
    feedback.response_submit(recipient=recipient, answers=answers_for(survey, csat=4, nps=10))
    parts = _parts(health.compute(client=world.client, project=world.project))
    assert parts["recency"].score == 100
    assert parts["sentiment"].score == 50  # (100 + 0) / 2
    assert parts["actions"].score == 75
    assert parts["milestones"].score == 50  # 15 of 30 days late
    # CSAT 4 → 75, NPS +100 → 100: mean 87.5 → 88.
    assert parts["surveys"].score == 88


def test_recency_is_linear_between_7_and_60_days(world):
    f.InteractionFactory(client=world.client, occurred_at=timezone.now() - dt.timedelta(days=33, hours=12))
    assert _parts(health.compute(client=world.client))["recency"].score == round(100 * (60 - 33) / 53)


def test_risk_change_and_cadence_parts_are_always_available(world):
    parts = _parts(health.compute(client=world.client, project=world.project))
    assert all(parts[key].available for key in ("risks", "changes", "cadence"))


def test_open_high_risks_lower_the_risk_part(world):
    Risk.objects.create(
        organization=world.org,
        project=world.project,
        title="Key user leaves",
        probability=4,
        impact=4,
        score=16,
    )
    Risk.objects.create(
        organization=world.org, project=world.project, title="Minor", probability=1, impact=2, score=2
    )
    assert _parts(health.compute(client=world.client, project=world.project))["risks"].score == 66


def test_pending_change_requests_lower_the_changes_part(world):
    ChangeRequest.objects.create(
        organization=world.org,
        project=world.project,
        title="More reports",
        requested_on=timezone.localdate(),
        status=ChangeStatus.SUBMITTED,
    )
    assert _parts(health.compute(client=world.client, project=world.project))["changes"].score == 75


def test_snapshot_and_the_reason_it_moved(world):
    yesterday = timezone.now() - dt.timedelta(days=1)
    f.InteractionFactory(
        client=world.client, occurred_at=yesterday - dt.timedelta(hours=1), sentiment=Sentiment.POSITIVE
    )
    services.health_snapshot_take(client=world.client, now=yesterday)
    f.TaskFactory(
        project=world.project, kind=TaskKind.ACTION_ITEM, due_date=timezone.localdate() - dt.timedelta(days=2)
    )
    f.TaskFactory(
        project=world.project, kind=TaskKind.ACTION_ITEM, due_date=timezone.localdate() - dt.timedelta(days=2)
    )
    view = selectors.client_health(world.client)
    assert view.previous_score is not None
    assert view.change == view.score - view.previous_score
    assert view.reasons[0]["key"] == "actions" and view.reasons[0]["change"] == -50


def test_daily_job_stores_one_snapshot_per_client_and_project_per_day(world):
    first = services.health_snapshots_run()
    second = services.health_snapshots_run()
    assert first == second
    assert HealthSnapshot.objects.filter(client=world.client, project__isnull=True).count() == 1
    assert HealthSnapshot.objects.filter(project=world.project).count() == 1


def test_clients_at_risk_lists_latest_low_snapshots(world):
    other = f.ClientFactory(organization=world.org, name="Fine client")
    HealthSnapshot.objects.create(
        organization=world.org,
        client=world.client,
        taken_on=timezone.localdate() - dt.timedelta(days=1),
        score=80,
        parts=[],
    )
    HealthSnapshot.objects.create(
        organization=world.org, client=world.client, taken_on=timezone.localdate(), score=35, parts=[]
    )
    HealthSnapshot.objects.create(
        organization=world.org, client=other, taken_on=timezone.localdate(), score=90, parts=[]
    )
    HealthSnapshot.objects.create(
        organization=world.other_org,
        client=world.foreign_client,
        taken_on=timezone.localdate(),
        score=10,
        parts=[],
    )
    rows = list(selectors.clients_at_risk(world.org.pk))
    assert [(r.client_id, r.score) for r in rows] == [(world.client.pk, 35)]


def test_milestone_slip_days():
    today = timezone.localdate()
    m = f.MilestoneFactory.build(
        due_date=today + dt.timedelta(days=5), baseline_due_date=today, status=MilestoneStatus.PLANNED
    )
    assert health.milestone_slip_days(m, today) == 5
    m = f.MilestoneFactory.build(
        due_date=today,
        baseline_due_date=today - dt.timedelta(days=10),
        completed_on=today - dt.timedelta(days=4),
        status=MilestoneStatus.DONE,
    )
    assert health.milestone_slip_days(m, today) == 6


def test_client_page_shows_health_with_why_it_moved_and_weakest_parts(world):
    from accord.evaluation.models import HealthSnapshot

    today = timezone.localdate()
    parts_before = [
        {"key": "recency", "score": 90, "weight": 15, "detail": "3 days"},
        {"key": "sentiment", "score": 80, "weight": 15, "detail": ""},
    ]
    parts_now = [
        {"key": "recency", "score": 40, "weight": 15, "detail": "35 days"},
        {"key": "sentiment", "score": 80, "weight": 15, "detail": ""},
    ]
    HealthSnapshot.objects.create(
        organization=world.org,
        client=world.client,
        taken_on=today - dt.timedelta(days=7),
        score=85,
        parts=parts_before,
    )
    HealthSnapshot.objects.create(
        organization=world.org, client=world.client, taken_on=today, score=60, parts=parts_now
    )
    body = world.http(world.member).get(f"/clients/{world.client.pk}/").content.decode()
    card = body[body.index('data-testid="health-card"') :]
    card = card[: card.index("</section>")]
    assert 'data-testid="health-score">60<' in card and "▼ -25" in card
    assert "Days since last interaction: 90 → 40" in card  # why it moved
    assert "35 days" in card  # the weakest part's detail


def test_client_page_without_snapshot_says_so(world):
    body = world.http(world.member).get(f"/clients/{world.client.pk}/").content.decode()
    assert "No health snapshot yet: it is taken daily." in body
