"""Change request states, the client's decision and the baseline it revises."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.audit.models import AuditAction, AuditEntry
from accord.changes import services
from accord.changes.models import Baseline, ChangeRequest, ChangeStatus
from accord.changes.tests.factories import ChangeRequestFactory, assessed
from accord.comms.models import Event, Notification
from accord.testing import factories as f


def _submitted(world, **kwargs):
    change = services.change_request_create(
        actor=world.as_member(world.manager),
        project=world.project,
        title="Extra report",
        requested_by=world.contact,
        **kwargs,
    )
    return services.change_request_submit(actor=world.as_member(world.manager), change_request=change)


def _assess(world, change, days=5, cost="1000.00", milestones=()):
    return services.change_request_assess(
        actor=world.as_member(world.manager),
        change_request=change,
        schedule_days=days,
        effort_hours="16",
        cost_amount=cost,
        affected_milestones=milestones,
    )


def _approve(world, change, name="Li Na"):
    return services.change_request_decide(
        actor=world.as_member(world.client_user), change_request=change, approve=True, name=name
    )


def _denied(change, verb):
    return AuditEntry.objects.filter(object_id=str(change.pk), verb=verb, action=AuditAction.DENIED).count()


# --- transitions --------------------------------------------------------------------------------


def test_full_path_draft_to_implemented(world):
    change = _submitted(world)
    assert change.status == ChangeStatus.SUBMITTED and change.submitted_at
    assert Event.objects.filter(name="change_request.submitted").count() == 1
    assert Notification.objects.filter(user=world.member, title__contains="Extra report").exists()
    change = _assess(world, change)
    assert change.status == ChangeStatus.ASSESSED
    assert change.currency == world.project.currency
    change = _approve(world, change)
    assert change.status == ChangeStatus.APPROVED
    assert change.decided_by == world.contact and change.decided_by_name == "Li Na" and change.decided_at
    assert Event.objects.filter(name="change_request.decided", payload__status="approved").count() == 1
    assert Notification.objects.filter(user=world.manager, title__contains="approved").exists()
    change = services.change_request_implement(actor=world.as_member(world.manager), change_request=change)
    assert change.status == ChangeStatus.IMPLEMENTED


def test_reject_keeps_the_baseline(world):
    change = _assess(world, _submitted(world))
    end, budget = world.project.end_date, world.project.budget_amount
    change = services.change_request_decide(
        actor=world.as_member(world.client_user),
        change_request=change,
        approve=False,
        name="Li Na",
        comment="Too expensive",
    )
    assert change.status == ChangeStatus.REJECTED and change.decision_comment == "Too expensive"
    world.project.refresh_from_db()
    assert (world.project.end_date, world.project.budget_amount) == (end, budget)
    assert not Baseline.objects.filter(project=world.project).exists()


def test_assessment_can_be_revised_before_the_decision(world):
    change = _assess(world, _submitted(world), days=5)
    change = _assess(world, change, days=8)
    assert change.schedule_days == 8 and change.status == ChangeStatus.ASSESSED


@pytest.mark.parametrize(
    "status,action",
    [
        (ChangeStatus.SUBMITTED, "submit"),
        (ChangeStatus.ASSESSED, "submit"),
        (ChangeStatus.DRAFT, "assess"),
        (ChangeStatus.APPROVED, "assess"),
        (ChangeStatus.REJECTED, "assess"),
        (ChangeStatus.DRAFT, "approve"),
        (ChangeStatus.SUBMITTED, "approve"),
        (ChangeStatus.REJECTED, "approve"),
        (ChangeStatus.IMPLEMENTED, "reject"),
        (ChangeStatus.DRAFT, "implement"),
        (ChangeStatus.ASSESSED, "implement"),
        (ChangeStatus.REJECTED, "implement"),
        (ChangeStatus.IMPLEMENTED, "implement"),
    ],
)
def test_refused_transitions_change_nothing_and_are_audited(world, status, action):
    change = ChangeRequestFactory(project=world.project, status=status)
    before = ChangeRequest.objects.filter(pk=change.pk).values().get()
    calls = {
        "submit": lambda: services.change_request_submit(
            actor=world.as_member(world.manager), change_request=change
        ),
        "assess": lambda: _assess(world, change),
        "approve": lambda: _approve(world, change),
        "reject": lambda: services.change_request_decide(
            actor=world.as_member(world.client_user), change_request=change, approve=False, name="Li Na"
        ),
        "implement": lambda: services.change_request_implement(
            actor=world.as_member(world.manager), change_request=change
        ),
    }
    with pytest.raises(ValidationError):
        calls[action]()
    assert ChangeRequest.objects.filter(pk=change.pk).values().get() == before
    assert _denied(change, action) == 1


def test_approving_a_never_assessed_request_is_refused_clearly(world):
    change = _submitted(world)
    with pytest.raises(ValidationError) as exc:
        _approve(world, change)
    assert "not been assessed" in str(exc.value)
    assert _denied(change, "approve") == 1
    assert not Baseline.objects.exists()


def test_decider_must_be_a_client_contact_of_that_project(world):
    change = _assess(world, _submitted(world))
    # A contact of the same client with a portal account, but not a stakeholder of this project.
    other_user = f.UserFactory(email="wang@client.example")
    other = f.MembershipFactory(organization=world.org, user=other_user, role="client")
    f.ContactFactory(client=world.client, portal_user=other_user)
    with pytest.raises(PermissionDenied):
        services.change_request_decide(actor=other, change_request=change, approve=True, name="Wang")
    # A team member is not a client contact at all.
    with pytest.raises(PermissionDenied):
        services.change_request_decide(
            actor=world.as_member(world.manager), change_request=change, approve=True, name="M"
        )
    change.refresh_from_db()
    assert change.status == ChangeStatus.ASSESSED and change.decided_by is None
    assert _denied(change, "approve") == 2


def test_recorded_decision_needs_a_stakeholder_contact(world):
    change = _assess(world, _submitted(world))
    with pytest.raises(PermissionDenied):
        services.change_request_record_decision(
            actor=world.as_member(world.manager),
            change_request=change,
            contact=world.foreign_contact,
            approve=True,
        )
    change = services.change_request_record_decision(
        actor=world.as_member(world.manager),
        change_request=change,
        contact=world.contact,
        approve=True,
        comment="by e-mail",
    )
    assert change.decided_by_name == world.contact.display_name
    entry = AuditEntry.objects.get(object_id=str(change.pk), verb="approved")
    assert entry.actor == world.manager


def test_a_signature_name_is_required(world):
    change = _assess(world, _submitted(world))
    with pytest.raises(ValidationError) as exc:
        _approve(world, change, name="  ")
    assert "name" in exc.value.message_dict


def test_second_approval_on_a_stale_object_is_refused(world):
    """Two people approving at once: the second call works from a stale copy and is refused."""
    change = _assess(world, _submitted(world), days=4, cost="500")
    stale = ChangeRequest.objects.get(pk=change.pk)
    _approve(world, change)
    with pytest.raises(ValidationError) as exc:
        _approve(world, stale, name="Somebody else")
    assert "already decided" in str(exc.value)
    assert Baseline.objects.filter(project=world.project).count() == 2  # original + one revision
    world.project.refresh_from_db()
    assert world.project.budget_amount == Decimal("100500.00")
    assert _denied(change, "approve") == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_approvals_yield_one_decision(world):
    change = _assess(world, _submitted(world), days=3, cost="300")
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(name):
        try:
            barrier.wait(timeout=10)
            stale = ChangeRequest.objects.get(pk=change.pk)
            services.change_request_decide(
                actor=world.as_member(world.client_user), change_request=stale, approve=True, name=name
            )
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(n,)) for n in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert Baseline.objects.filter(project=world.project).count() == 2


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field,kwargs",
    [
        ("cost_amount", {"cost_amount": "-1"}),
        ("cost_amount", {"cost_amount": "abc"}),
        ("cost_amount", {"cost_amount": "NaN"}),
        ("effort_hours", {"effort_hours": "-5"}),
        ("schedule_days", {"schedule_days": -3}),
        ("schedule_days", {"schedule_days": 99999}),
        ("schedule_days", {"schedule_days": "5"}),
    ],
)
def test_assessment_bad_input(world, field, kwargs):
    change = _submitted(world)
    values = {"schedule_days": 1, "effort_hours": "1", "cost_amount": "1", **kwargs}
    with pytest.raises(ValidationError) as exc:
        services.change_request_assess(actor=world.as_member(world.manager), change_request=change, **values)
    assert field in exc.value.message_dict
    change.refresh_from_db()
    assert change.status == ChangeStatus.SUBMITTED


def test_assessment_refuses_milestones_of_another_project(world):
    change = _submitted(world)
    foreign = f.MilestoneFactory(project=world.other_project)
    with pytest.raises(ValidationError) as exc:
        _assess(world, change, milestones=[foreign])
    assert "affected_milestones" in exc.value.message_dict


def test_requested_by_must_be_a_contact_of_the_projects_client(world):
    with pytest.raises(ValidationError) as exc:
        services.change_request_create(
            actor=world.as_member(world.manager),
            project=world.project,
            title="X",
            requested_by=world.foreign_contact,
        )
    assert "requested_by" in exc.value.message_dict


def test_client_submit_only_on_own_project(world):
    change = services.change_request_client_submit(
        actor=world.as_member(world.client_user),
        contact=world.contact,
        project=world.project,
        title="Add a field",
    )
    assert change.status == ChangeStatus.SUBMITTED and change.requested_by == world.contact
    with pytest.raises(PermissionDenied):
        services.change_request_client_submit(
            actor=world.as_member(world.client_user),
            contact=world.contact,
            project=world.other_project,
            title="No",
        )


# --- baseline arithmetic ------------------------------------------------------------------------


def test_first_approval_captures_the_original_baseline_then_revises_it(world):
    project = world.project
    m1 = f.MilestoneFactory(project=project, due_date=project.start_date + dt.timedelta(days=20))
    m2 = f.MilestoneFactory(project=project, due_date=project.start_date + dt.timedelta(days=40))
    end = project.end_date
    change = _approve(world, _assess(world, _submitted(world), days=10, cost="2500.50", milestones=[m2]))
    base = list(Baseline.objects.filter(project=project).order_by("version"))
    assert [b.version for b in base] == [1, 2]
    assert base[0].end_date == end and base[0].budget_amount == Decimal("100000.00")
    assert base[1].end_date == end + dt.timedelta(days=10)
    assert base[1].budget_amount == Decimal("102500.50") and base[1].change_request == change
    assert base[1].milestone_dates[str(m1.pk)] == m1.due_date.isoformat()
    assert base[1].milestone_dates[str(m2.pk)] == (m2.due_date + dt.timedelta(days=10)).isoformat()
    original_m2 = m2.due_date
    m2.refresh_from_db()
    assert m2.due_date == m2.baseline_due_date == original_m2 + dt.timedelta(days=10)
    project.refresh_from_db()
    assert project.end_date == end + dt.timedelta(days=10)


@pytest.mark.parametrize(
    "currency,costs,expected",
    [
        ("EUR", ["0.10", "0.20", "1234.565"], Decimal("101234.87")),  # 0.10 + 0.20 + 1234.57 (half up)
        ("JPY", ["1500", "2499.5", "1"], Decimal("104001")),  # yen has no minor unit
    ],
)
def test_baseline_budget_is_exact_decimal_in_the_projects_currency(world, currency, costs, expected):
    project = world.project
    project.currency = currency
    project.save()
    for cost in costs:
        _approve(world, _assess(world, _submitted(world), days=1, cost=cost))
    project.refresh_from_db()
    assert project.budget_amount == expected
    latest = Baseline.objects.filter(project=project).order_by("-version").first()
    assert latest.currency == currency and latest.budget_amount == expected
    assert isinstance(latest.budget_amount, Decimal)


def test_currency_changed_after_assessment_blocks_approval(world):
    change = _assess(world, _submitted(world), cost="100")
    world.project.currency = "CNY"
    world.project.save()
    with pytest.raises(ValidationError):
        _approve(world, change)
    assert _denied(change, "approve") == 1


def test_project_without_budget_gets_the_cost_as_budget(world):
    world.project.budget_amount = None
    world.project.save()
    _approve(world, _assess(world, _submitted(world), cost="42.00"))
    world.project.refresh_from_db()
    assert world.project.budget_amount == Decimal("42.00")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    changes=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=60),
            st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False),
            st.booleans(),  # approved?
            st.booleans(),  # affects the milestone?
        ),
        min_size=1,
        max_size=5,
    )
)
def test_baseline_equals_original_plus_sum_of_approved_impacts(world, changes):
    project = f.ProjectFactory(client=world.client, manager=world.manager)
    project.contacts.add(world.contact)
    milestone = f.MilestoneFactory(project=project)
    original_end, original_budget, original_due = project.end_date, project.budget_amount, milestone.due_date
    days_total, cost_total, ms_days = 0, Decimal("0"), 0
    for days, cost, approve, affects in changes:
        change = assessed(project, days=days, cost=str(cost))
        if affects:
            change.milestone_links.create(organization_id=project.organization_id, milestone=milestone)
        services.change_request_decide(
            actor=world.as_member(world.client_user), change_request=change, approve=approve, name="Li Na"
        )
        if approve:
            days_total += days
            cost_total += cost
            ms_days += days if affects else 0
    project.refresh_from_db()
    milestone.refresh_from_db()
    assert project.end_date == original_end + dt.timedelta(days=days_total)
    assert project.budget_amount == original_budget + cost_total
    assert milestone.due_date == original_due + dt.timedelta(days=ms_days)
    latest = Baseline.objects.filter(project=project).order_by("-version").first()
    if not any(approve for _, _, approve, _ in changes):
        assert latest is None
    else:
        assert latest.end_date == project.end_date and latest.budget_amount == project.budget_amount
        assert latest.milestone_dates[str(milestone.pk)] == milestone.due_date.isoformat()
        assert latest.version == 1 + sum(1 for c in changes if c[2])


def test_services_refuse_a_member_the_project_does_not_allow(world):
    """The services check the actor's role themselves, whoever calls them."""
    member = world.as_member(world.member)  # on world.project, not on world.other_project
    mine = _submitted(world)
    theirs = services.change_request_create(
        actor=world.as_member(world.manager), project=world.other_project, title="Theirs"
    )
    refused = [
        lambda: services.change_request_create(actor=member, project=world.other_project, title="No"),
        lambda: services.change_request_create(
            actor=world.as_member(world.client_user), project=world.project, title="No"
        ),
        lambda: services.change_request_update(actor=member, change_request=theirs, title="No"),
        lambda: services.change_request_submit(actor=member, change_request=theirs),
        lambda: services.change_request_implement(actor=member, change_request=theirs),
        lambda: services.baseline_capture(actor=member, project=world.other_project),
        # Recording the client's decision is for the project's manager.
        lambda: services.change_request_record_decision(
            actor=member, change_request=mine, contact=world.contact, approve=True
        ),
        # A team member cannot ask for a change as the client.
        lambda: services.change_request_client_submit(
            actor=member, contact=world.contact, project=world.project, title="No"
        ),
    ]
    for call in refused:
        with pytest.raises(PermissionDenied):
            call()
    with pytest.raises(PermissionDenied):
        services.change_request_assess(
            actor=member, change_request=theirs, schedule_days=1, effort_hours="1", cost_amount="1"
        )
    assert ChangeRequest.objects.count() == 2
    assert ChangeRequest.objects.get(pk=theirs.pk).status == ChangeStatus.DRAFT
    assert not Baseline.objects.exists()
