import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accord.comms import obligations, services
from accord.comms.models import CadenceKind, Obligation, PlanItem
from accord.testing import factories as f


def _create(world, **overrides):
    fields = {
        "purpose": "Weekly status call",
        "channel": "phone",
        "cadence": CadenceKind.WEEKLY,
        "weekday": 2,
        "owner": world.manager,
        "start_date": world.project.start_date,
    }
    fields.update(overrides)
    contacts = fields.pop("contacts", [world.contact])
    return services.plan_item_create(
        actor=world.memberships[world.manager.pk], project=world.project, contacts=contacts, **fields
    )


def test_build_rrule_choices():
    assert services.build_rrule(cadence="weekly", weekday=0) == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"
    assert services.build_rrule(cadence="weeks", weekday=4, interval=2) == "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"
    assert services.build_rrule(cadence="monthly", start_date=dt.date(2026, 1, 15)) == (
        "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=15"
    )
    assert (
        services.build_rrule(cadence="monthly", start_date=dt.date(2026, 1, 31))
        == "FREQ=MONTHLY;BYMONTHDAY=-1"
    )
    assert services.build_rrule(cadence="once") == "FREQ=DAILY;COUNT=1"
    assert services.build_rrule(cadence="milestone") == ""
    with pytest.raises(ValidationError):
        services.build_rrule(cadence="weekly", weekday=None)
    with pytest.raises(ValidationError):
        services.build_rrule(cadence="weeks", weekday=1, interval=0)


@pytest.mark.parametrize(
    "bad", ["FREQ=SOMETIMES", "BYDAY=XX;FREQ=WEEKLY", "nonsense", "FREQ=WEEKLY;INTERVAL=abc"]
)
def test_bad_rrule_is_a_clear_error(bad):
    with pytest.raises(ValidationError) as exc:
        services.validate_rrule(bad)
    assert "rrule" in exc.value.error_dict


def test_good_rrule_passes():
    assert services.validate_rrule("RRULE:FREQ=WEEKLY;BYDAY=MO") == "FREQ=WEEKLY;BYDAY=MO"


def test_plan_item_generates_weekly_obligations_idempotently(world):
    item = _create(world)
    assert item.rrule == "FREQ=WEEKLY;INTERVAL=1;BYDAY=WE"
    dues = list(item.obligations.values_list("due_date", flat=True))
    assert dues and all(d.weekday() == 2 for d in dues)
    assert dues[0] >= world.project.start_date and dues[-1] <= world.project.end_date
    count = len(dues)
    assert obligations.generate(item) == 0
    assert item.obligations.count() == count
    first = item.obligations.order_by("due_date").first()
    assert first.window_start == first.due_date - dt.timedelta(days=6)


def test_changing_the_weekday_keeps_met_and_past_obligations(world):
    item = _create(world)
    past = item.obligations.filter(due_date__lt=timezone.localdate()).order_by("due_date").first()
    obligations.tick_off(obligation=past, user=world.manager, note="called")
    services.plan_item_update(actor=world.memberships[world.manager.pk], item=item, weekday=4)
    assert Obligation.objects.filter(pk=past.pk, status="met").exists()
    future = item.obligations.filter(due_date__gte=timezone.localdate())
    assert future.exists() and all(o.due_date.weekday() == 4 for o in future)


def test_milestone_cadence_follows_milestones(world):
    f_ms = f.MilestoneFactory if hasattr(f, "MilestoneFactory") else None
    from accord.projects.models import Milestone

    due = timezone.localdate() + dt.timedelta(days=20)
    if f_ms:
        f_ms(project=world.project, due_date=due)
    else:
        Milestone.objects.create(organization=world.org, project=world.project, name="Go-live", due_date=due)
    item = _create(world, cadence=CadenceKind.MILESTONE, weekday=None)
    assert list(item.obligations.values_list("due_date", flat=True)) == [due]


def test_monthly_and_every_n_weeks(world):
    item = _create(world, cadence=CadenceKind.WEEKS, interval=3, weekday=0)
    dues = sorted(item.obligations.values_list("due_date", flat=True))
    assert all((b - a).days == 21 for a, b in zip(dues, dues[1:], strict=False))
    monthly = _create(world, purpose="Steering", cadence=CadenceKind.MONTHLY, weekday=None)
    assert monthly.obligations.count() >= 3


def test_validation_rejects_contacts_of_another_client_and_bad_dates(world):
    other = f.ContactFactory(client=f.ClientFactory(organization=world.org))
    with pytest.raises(ValidationError) as exc:
        _create(world, contacts=[other])
    assert "audience_contacts" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        _create(world, end_date=world.project.start_date - dt.timedelta(days=1))
    assert "end_date" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        _create(world, owner=world.client_user)
    assert "owner" in exc.value.error_dict
    assert PlanItem.objects.count() == 0


def test_copy_plan_from_another_project(world):
    _create(world)
    services.responsibility_create(
        actor=world.memberships[world.manager.pk],
        project=world.project,
        user=world.member,
        contact=world.contact,
        channel="email",
    )
    copied = services.plan_copy(
        actor=world.memberships[world.manager.pk], source=world.project, target=world.other_project
    )
    assert copied == 1
    new = world.other_project.plan_items.get()
    assert new.obligations.exists()
    assert list(new.audience_contacts.all()) == [world.contact]
    assert world.other_project.responsibilities.count() == 1
    with pytest.raises(ValidationError):
        services.plan_copy(
            actor=world.memberships[world.manager.pk], source=world.project, target=world.project
        )


def test_services_refuse_a_member_the_project_or_role_does_not_allow(world):
    """The services check the actor's role themselves, whoever calls them."""
    from django.core.exceptions import PermissionDenied

    from accord.comms import compose, inbound
    from accord.comms.models import ChannelConfig, InboundMessage, Responsibility, WebhookSubscription

    member = world.as_member(world.member)  # on world.project's team, not its manager
    manager = world.as_member(world.manager)
    item = _create(world, channel="email")
    obligation = Obligation.objects.filter(plan_item=item).first()
    assert obligation is not None
    message = InboundMessage.objects.create(
        organization=world.org,
        channel="email",
        sender="x@client.example",
        received_at=timezone.now(),
        status="triage",
    )
    refused = [
        # The plan is the project manager's.
        lambda: services.plan_item_create(
            actor=member, project=world.project, purpose="No", channel="phone", cadence="weekly", weekday=1
        ),
        lambda: services.plan_item_update(actor=member, item=item, purpose="No"),
        lambda: services.plan_item_delete(actor=member, item=item),
        lambda: services.responsibility_create(
            actor=member, project=world.project, user=world.member, contact=world.contact, channel="email"
        ),
        lambda: services.plan_copy(actor=member, source=world.other_project, target=world.project),
        lambda: services.obligation_tick(actor=member, obligation=obligation, note="Called"),
        lambda: services.plan_item_create(
            actor=world.as_member(world.outsider), project=world.project, purpose="No", channel="phone"
        ),
        # Channels, the outbox and webhooks are the admins'.
        lambda: services.channel_config_create(actor=manager, kind="email", name="SMTP", smtp_host="x"),
        lambda: services.webhook_subscription_create(
            actor=manager, url="https://ok.example/x", events=["task.done"]
        ),
        # Only the organisation's team triages its inbox; only someone on the project sends for it.
        lambda: inbound.triage_discard(actor=world.as_member(world.client_user), inbound=message),
        lambda: inbound.triage_discard(actor=world.as_member(world.outsider), inbound=message),
        lambda: compose.obligation_send(
            actor=world.as_member(world.client_user), obligation=obligation, subject="S", body="B"
        ),
    ]
    for call in refused:
        with pytest.raises(PermissionDenied):
            call()
    item.refresh_from_db()
    message.refresh_from_db()
    assert PlanItem.objects.count() == 1 and item.purpose == "Weekly status call"
    assert not Responsibility.objects.exists() and obligation.status == "open"
    assert not ChannelConfig.objects.exists() and not WebhookSubscription.objects.exists()
    assert message.status == "triage"
