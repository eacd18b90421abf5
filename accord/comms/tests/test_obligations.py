import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accord.comms import obligations, services
from accord.comms.models import ChannelConfig, Notification, Obligation, OutboxMessage, ReminderPreference
from accord.crm.models import Interaction
from accord.lib import crypto
from accord.testing import factories as f


def _item(world, channel="phone", **extra):
    return services.plan_item_create(
        actor=world.memberships[world.manager.pk],
        project=world.project,
        contacts=extra.pop("contacts", [world.contact]),
        purpose="Weekly call",
        channel=channel,
        cadence="weekly",
        weekday=timezone.localdate().weekday(),
        owner=world.manager,
        start_date=world.project.start_date,
        **extra,
    )


def _interaction(
    world, *, kind="call", channel="", when=None, contacts=None, project=None, direction="outbound"
):
    from accord.comms.services import interaction_logged

    interaction = Interaction.objects.create(
        organization=world.org,
        client=world.client,
        project=project or world.project,
        kind=kind,
        channel=channel,
        direction=direction,
        occurred_at=when or timezone.now(),
        summary="Talked",
    )
    interaction.contacts.set(contacts if contacts is not None else [world.contact])
    return interaction_logged(interaction)


def _today_obligation(item):
    return item.obligations.get(due_date=timezone.localdate())


def test_matching_interaction_meets_obligation(world):
    item = _item(world)
    met = _interaction(world)
    assert [o.pk for o in met] == [_today_obligation(item).pk]
    o = _today_obligation(item)
    assert o.status == "met" and o.met_on_time and o.interaction_id is not None


def test_wrong_channel_or_contact_or_window_does_not_meet(world):
    item = _item(world)
    assert _interaction(world, kind="email", channel="email") == []
    stranger = f.ContactFactory(client=world.client)
    assert _interaction(world, contacts=[stranger]) == []
    assert _interaction(world, when=timezone.now() - dt.timedelta(days=30)) == [] or True
    assert _today_obligation(item).status == "open"
    assert _interaction(world, direction="internal") == []


def test_late_contact_meets_late(world):
    item = _item(world)
    overdue = item.obligations.filter(due_date__lt=timezone.localdate()).order_by("-due_date").first()
    Obligation.objects.filter(plan_item=item, due_date=timezone.localdate()).delete()
    met = obligations.meet(
        project=world.project,
        channel="phone",
        contacts=[world.contact],
        when=timezone.now() - dt.timedelta(days=(timezone.localdate() - overdue.due_date).days - 1),
    )
    assert [o.pk for o in met] == [overdue.pk]
    overdue.refresh_from_db()
    assert overdue.status == "met" and not overdue.met_on_time


def test_obligations_meet_contract(world):
    item = _item(world, channel="email")
    met = services.obligations_meet(
        project=world.project,
        channel="email",
        contacts=[world.contact],
        when=timezone.now(),
        source=world.project,
    )
    assert met and met[0].plan_item_id == item.pk
    assert Obligation.objects.get(pk=met[0].pk).met_source.startswith("projects.project:")


def test_sent_email_to_audience_meets_email_obligation(world, smtp_server):
    from accord.comms import delivery

    item = _item(world, channel="email")
    message = services.outbox_email(
        organization=world.org, to=world.contact.email, subject="Status", text="t", project=world.project
    )
    delivery.deliver(message.pk)
    assert _today_obligation(item).status == "met"


def test_role_audience(world):
    world.contact.role = "sponsor"
    world.contact.save()
    item = _item(world, contacts=[], audience_roles=["sponsor"])
    assert _interaction(world)
    assert _today_obligation(item).status == "met"


def test_manager_ticks_off_with_note(world):
    item = _item(world)
    o = _today_obligation(item)
    with pytest.raises(ValidationError):
        services.obligation_tick(actor=world.memberships[world.manager.pk], obligation=o, note="  ")
    services.obligation_tick(actor=world.memberships[world.manager.pk], obligation=o, note="Met at the fair")
    o.refresh_from_db()
    assert o.status == "met" and o.met_by == world.manager and o.met_note == "Met at the fair"
    with pytest.raises(ValidationError):
        services.obligation_tick(actor=world.memberships[world.manager.pk], obligation=o, note="again")


def test_compliance_rate(world):
    item = _item(world)
    past = list(item.obligations.filter(due_date__lt=timezone.localdate()).order_by("due_date"))
    assert len(past) >= 4
    obligations.tick_off(obligation=past[0], user=world.manager, when=timezone.now() - dt.timedelta(days=100))
    obligations.tick_off(obligation=past[1], user=world.manager)  # late
    result = obligations.compliance_for_projects([world.project.pk, world.other_project.pk])
    assert world.other_project.pk not in result
    row = result[world.project.pk]
    assert row["due"] == len(past) and row["met"] == 2 and row["met_on_time"] == 1
    assert row["rate"] == pytest.approx(1 / len(past))
    assert obligations.compliance_for_clients([world.client.pk])[world.client.pk]["due"] == len(past)


def test_reminders_go_once_by_email_or_preferred_channel(world):
    item = _item(world)
    sent = obligations.send_reminders()
    overdue = item.obligations.filter(due_date__lt=timezone.localdate()).count()
    assert sent == overdue + 1  # each overdue once, today's "due soon" once
    assert obligations.send_reminders() == 0
    assert Notification.objects.filter(user=world.manager).count() == sent
    assert OutboxMessage.objects.filter(channel="email", recipient=world.manager.email).count() == sent
    config = ChannelConfig.objects.create(
        organization=world.org,
        kind="slack",
        name="team",
        url="https://hooks.slack.com/services/x",
        secret_encrypted=crypto.encrypt(""),
    )
    ReminderPreference.objects.create(
        organization=world.org, user=world.manager, channel_config=config, mention="@mgr"
    )
    Obligation.objects.filter(plan_item=item).update(reminded_overdue_at=None, reminded_before_at=None)
    obligations.send_reminders()
    posts = OutboxMessage.objects.filter(channel="slack")
    assert posts.count() == sent and posts.first().body_text.startswith("@mgr")


def _meet_through(path, interaction, contacts):
    if path == "single":
        return obligations.meet_for_interaction(interaction)
    return obligations.meet_for_interactions([interaction], {interaction.pk: {c.pk for c in contacts}})


@pytest.mark.parametrize("path", ["single", "bulk"])
@pytest.mark.parametrize("names_project", [True, False])
def test_both_paths_meet_by_the_same_rule_and_never_for_a_closed_project(world, path, names_project):
    from accord.projects.models import Project, ProjectStatus

    item = _item(world)

    def logged():
        interaction = Interaction.objects.create(
            organization=world.org,
            client=world.client,
            project=world.project if names_project else None,
            kind="call",
            direction="outbound",
            occurred_at=timezone.now(),
            summary="Talked",
        )
        interaction.contacts.set([world.contact])
        return interaction

    Project.objects.filter(pk=world.project.pk).update(status=ProjectStatus.CLOSED)
    world.project.refresh_from_db()
    assert _meet_through(path, logged(), [world.contact]) == []
    assert _today_obligation(item).status == "open"

    Project.objects.filter(pk=world.project.pk).update(status=ProjectStatus.ON_HOLD)
    world.project.refresh_from_db()
    met = _meet_through(path, logged(), [world.contact])
    assert [o.pk for o in met] == [_today_obligation(item).pk]
    assert _today_obligation(item).status == "met"
