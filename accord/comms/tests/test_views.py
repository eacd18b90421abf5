"""Pages and API operations: success, other organisation 404, bad input 4xx, pinned query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accord.comms import services
from accord.comms.models import InboundMessage, Obligation, OutboxMessage, PlanItem, WebhookSubscription
from accord.lib import crypto


def _plan_items(world, n, project=None):
    project = project or world.project
    for i in range(n):
        services.plan_item_create(
            actor=world.memberships[world.manager.pk],
            project=project,
            contacts=[world.contact],
            purpose=f"Item {i}",
            channel="email",
            cadence="weekly",
            weekday=i % 7,
            owner=world.manager,
            start_date=timezone.localdate() - dt.timedelta(days=3),
            end_date=timezone.localdate() + dt.timedelta(days=3),
        )


def _count(http, url):
    with CaptureQueriesContext(connection) as ctx:
        response = http.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries)


def _grow(world, kind, n):
    if kind == "plan":
        today = timezone.localdate()
        start = PlanItem.objects.count()
        items = PlanItem.objects.bulk_create(
            [
                PlanItem(
                    organization=world.org,
                    project=world.project,
                    purpose=f"Item {start + i}",
                    channel="email",
                    cadence="weekly",
                    weekday=today.weekday(),
                    rrule="FREQ=WEEKLY;BYDAY=MO",
                    owner=world.manager,
                    start_date=today,
                )
                for i in range(n)
            ]
        )
        PlanItem.audience_contacts.through.objects.bulk_create(
            [
                PlanItem.audience_contacts.through(planitem_id=item.pk, contact_id=world.contact.pk)
                for item in items
            ]
        )
        Obligation.objects.bulk_create(
            [
                Obligation(
                    organization=world.org,
                    plan_item=item,
                    project=world.project,
                    owner=world.manager,
                    channel="email",
                    window_start=today - dt.timedelta(days=6),
                    due_date=today,
                )
                for item in items
            ]
        )
    elif kind == "outbox":
        OutboxMessage.objects.bulk_create(
            [
                OutboxMessage(
                    organization=world.org,
                    recipient=f"{i}@x.example",
                    subject=f"s{i}",
                    idempotency_key=f"k{kind}{n}{i}{PlanItem.objects.count()}{OutboxMessage.objects.count()}",
                )
                for i in range(n)
            ]
        )
    elif kind == "inbox":
        start = InboundMessage.objects.count()
        InboundMessage.objects.bulk_create(
            [
                InboundMessage(
                    organization=world.org,
                    message_id=f"<{start + i}@x>",
                    sender="a@x.example",
                    received_at=timezone.now(),
                    status="triage",
                )
                for i in range(n)
            ]
        )
    elif kind == "webhooks":
        WebhookSubscription.objects.bulk_create(
            [
                WebhookSubscription(
                    organization=world.org,
                    url=f"https://h{i}.example/",
                    events=["task.done"],
                    secret_encrypted=crypto.encrypt("whsec_x"),
                )
                for i in range(n)
            ]
        )


@pytest.mark.parametrize(
    ("kind", "url_for", "user"),
    [
        ("plan", lambda w: f"/projects/{w.project.pk}/plan/", "manager"),
        ("plan", lambda w: "/communication/?view=all", "manager"),
        ("plan", lambda w: f"/communication/clients/{w.client.pk}/", "member"),
        ("outbox", lambda w: "/communication/outbox/", "admin"),
        ("inbox", lambda w: "/communication/inbox/", "member"),
        ("webhooks", lambda w: "/communication/webhooks/", "admin"),
        ("plan", lambda w: f"/api/v1/projects/{w.project.pk}/plan-items", "api-manager"),
        ("plan", lambda w: "/api/v1/obligations", "api-manager"),
        ("outbox", lambda w: "/api/v1/outbox", "api-admin"),
        ("webhooks", lambda w: "/api/v1/webhook-subscriptions", "api-admin"),
    ],
)
def test_list_query_counts_are_pinned(world, kind, url_for, user):
    role = user.removeprefix("api-")
    person = getattr(world, role)
    http = world.api(person).http if user.startswith("api-") else world.http(person)
    headers = world.api(person).headers if user.startswith("api-") else {}
    url = url_for(world)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = http.get(url, headers=headers)
        assert response.status_code == 200, response.content[:300]
        return len(ctx.captured_queries)

    _grow(world, kind, 2)
    count()  # the first call sets up once-only state (token use, reply address)
    small = count()
    _grow(world, kind, 48)
    assert count() == small
    print(f"queries {url.split('?')[0]}: {small} at 2 rows and at 50")


def test_plan_page_and_create_form(world):
    http = world.http(world.manager)
    page = http.get(f"/projects/{world.project.pk}/plan/")
    assert page.status_code == 200 and b"Communication plan" in page.content
    bad = http.post(f"/projects/{world.project.pk}/plan/items/new/", {"purpose": "", "cadence": "weekly"})
    assert bad.status_code == 422 and PlanItem.objects.count() == 0
    no_day = http.post(
        f"/projects/{world.project.pk}/plan/items/new/",
        {
            "purpose": "Call",
            "channel": "phone",
            "cadence": "weekly",
            "interval": 1,
            "owner": world.manager.pk,
            "start_date": world.project.start_date.isoformat(),
        },
    )
    assert no_day.status_code == 422 and b"weekday" in no_day.content.lower()
    ok = http.post(
        f"/projects/{world.project.pk}/plan/items/new/",
        {
            "purpose": "Call",
            "channel": "phone",
            "cadence": "weekly",
            "weekday": 1,
            "interval": 1,
            "owner": world.manager.pk,
            "start_date": world.project.start_date.isoformat(),
            "audience_contacts": [world.contact.pk],
            "is_active": "on",
        },
    )
    assert ok.status_code == 302
    item = PlanItem.objects.get()
    assert item.rrule == "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU" and item.obligations.exists()
    assert world.http(world.outsider).get(f"/projects/{world.project.pk}/plan/").status_code == 404
    assert world.http(world.member).get(f"/plan-items/{item.pk}/edit/").status_code == 403


def test_tick_off_from_the_page(world):
    _plan_items(world, 1)
    o = Obligation.objects.first()
    http = world.http(world.manager)
    assert http.post(f"/obligations/{o.pk}/tick/", {"note": ""}).status_code == 422
    assert http.post(f"/obligations/{o.pk}/tick/", {"note": "Lunch with Li Na"}).status_code == 302
    o.refresh_from_db()
    assert o.status == "met"


def test_channel_admin_and_test_button(world, http_receiver):
    http = world.http(world.admin)
    bad = http.post(
        "/communication/channels/new/", {"kind": "slack", "name": "S", "url": "http://169.254.169.254/"}
    )
    assert bad.status_code == 422
    ok = http.post(
        "/communication/channels/new/",
        {
            "kind": "feishu",
            "name": "飞书群",
            "url": http_receiver.url + "/hook",
            "secret": "sek",
            "is_active": "on",
        },
    )
    assert ok.status_code == 302
    from accord.comms.models import ChannelConfig

    config = ChannelConfig.objects.get()
    assert config.secret == "sek" and "sek" not in config.secret_encrypted
    http_receiver.reply = (200, {"code": 0, "msg": "success"})
    response = http.post(f"/communication/channels/{config.pk}/test/")
    assert response.status_code == 302
    message = OutboxMessage.objects.get(channel="feishu")
    from accord.comms import delivery

    delivery.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == "sent" and len(http_receiver.requests) == 1
    assert world.http(world.manager).get("/communication/channels/").status_code == 403
    assert world.http(world.outsider).get(f"/communication/channels/{config.pk}/edit/").status_code == 404


def test_outbox_retry_button(world):
    message = OutboxMessage.objects.create(
        organization=world.org, recipient="x@y.example", status="dead", attempts=8
    )
    http = world.http(world.admin)
    assert http.get(f"/communication/outbox/{message.pk}/").status_code == 200
    assert http.post(f"/communication/outbox/{message.pk}/retry/").status_code == 302
    message.refresh_from_db()
    assert message.attempts == 0 or message.status != "dead"
    assert world.http(world.outsider).post(f"/communication/outbox/{message.pk}/retry/").status_code == 404


def test_api_plan_items_and_obligations(world):
    api = world.api(world.manager)
    bad = api.post(
        f"/projects/{world.project.pk}/plan-items",
        {"purpose": "x", "channel": "phone", "cadence": "weekly", "owner_id": world.manager.pk},
    )
    assert bad.status_code == 422
    created = api.post(
        f"/projects/{world.project.pk}/plan-items",
        {
            "purpose": "Weekly call",
            "channel": "phone",
            "cadence": "weekly",
            "weekday": 0,
            "owner_id": world.manager.pk,
            "audience_contact_ids": [world.contact.pk],
        },
    )
    assert created.status_code == 201, created.content
    item_id = created.json()["id"]
    assert created.json()["rrule"] == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"
    foreign = api.post(
        f"/projects/{world.project.pk}/plan-items",
        {
            "purpose": "x",
            "channel": "phone",
            "cadence": "weekly",
            "weekday": 0,
            "owner_id": world.outsider.pk,
        },
    )
    assert foreign.status_code == 422
    assert api.patch(f"/plan-items/{item_id}", {"weekday": 3}).json()["rrule"].endswith("BYDAY=TH")
    listing = api.get("/obligations", {"project_id": world.project.pk}).json()["items"]
    assert listing
    met = api.post(f"/obligations/{listing[0]['id']}/meet", {"note": "Called"})
    assert met.status_code == 200 and met.json()["status"] == "met"
    assert api.get(f"/projects/{world.project.pk}/compliance").status_code == 200
    assert world.api(world.outsider).get(f"/plan-items/{item_id}").status_code == 404
    assert world.api(world.member).delete(f"/plan-items/{item_id}").status_code == 403
    assert api.delete(f"/plan-items/{item_id}").status_code == 204


def test_api_webhook_subscriptions(world):
    api = world.api(world.admin)
    created = api.post("/webhook-subscriptions", {"url": "https://pm.example/hook", "events": ["task.done"]})
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    assert (
        api.post("/webhook-subscriptions", {"url": "http://10.0.0.1/", "events": ["task.done"]}).status_code
        == 422
    )
    assert world.api(world.manager).get("/webhook-subscriptions").status_code == 403
    sub_id = created.json()["id"]
    assert world.api(world.outsider).delete(f"/webhook-subscriptions/{sub_id}").status_code == 404
    assert api.delete(f"/webhook-subscriptions/{sub_id}").status_code == 204


def test_api_responsibilities_and_plan_copy(world):
    api = world.api(world.manager)
    created = api.post(
        f"/projects/{world.project.pk}/responsibilities",
        {"user_id": world.member.pk, "contact_id": world.contact.pk, "channel": "wecom"},
    )
    assert created.status_code == 201, created.content
    dup = api.post(
        f"/projects/{world.project.pk}/responsibilities",
        {"user_id": world.member.pk, "contact_id": world.contact.pk, "channel": "wecom"},
    )
    assert dup.status_code == 422
    foreign = api.post(
        f"/projects/{world.project.pk}/responsibilities",
        {"user_id": world.member.pk, "contact_id": world.foreign_contact.pk, "channel": "email"},
    )
    assert foreign.status_code == 422
    assert len(api.get(f"/projects/{world.project.pk}/responsibilities").json()["items"]) == 1
    _plan_items(world, 2)
    copied = api.post(
        f"/projects/{world.other_project.pk}/plan-copy", {"source_project_id": world.project.pk}
    )
    assert copied.json() == {"copied": 2}
    assert (
        api.post(
            f"/projects/{world.other_project.pk}/plan-copy", {"source_project_id": world.foreign_project.pk}
        ).status_code
        == 422
    )
    assert api.delete(f"/responsibilities/{created.json()['id']}").status_code == 204
