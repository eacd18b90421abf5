"""Sending what an obligation asks for: drafted from the plan item, delivered by real servers."""

import datetime as dt
import json

from django.utils import timezone

from accord.comms import compose, delivery, services
from accord.comms.models import ChannelConfig, Obligation, OutboxMessage
from accord.lib import crypto
from accord.testing import factories as f


def _item(world, channel="email", content="", **extra):
    return services.plan_item_create(
        actor=world.memberships[world.manager.pk],
        project=world.project,
        contacts=extra.pop("contacts", [world.contact]),
        purpose="Weekly update",
        content_template=content,
        channel=channel,
        cadence="weekly",
        weekday=timezone.localdate().weekday(),
        owner=world.manager,
        start_date=world.project.start_date,
        **extra,
    )


def _due_today(item) -> Obligation:
    return item.obligations.get(due_date=timezone.localdate())


def _deliver_all():
    for pk in OutboxMessage.objects.filter(status="pending").values_list("pk", flat=True):
        delivery.deliver(pk)


def test_draft_fills_the_plan_items_placeholders_from_live_data(world):
    f.TaskFactory(project=world.project, status="done")
    f.TaskFactory(project=world.project)
    f.MilestoneFactory(
        project=world.project, name="UAT 验收", due_date=timezone.localdate() + dt.timedelta(days=5)
    )
    item = _item(
        world, content="Dear {client}: {project} is at {progress}. Next: {next_milestone}. {unknown}"
    )
    draft = compose.draft(_due_today(item))
    assert draft["subject"] == "ERP rollout: Weekly update"
    assert draft["body"].startswith(
        "Dear Huaxin Manufacturing 华信制造: ERP rollout is at 50%. Next: UAT 验收 ("
    )
    assert draft["body"].endswith("{unknown}")  # unknown names stay as written


def test_email_obligation_is_sent_to_its_audience_and_met_on_delivery(world, smtp_server):
    silent = f.ContactFactory(client=world.client, first_name="No", last_name="Mail", email="")
    world.project.contacts.add(silent)
    item = _item(world, content="**Progress**: {progress}", contacts=[world.contact, silent])
    obligation = _due_today(item)
    http = world.http(world.manager)
    page = http.get(f"/obligations/{obligation.pk}/send/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "li.na@client.example" in body and "No Mail" in body  # the one without address is named
    response = http.post(
        f"/obligations/{obligation.pk}/send/",
        {
            "contacts": [str(world.contact.pk)],
            "subject": "ERP rollout: this week",
            "body": "**Progress**: 40%",
        },
    )
    assert response.status_code == 302
    obligation.refresh_from_db()
    assert obligation.status == "open"  # queued, not yet delivered
    _deliver_all()
    obligation.refresh_from_db()
    assert obligation.status == "met" and obligation.met_on_time
    [received] = smtp_server.messages
    mail = received["message"]
    assert received["to"] == ["li.na@client.example"]
    assert mail["Subject"] == "ERP rollout: this week"
    assert mail["Reply-To"] == services.project_reply_address(world.project)
    assert "<strong>Progress</strong>" in mail.get_body(("html",)).get_content()


def test_no_recipient_is_a_clear_error_and_nothing_is_queued(world):
    obligation = _due_today(_item(world))
    response = world.http(world.manager).post(
        f"/obligations/{obligation.pk}/send/", {"subject": "Update", "body": "Text"}
    )
    assert response.status_code == 422
    assert "Choose at least one recipient with an e-mail address." in response.content.decode()
    assert OutboxMessage.objects.count() == 0


def test_subject_with_a_line_break_is_refused(world):
    obligation = _due_today(_item(world))
    try:
        compose.obligation_send(
            actor=world.memberships[world.manager.pk],
            obligation=obligation,
            subject="Hi\r\nBcc: x@evil.example",
            body="Text",
            contact_ids=[world.contact.pk],
        )
    except Exception as exc:  # noqa: BLE001 - the type and message are checked below
        assert "one line" in str(exc)
    else:
        raise AssertionError("a two-line subject was accepted")
    assert OutboxMessage.objects.count() == 0


def test_im_obligation_posts_to_a_channel_of_its_kind(world, http_receiver):
    slack = ChannelConfig.objects.create(
        organization=world.org,
        kind="slack",
        name="Client Slack",
        url=http_receiver.url + "/services/T/B/X",
        secret_encrypted=crypto.encrypt(""),
    )
    foreign = ChannelConfig.objects.create(
        organization=world.other_org, kind="slack", name="Theirs", url=http_receiver.url, secret_encrypted=""
    )
    obligation = _due_today(_item(world, channel="slack"))
    http = world.http(world.manager)
    refused = http.post(
        f"/obligations/{obligation.pk}/send/", {"channel_config": foreign.pk, "subject": "S", "body": "B"}
    )
    assert refused.status_code == 422 and OutboxMessage.objects.count() == 0
    response = http.post(
        f"/obligations/{obligation.pk}/send/",
        {"channel_config": slack.pk, "subject": "Weekly status", "body": "All green"},
    )
    assert response.status_code == 302
    _deliver_all()
    payload = json.loads(http_receiver.requests[0]["body"])
    assert "Weekly status" in payload["text"]
    message = OutboxMessage.objects.get()
    assert message.status == "sent" and message.related_id == str(obligation.pk)
    obligation.refresh_from_db()
    assert obligation.status == "met" and obligation.met_source == f"comms.outboxmessage:{message.pk}"


def test_sending_for_this_weeks_obligation_does_not_meet_last_weeks(world, smtp_server):
    item = _item(world)
    current = _due_today(item)
    earlier = Obligation.objects.create(
        organization=world.org,
        plan_item=item,
        project=world.project,
        owner=world.manager,
        channel="email",
        window_start=current.window_start - dt.timedelta(days=7),
        due_date=current.due_date - dt.timedelta(days=1),
    )
    compose.obligation_send(
        actor=world.memberships[world.manager.pk],
        obligation=current,
        subject="This week",
        body="All green",
        contact_ids=[world.contact.pk],
    )
    _deliver_all()
    current.refresh_from_db()
    earlier.refresh_from_db()
    assert current.status == "met" and earlier.status == "open"


def test_phone_obligation_points_to_logging_the_call(world):
    obligation = _due_today(_item(world, channel="phone"))
    response = world.http(world.manager).get(f"/obligations/{obligation.pk}/send/")
    assert response.status_code == 302 and response["Location"] == f"/projects/{world.project.pk}/plan/"
    assert OutboxMessage.objects.count() == 0


def test_member_off_the_project_and_other_tenants_cannot_send(world):
    obligation = _due_today(_item(world))
    outsider = world.http(world.outsider).post(
        f"/obligations/{obligation.pk}/send/",
        {"contacts": [str(world.contact.pk)], "subject": "S", "body": "B"},
    )
    assert outsider.status_code == 404
    assert OutboxMessage.objects.count() == 0


def test_dashboard_lists_my_client_updates_and_clients_at_risk(world):
    from accord.evaluation.models import HealthSnapshot

    obligation = _due_today(_item(world))
    HealthSnapshot.objects.create(
        organization=world.org, client=world.client, taken_on=timezone.localdate(), score=42, parts=[]
    )
    body = world.http(world.manager).get("/dashboard/").content.decode()
    assert f"/obligations/{obligation.pk}/send/" in body
    assert "Clients at risk" in body and "Huaxin Manufacturing 华信制造" in body and "Health 42" in body


def test_mail_of_something_that_already_met_an_obligation_meets_no_other(world, smtp_server):
    """A report meets its plan item's obligation when published; its delivered mails must not
    also meet the next open e-mail obligation."""
    item = _item(world)
    current = _due_today(item)
    source = f"projects.project:{world.project.pk}"  # stands for the published report
    Obligation.objects.filter(pk=current.pk).update(status="met", met_at=timezone.now(), met_source=source)
    following = Obligation.objects.create(
        organization=world.org,
        plan_item=item,
        project=world.project,
        owner=world.manager,
        channel="email",
        window_start=current.window_start,
        due_date=current.due_date + dt.timedelta(days=1),
    )
    services.outbox_email(
        organization=world.org,
        to=[world.contact.email],
        subject="Status report",
        text="…",
        related=world.project,
        project=world.project,
    )
    _deliver_all()
    following.refresh_from_db()
    assert len(smtp_server.messages) == 1 and following.status == "open"
