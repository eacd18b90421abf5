"""Risk register rules: scales, score history, status moves, one-step conversion, reminders."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accord.changes.models import ChangeRequest, ChangeStatus
from accord.comms.models import Event, Notification
from accord.projects.models import Task, TaskKind
from accord.risks import services
from accord.risks.models import Risk, RiskLevel, RiskScoreChange, RiskStatus, level_for
from accord.risks.tests.factories import RiskFactory


def _raise(world, **kwargs):
    values = {"title": "Vendor API late", "category": "technical", "probability": 4, "impact": 5}
    values.update(kwargs)
    return services.risk_create(actor=world.as_member(world.manager), project=world.project, **values)


@pytest.mark.parametrize(
    "score,level",
    [
        (1, RiskLevel.LOW),
        (4, RiskLevel.LOW),
        (5, RiskLevel.MEDIUM),
        (9, RiskLevel.MEDIUM),
        (10, RiskLevel.HIGH),
        (16, RiskLevel.HIGH),
        (20, RiskLevel.CRITICAL),
        (25, RiskLevel.CRITICAL),
    ],
)
def test_level_thresholds(score, level):
    assert level_for(score) == level


def test_raise_scores_records_history_notifies_owner_and_emits(world):
    risk = _raise(world, owner=world.member)
    assert (risk.score, risk.level) == (20, RiskLevel.CRITICAL)
    assert RiskScoreChange.objects.filter(risk=risk, old_score=None, new_score=20).count() == 1
    assert Event.objects.filter(name="risk.raised", payload__id=risk.pk, payload__level="critical").exists()
    assert Notification.objects.filter(user=world.member, url=f"/risks/{risk.pk}/").exists()


@pytest.mark.parametrize(
    "field,value", [("probability", 7), ("probability", 0), ("impact", 6), ("impact", "3"), ("impact", True)]
)
def test_scale_outside_one_to_five_is_refused(world, field, value):
    with pytest.raises(ValidationError) as exc:
        _raise(world, **{field: value})
    assert field in exc.value.message_dict
    assert not Risk.objects.exists()


def test_database_refuses_probability_seven(world):
    risk = RiskFactory(project=world.project)
    with pytest.raises(IntegrityError), transaction.atomic():
        Risk.objects.filter(pk=risk.pk).update(probability=7, score=21)


def test_database_refuses_a_score_that_is_not_p_times_i(world):
    risk = RiskFactory(project=world.project)
    with pytest.raises(IntegrityError), transaction.atomic():
        Risk.objects.filter(pk=risk.pk).update(score=25)


def test_owner_must_be_on_the_team(world):
    with pytest.raises(ValidationError) as exc:
        _raise(world, owner=world.client_user)
    assert "owner" in exc.value.message_dict
    with pytest.raises(ValidationError):
        _raise(world, owner=world.outsider)


def test_update_records_score_change_only_when_the_score_moves(world):
    risk = _raise(world)
    services.risk_update(actor=world.as_member(world.member), risk=risk, title="Vendor API very late")
    assert risk.score_changes.count() == 1
    risk = services.risk_update(
        actor=world.as_member(world.member),
        risk=risk,
        probability=2,
        impact=2,
        note="Vendor delivered a beta",
    )
    change = risk.score_changes.first()
    assert (change.old_score, change.new_score, change.note) == (20, 4, "Vendor delivered a beta")
    assert risk.level == RiskLevel.LOW


@pytest.mark.parametrize(
    "start,target,allowed",
    [
        (RiskStatus.OPEN, RiskStatus.MONITORING, True),
        (RiskStatus.OPEN, RiskStatus.OCCURRED, True),
        (RiskStatus.OPEN, RiskStatus.CLOSED, True),
        (RiskStatus.MONITORING, RiskStatus.OPEN, True),
        (RiskStatus.MONITORING, RiskStatus.OCCURRED, True),
        (RiskStatus.OCCURRED, RiskStatus.CLOSED, True),
        (RiskStatus.OCCURRED, RiskStatus.OPEN, False),
        (RiskStatus.CLOSED, RiskStatus.OPEN, True),
        (RiskStatus.CLOSED, RiskStatus.OCCURRED, False),
        (RiskStatus.CLOSED, RiskStatus.MONITORING, False),
    ],
)
def test_status_transitions(world, start, target, allowed):
    risk = RiskFactory(project=world.project, status=start)
    if allowed:
        risk = services.risk_set_status(actor=world.as_member(world.manager), risk=risk, status=target)
        assert risk.status == target
    else:
        with pytest.raises(ValidationError):
            services.risk_set_status(actor=world.as_member(world.manager), risk=risk, status=target)
        risk.refresh_from_db()
        assert risk.status == start


def test_unknown_status_is_refused(world):
    with pytest.raises(ValidationError):
        services.risk_set_status(
            actor=world.as_member(world.manager), risk=RiskFactory(project=world.project), status="gone"
        )


def test_occurred_emits_and_tells_the_manager(world):
    risk = _raise(world, owner=world.member)
    services.risk_set_status(actor=world.as_member(world.member), risk=risk, status=RiskStatus.OCCURRED)
    assert Event.objects.filter(name="risk.occurred", payload__id=risk.pk).exists()
    assert Notification.objects.filter(user=world.manager, title__contains="Risk occurred").exists()


def test_occurred_to_tasks_opens_an_issue_per_open_action(world):
    risk = _raise(world, owner=world.member)
    due = timezone.localdate() + dt.timedelta(days=3)
    services.contingency_action_create(
        actor=world.as_member(world.manager),
        risk=risk,
        description="Switch vendor",
        owner=world.member,
        due_date=due,
    )
    done = services.contingency_action_create(
        actor=world.as_member(world.manager), risk=risk, description="Warn the client"
    )
    services.contingency_action_update(actor=world.as_member(world.manager), action=done, done=True)
    tasks = services.risk_occurred_to_tasks(actor=world.as_member(world.manager), risk=risk)
    assert len(tasks) == 1
    task = Task.objects.get(pk=tasks[0].pk)
    assert (task.kind, task.assignee, task.due_date, task.project) == (
        TaskKind.ISSUE,
        world.member,
        due,
        world.project,
    )
    risk.refresh_from_db()
    assert risk.status == RiskStatus.OCCURRED and risk.occurred_at


def test_occurred_to_tasks_without_actions_opens_one_issue(world):
    risk = _raise(world)
    tasks = services.risk_occurred_to_tasks(actor=world.as_member(world.manager), risk=risk)
    assert [t.title for t in tasks] == [risk.title]


def test_occurred_from_closed_is_refused_without_creating_tasks(world):
    risk = RiskFactory(project=world.project, status=RiskStatus.CLOSED)
    with pytest.raises(ValidationError):
        services.risk_occurred_to_tasks(actor=world.as_member(world.manager), risk=risk)
    assert not Task.objects.exists()


def test_occurred_to_change_request(world):
    risk = _raise(world)
    change = services.risk_occurred_to_change_request(actor=world.as_member(world.manager), risk=risk)
    assert (
        change.status == ChangeStatus.DRAFT and change.from_risk == risk and change.project == world.project
    )
    assert ChangeRequest.objects.count() == 1


def test_contingency_action_rules(world):
    risk = _raise(world)
    with pytest.raises(ValidationError):
        services.contingency_action_create(actor=world.as_member(world.manager), risk=risk, description="   ")
    with pytest.raises(ValidationError):
        services.contingency_action_create(
            actor=world.as_member(world.manager), risk=risk, description="x", owner=world.outsider
        )
    action = services.contingency_action_create(
        actor=world.as_member(world.manager), risk=risk, description="Escalate"
    )
    action = services.contingency_action_update(
        actor=world.as_member(world.manager), action=action, done=True
    )
    assert action.done_at is not None
    action = services.contingency_action_update(
        actor=world.as_member(world.manager), action=action, done=False
    )
    assert action.done_at is None


def test_review_needs_a_future_date(world):
    risk = _raise(world)
    with pytest.raises(ValidationError):
        services.risk_reviewed(
            actor=world.as_member(world.manager), risk=risk, next_review_on=timezone.localdate()
        )
    risk = services.risk_reviewed(
        actor=world.as_member(world.manager),
        risk=risk,
        next_review_on=timezone.localdate() + dt.timedelta(days=7),
    )
    assert not risk.review_due


def test_review_reminders_once_a_day_per_owner(world):
    today = timezone.localdate()
    RiskFactory(project=world.project, owner=world.member, next_review_on=today)
    RiskFactory(project=world.project, owner=world.member, next_review_on=today - dt.timedelta(days=2))
    RiskFactory(project=world.project, owner=world.manager, next_review_on=today + dt.timedelta(days=1))
    RiskFactory(project=world.project, owner=world.manager, next_review_on=today, status=RiskStatus.CLOSED)
    assert services.risk_review_reminders(today=today) == 1
    note = Notification.objects.get(user=world.member)
    assert "2" in note.title
    assert services.risk_review_reminders(today=today) == 0
    assert not Notification.objects.filter(user=world.manager).exists()


@pytest.mark.django_db
def test_services_refuse_a_member_the_project_does_not_allow(world):
    """The services check the actor's role themselves, whoever calls them."""
    from django.core.exceptions import PermissionDenied

    from accord.risks.models import ContingencyAction

    risk = RiskFactory(project=world.project)
    other = RiskFactory(project=world.other_project)
    member = world.as_member(world.member)  # on world.project, not on world.other_project
    client = world.as_member(world.client_user)
    refused = [
        lambda: services.risk_create(actor=member, project=world.other_project, title="Late"),
        lambda: services.risk_create(actor=client, project=world.project, title="Late"),
        lambda: services.risk_update(actor=member, risk=other, title="Later"),
        lambda: services.risk_set_status(actor=member, risk=other, status=RiskStatus.CLOSED),
        lambda: services.risk_reviewed(actor=member, risk=other, next_review_on=None),
        lambda: services.risk_delete(actor=member, risk=risk),  # deleting needs the project's manager
        lambda: services.risk_occurred_to_tasks(actor=member, risk=other),
        lambda: services.risk_occurred_to_change_request(actor=member, risk=other),
        lambda: services.contingency_action_create(actor=member, risk=other, description="Call"),
        lambda: services.risk_create(actor=world.as_member(world.outsider), project=world.project, title="X"),
    ]
    for call in refused:
        with pytest.raises(PermissionDenied):
            call()
    assert Risk.objects.count() == 2
    assert not ContingencyAction.objects.exists()
    assert not Task.objects.exists()
    assert not ChangeRequest.objects.exists()
