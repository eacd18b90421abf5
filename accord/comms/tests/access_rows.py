from django.urls import reverse

from accord.comms.models import (
    ChannelConfig,
    DeliveryCircuit,
    InboundAttachment,
    InboundMessage,
    OutboxMessage,
    PlanItem,
    Responsibility,
    WebhookSubscription,
)
from accord.lib import crypto
from tests.access.spec import API_READ, TEAM_READ, TEAM_WRITE_FORM, Row

ROLES = ("anonymous", "client", "member", "manager", "admin", "outsider")
MANAGE_READ = {**TEAM_READ, "member": 403}
MANAGE_POST = {"anonymous": 302, "client": 302, "member": 403, "manager": 302, "admin": 302, "outsider": 404}
ORG_LIST = {**TEAM_READ, "outsider": 200}
ADMIN_LIST = {"anonymous": 302, "client": 302, "member": 403, "manager": 403, "admin": 200, "outsider": 200}
ADMIN_OBJ = {**ADMIN_LIST, "outsider": 404}
ADMIN_POST = {**ADMIN_OBJ, "admin": 302}
ORG_OBJ_OTHER = {"member": 403}
TEAM_OBJ_OTHER = {"member": 200}
API_MANAGE = {"anonymous": 401, "client": 403, "member": 403, "manager": 200, "admin": 200, "outsider": 404}
API_ADMIN_LIST = {
    "anonymous": 401,
    "client": 403,
    "member": 403,
    "manager": 403,
    "admin": 200,
    "outsider": 200,
}
API_ADMIN_OBJ = {**API_ADMIN_LIST, "outsider": 404}
TABLES = ("comms.PlanItem", "comms.Obligation", "comms.Responsibility")
ADMIN_TABLES = (
    "comms.ChannelConfig",
    "comms.WebhookSubscription",
    "comms.OutboxMessage",
    "comms.DeliveryCircuit",
)


def plan_item(world, project):
    return PlanItem.objects.create(
        organization=project.organization,
        project=project,
        purpose="Weekly call",
        channel="phone",
        cadence="weekly",
        weekday=0,
        rrule="FREQ=WEEKLY;BYDAY=MO",
        owner=project.manager,
        start_date=project.start_date,
    )


def obligation(world, project):
    from accord.comms import obligations

    item = plan_item(world, project)
    obligations.generate(item)
    return item.obligations.order_by("due_date").first()


def email_obligation(world, project):
    """An e-mail obligation whose audience is a contact with an address (sendable from Accord)."""
    from accord.comms import obligations

    item = plan_item(world, project)
    item.channel = "email"
    item.save(update_fields=["channel"])
    contact = responsibility_contact(project)
    if not contact.email:
        contact.email = f"contact{contact.pk}@client.example"
        contact.save(update_fields=["email"])
    item.audience_contacts.add(contact)
    obligations.generate(item)
    return item.obligations.order_by("due_date").first()


def send_form(obligation):
    contacts = obligation.plan_item.audience_contacts.values_list("pk", flat=True)
    return {"contacts": [str(pk) for pk in contacts], "subject": "This week", "body": "All green"}


def responsibility_contact(project):
    contact = project.contacts.first() or project.client.contacts.first()
    if contact is None:
        from accord.testing import factories as f

        contact = f.ContactFactory(client=project.client)
    return contact


def responsibility(world, project):
    contact = responsibility_contact(project)
    return Responsibility.objects.create(
        organization=project.organization,
        project=project,
        user=project.manager,
        contact=contact,
        channel="email",
    )


def channel(world, project):
    return ChannelConfig.objects.create(
        organization=project.organization,
        kind="slack",
        name="Slack",
        url="https://hooks.slack.com/services/x",
        inbound_token=f"tok{project.pk}x{ChannelConfig.objects.count()}",
        inbound_secret_encrypted=crypto.encrypt("s"),
    )


def subscription(world, project):
    return WebhookSubscription.objects.create(
        organization=project.organization,
        url="https://pm.example/hook",
        events=["task.done"],
        secret_encrypted=crypto.encrypt("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
    )


def outbox_message(world, project):
    return OutboxMessage.objects.create(
        organization=project.organization, recipient="x@example.com", subject="s", status="dead", attempts=8
    )


def delivery_circuit(world, project):
    key = f"channel:{project.pk}"  # one route per call, even twice in one organisation
    circuit = DeliveryCircuit.objects.create(
        organization=project.organization, key=key, label="Mail server", state="open"
    )
    OutboxMessage.objects.create(
        organization=project.organization,
        recipient="x@example.com",
        subject="s",
        status="failed",
        attempts=5,
        circuit_key=key,
    )
    return circuit


def inbound_message(world, project):
    from django.utils import timezone

    return InboundMessage.objects.create(
        organization=project.organization,
        message_id=f"<m{project.pk}@x>",
        sender="who@x.example",
        received_at=timezone.now(),
        status="triage",
        subject="Hello",
    )


def attachment(world, project):
    from django.core.files.base import ContentFile

    att = InboundAttachment(
        organization=project.organization,
        message=inbound_message(world, project),
        filename="a.txt",
        mimetype="text/plain",
        size=2,
    )
    att.file.save("a.txt", ContentFile(b"hi"), save=False)
    att.save()
    return att


def _url(name):
    return lambda obj: reverse(name, args=[obj.pk])


def plan_data(project):
    return {
        "purpose": "Monthly steering",
        "channel": "meeting",
        "cadence": "monthly",
        "interval": 1,
        "owner": project.manager_id,
        "start_date": project.start_date.isoformat(),
        "is_active": "on",
    }


def assign_data(msg):
    from accord.crm.models import Client

    return {"client": Client.objects.filter(organization=msg.organization).first().pk}


ROWS = [
    # the plan (project tab)
    Row("comms:plan", make=lambda w, p: p, path=_url("comms:plan"), expect=TEAM_READ),
    Row(
        "comms:plan_item_create", make=lambda w, p: p, path=_url("comms:plan_item_create"), expect=MANAGE_READ
    ),
    Row(
        "comms:plan_item_create",
        method="POST",
        make=lambda w, p: p,
        path=_url("comms:plan_item_create"),
        data=plan_data,
        expect=MANAGE_POST,
        tables=TABLES,
    ),
    Row("comms:plan_item_edit", make=plan_item, path=_url("comms:plan_item_edit"), expect=MANAGE_READ),
    Row("comms:plan_item_delete", make=plan_item, path=_url("comms:plan_item_delete"), expect=MANAGE_READ),
    Row(
        "comms:plan_item_delete",
        method="POST",
        make=plan_item,
        path=_url("comms:plan_item_delete"),
        expect=MANAGE_POST,
        tables=TABLES,
    ),
    Row(
        "comms:responsibility_create",
        make=lambda w, p: p,
        path=_url("comms:responsibility_create"),
        expect=MANAGE_READ,
    ),
    Row(
        "comms:responsibility_delete",
        method="POST",
        make=responsibility,
        path=_url("comms:responsibility_delete"),
        expect=MANAGE_POST,
        tables=TABLES,
    ),
    Row("comms:plan_copy", make=lambda w, p: p, path=_url("comms:plan_copy"), expect=MANAGE_READ),
    Row("comms:obligation_tick", make=obligation, path=_url("comms:obligation_tick"), expect=MANAGE_READ),
    Row(
        "comms:obligation_tick",
        method="POST",
        make=obligation,
        path=_url("comms:obligation_tick"),
        data=lambda o: {"note": "Called them"},
        expect=MANAGE_POST,
        tables=TABLES,
    ),
    Row("comms:obligation_send", make=email_obligation, path=_url("comms:obligation_send"), expect=TEAM_READ),
    Row(
        "comms:obligation_send",
        method="POST",
        make=email_obligation,
        path=_url("comms:obligation_send"),
        data=send_form,
        expect=TEAM_WRITE_FORM,
        tables=("comms.OutboxMessage",),
    ),
    # organisation-wide pages
    Row("comms:obligations", expect=ORG_LIST),
    Row(
        "comms:client_obligations",
        make=lambda w, p: p.client,
        path=_url("comms:client_obligations"),
        expect=TEAM_READ,
        expect_other_project=TEAM_OBJ_OTHER,
    ),
    Row("comms:preferences", expect=ORG_LIST),
    Row("comms:inbox", expect=ORG_LIST),
    Row(
        "comms:inbox_detail",
        make=inbound_message,
        path=_url("comms:inbox_detail"),
        expect=TEAM_READ,
        expect_other_project=TEAM_OBJ_OTHER,
    ),
    Row(
        "comms:inbox_detail",
        method="POST",
        make=inbound_message,
        path=_url("comms:inbox_detail"),
        data=assign_data,
        expect={**TEAM_READ, "member": 302, "manager": 302, "admin": 302},
        expect_other_project={"member": 302},
        tables=("comms.InboundMessage", "crm.Interaction"),
    ),
    Row(
        "comms:inbox_discard",
        method="POST",
        make=inbound_message,
        path=_url("comms:inbox_discard"),
        expect={**TEAM_READ, "member": 302, "manager": 302, "admin": 302},
        expect_other_project={"member": 302},
        tables=("comms.InboundMessage",),
    ),
    Row(
        "comms:attachment_download",
        make=attachment,
        path=_url("comms:attachment_download"),
        expect=TEAM_READ,
        expect_other_project=TEAM_OBJ_OTHER,
    ),
    # admin pages
    Row("comms:channels", expect=ADMIN_LIST),
    Row("comms:channel_create", expect=ADMIN_LIST),
    Row(
        "comms:channel_edit",
        make=channel,
        path=_url("comms:channel_edit"),
        expect=ADMIN_OBJ,
        expect_other_project=ORG_OBJ_OTHER,
    ),
    Row(
        "comms:channel_delete",
        make=channel,
        path=_url("comms:channel_delete"),
        expect=ADMIN_OBJ,
        expect_other_project=ORG_OBJ_OTHER,
    ),
    Row(
        "comms:channel_delete",
        method="POST",
        make=channel,
        path=_url("comms:channel_delete"),
        expect=ADMIN_POST,
        expect_other_project=ORG_OBJ_OTHER,
        tables=ADMIN_TABLES,
    ),
    Row(
        "comms:channel_test",
        method="POST",
        make=channel,
        path=_url("comms:channel_test"),
        expect=ADMIN_POST,
        expect_other_project=ORG_OBJ_OTHER,
        tables=ADMIN_TABLES,
    ),
    Row("comms:outbox", expect=ADMIN_LIST),
    Row(
        "comms:outbox_detail",
        make=outbox_message,
        path=_url("comms:outbox_detail"),
        expect=ADMIN_OBJ,
        expect_other_project=ORG_OBJ_OTHER,
    ),
    Row(
        "comms:outbox_retry",
        method="POST",
        make=outbox_message,
        path=_url("comms:outbox_retry"),
        expect=ADMIN_POST,
        expect_other_project=ORG_OBJ_OTHER,
        tables=ADMIN_TABLES,
    ),
    Row(
        "comms:outbox_channel_retry",
        method="POST",
        make=delivery_circuit,
        path=_url("comms:outbox_channel_retry"),
        expect=ADMIN_POST,
        expect_other_project=ORG_OBJ_OTHER,
        tables=ADMIN_TABLES,
    ),
    Row("comms:webhooks", expect=ADMIN_LIST),
    Row("comms:webhook_create", expect=ADMIN_LIST),
    Row(
        "comms:webhook_edit",
        make=subscription,
        path=_url("comms:webhook_edit"),
        expect=ADMIN_OBJ,
        expect_other_project=ORG_OBJ_OTHER,
    ),
    Row(
        "comms:webhook_delete",
        make=subscription,
        path=_url("comms:webhook_delete"),
        expect=ADMIN_OBJ,
        expect_other_project=ORG_OBJ_OTHER,
    ),
    Row(
        "comms:webhook_delete",
        method="POST",
        make=subscription,
        path=_url("comms:webhook_delete"),
        expect=ADMIN_POST,
        expect_other_project=ORG_OBJ_OTHER,
        tables=ADMIN_TABLES,
    ),
    # inbound callbacks: anyone may call, only a valid signature is accepted
    Row(
        "comms:inbound_hook",
        method="POST",
        make=channel,
        path=lambda c: reverse("comms:inbound_hook", args=[c.inbound_token]),
        expect=dict.fromkeys(ROLES, 403),
        expect_other_project=dict.fromkeys(ROLES, 403),
        expect_foreign=dict.fromkeys(ROLES, 403),
        tables=("comms.InboundMessage",),
        note="no signature: refused for everyone",
    ),
    # API
    Row(
        "GET /api/v1/projects/{project_id}/plan-items",
        make=lambda w, p: p,
        path=lambda p: f"/api/v1/projects/{p.pk}/plan-items",
        expect=API_READ,
    ),
    Row(
        "POST /api/v1/projects/{project_id}/plan-items",
        make=lambda w, p: p,
        path=lambda p: f"/api/v1/projects/{p.pk}/plan-items",
        data=lambda p: {
            "purpose": "Weekly call",
            "channel": "phone",
            "cadence": "weekly",
            "weekday": 1,
            "owner_id": p.manager_id,
        },
        expect={**API_MANAGE, "manager": 201, "admin": 201},
        tables=TABLES,
    ),
    Row(
        "GET /api/v1/plan-items/{item_id}",
        make=plan_item,
        path=lambda i: f"/api/v1/plan-items/{i.pk}",
        expect=API_READ,
    ),
    Row(
        "PATCH /api/v1/plan-items/{item_id}",
        make=plan_item,
        path=lambda i: f"/api/v1/plan-items/{i.pk}",
        data=lambda i: {"purpose": "Renamed"},
        expect=API_MANAGE,
        tables=TABLES,
    ),
    Row(
        "DELETE /api/v1/plan-items/{item_id}",
        make=plan_item,
        path=lambda i: f"/api/v1/plan-items/{i.pk}",
        expect={**API_MANAGE, "manager": 204, "admin": 204},
        tables=TABLES,
    ),
    Row("GET /api/v1/obligations", expect={**API_READ, "outsider": 200}),
    Row(
        "POST /api/v1/obligations/{obligation_id}/meet",
        make=obligation,
        path=lambda o: f"/api/v1/obligations/{o.pk}/meet",
        data=lambda o: {"note": "Called"},
        expect=API_MANAGE,
        tables=TABLES,
    ),
    Row(
        "GET /api/v1/projects/{project_id}/compliance",
        make=lambda w, p: p,
        path=lambda p: f"/api/v1/projects/{p.pk}/compliance",
        expect=API_READ,
    ),
    Row("GET /api/v1/outbox", expect=API_ADMIN_LIST),
    Row("GET /api/v1/outbox/channels", expect=API_ADMIN_LIST),
    Row(
        "POST /api/v1/outbox/channels/{channel_id}/retry",
        make=delivery_circuit,
        path=lambda c: f"/api/v1/outbox/channels/{c.pk}/retry",
        expect=API_ADMIN_OBJ,
        expect_other_project=ORG_OBJ_OTHER,
        tables=ADMIN_TABLES,
    ),
    Row(
        "POST /api/v1/outbox/{message_id}/retry",
        make=outbox_message,
        path=lambda m: f"/api/v1/outbox/{m.pk}/retry",
        expect=API_ADMIN_OBJ,
        expect_other_project=ORG_OBJ_OTHER,
        tables=ADMIN_TABLES,
    ),
    Row("GET /api/v1/webhook-subscriptions", expect=API_ADMIN_LIST),
    Row(
        "POST /api/v1/webhook-subscriptions",
        data=lambda w: {"url": "https://pm.example/hook", "events": ["task.done"]},
        expect={**API_ADMIN_LIST, "admin": 201, "outsider": 201},
        tables=ADMIN_TABLES,
    ),
    Row(
        "DELETE /api/v1/webhook-subscriptions/{subscription_id}",
        make=subscription,
        path=lambda s: f"/api/v1/webhook-subscriptions/{s.pk}",
        expect={**API_ADMIN_OBJ, "admin": 204},
        expect_other_project=ORG_OBJ_OTHER,
        tables=ADMIN_TABLES,
    ),
    Row(
        "GET /api/v1/projects/{project_id}/responsibilities",
        make=lambda w, p: p,
        path=lambda p: f"/api/v1/projects/{p.pk}/responsibilities",
        expect=API_READ,
    ),
    Row(
        "POST /api/v1/projects/{project_id}/responsibilities",
        make=lambda w, p: p,
        path=lambda p: f"/api/v1/projects/{p.pk}/responsibilities",
        data=lambda p: {
            "user_id": p.manager_id,
            "contact_id": responsibility_contact(p).pk,
            "channel": "email",
        },
        expect={**API_MANAGE, "manager": 201, "admin": 201},
        tables=TABLES,
    ),
    Row(
        "DELETE /api/v1/responsibilities/{row_id}",
        make=responsibility,
        path=lambda r: f"/api/v1/responsibilities/{r.pk}",
        expect={**API_MANAGE, "manager": 204, "admin": 204},
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/projects/{project_id}/plan-copy",
        make=lambda w, p: p,
        path=lambda p: f"/api/v1/projects/{p.pk}/plan-copy",
        data=lambda p: {"source_project_id": p.pk},
        expect={**API_MANAGE, "manager": 422, "admin": 422},
        tables=TABLES,
        note="copying a project onto itself is refused with 422 after the access checks",
    ),
]

# A client contact's token is refused on the team API before any lookup: the same 403 for
# every id, whichever organisation it belongs to, so nothing is revealed.
_CLIENT_REFUSED_BEFORE_LOOKUP = {
    "GET /api/v1/projects/{project_id}/plan-items",
    "POST /api/v1/projects/{project_id}/plan-items",
    "GET /api/v1/projects/{project_id}/compliance",
    "POST /api/v1/outbox/{message_id}/retry",
    "POST /api/v1/outbox/channels/{channel_id}/retry",
    "DELETE /api/v1/webhook-subscriptions/{subscription_id}",
    "GET /api/v1/projects/{project_id}/responsibilities",
    "POST /api/v1/projects/{project_id}/responsibilities",
    "POST /api/v1/projects/{project_id}/plan-copy",
}
for _row in ROWS:
    if _row.route in _CLIENT_REFUSED_BEFORE_LOOKUP:
        _row.expect_foreign = {**_row.expect_foreign, "client": 403}

# IM and e-mail channels in the API: administrators only; secrets are never returned.
ROWS += [
    Row("GET /api/v1/channels", expect=API_ADMIN_LIST),
    Row(
        "POST /api/v1/channels",
        data=lambda w: {"kind": "slack", "name": "Matrix Slack", "url": "https://hooks.slack.com/services/m"},
        expect={**API_ADMIN_LIST, "admin": 201, "outsider": 201},
        tables=ADMIN_TABLES,
    ),
    Row(
        "PATCH /api/v1/channels/{channel_id}",
        make=channel,
        path=lambda c: f"/api/v1/channels/{c.pk}",
        data=lambda c: {"name": "Renamed", "secret": "new-secret"},
        expect=API_ADMIN_OBJ,
        expect_other_project=ORG_OBJ_OTHER,
        tables=ADMIN_TABLES,
    ),
    Row(
        "POST /api/v1/channels/{channel_id}/test",
        make=channel,
        path=lambda c: f"/api/v1/channels/{c.pk}/test",
        expect={**API_ADMIN_OBJ, "admin": 202},
        expect_other_project=ORG_OBJ_OTHER,
        tables=ADMIN_TABLES,
    ),
    Row(
        "DELETE /api/v1/channels/{channel_id}",
        make=channel,
        path=lambda c: f"/api/v1/channels/{c.pk}",
        expect={**API_ADMIN_OBJ, "admin": 204},
        expect_other_project=ORG_OBJ_OTHER,
        tables=ADMIN_TABLES,
    ),
]
