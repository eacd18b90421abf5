"""Support addresses and mail waiting for the team, through the API."""

import pytest

from accord.comms.inbound import mail_ingest
from accord.comms.models import OutboxMessage
from accord.service.models import MailState, SupportMail, SupportMailbox, SupportRequest

from .factories import SupportRequestFactory, confirmed_mailbox
from .test_mail import _mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(world):
    return confirmed_mailbox(world.memberships[world.admin.pk], "support@acme.example")


def _unmatched(world, n=1):
    for i in range(n):
        mail_ingest(
            _mail(sender=f"new{i}@stranger.example", msgid=f"<s{i}@stranger.example>", subject=f"Help {i}")
        )
    return list(SupportMail.objects.filter(state=MailState.UNMATCHED).order_by("id"))


def test_admin_adds_resends_lists_and_removes_a_support_address(world):
    api = world.api(world.admin)
    response = api.post(
        "/support-addresses",
        {"address": "Help@Acme.example", "project_id": world.project.pk, "priority": "high"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["verified_at"] is None and body["priority"] == "high"
    assert OutboxMessage.objects.filter(recipient=body["address"]).count() == 1
    assert api.post(f"/support-addresses/{body['id']}/resend").status_code == 200
    assert OutboxMessage.objects.filter(recipient=body["address"]).count() == 2
    assert [b["id"] for b in api.get("/support-addresses").json()] == [body["id"]]
    assert api.delete(f"/support-addresses/{body['id']}").status_code == 204
    assert not SupportMailbox.objects.exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "This address is confirmed already."), ("zh-hans", "该地址已经确认。")],
)
def test_a_confirmed_address_needs_no_new_link(world, mailbox, language, message):
    response = world.api(world.admin).post(
        f"/support-addresses/{mailbox.pk}/resend", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 422
    assert response.json()["message"] == message


def test_managers_cannot_add_support_addresses(world):
    response = world.api(world.manager).post("/support-addresses", {"address": "x@acme.example"})
    assert response.status_code == 403
    assert not SupportMailbox.objects.exists()


def test_unmatched_mail_is_listed_and_opened_as_a_request(world, mailbox):
    mail = _unmatched(world)[0]
    api = world.api(world.member)
    listed = api.get("/support-mail").json()
    assert [(m["id"], m["subject"], m["reason"]) for m in listed] == [(mail.pk, "Help 0", "unknown_sender")]
    response = api.post(f"/support-mail/{mail.pk}/open", {"project_id": world.project.pk, "priority": "high"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "assigned"
    created = SupportRequest.objects.get(pk=body["request_id"])
    assert created.project_id == world.project.pk and created.priority == "high"
    assert api.get("/support-mail").json() == []


def test_a_member_cannot_open_a_request_on_a_project_they_are_not_on(world, mailbox):
    mail = _unmatched(world)[0]
    response = world.api(world.member).post(
        f"/support-mail/{mail.pk}/open", {"project_id": world.other_project.pk}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "project_id"
    assert not SupportRequest.objects.exists()


def test_unmatched_mail_is_attached_to_a_request_or_discarded(world, mailbox):
    first, second = _unmatched(world, 2)
    request = SupportRequestFactory(project=world.project, contact=world.contact, title="Export")
    api = world.api(world.member)
    response = api.post(f"/support-mail/{first.pk}/attach", {"request_id": request.pk})
    assert response.status_code == 200, response.content
    assert response.json()["request_id"] == request.pk
    response = api.post(f"/support-mail/{second.pk}/discard")
    assert response.status_code == 200 and response.json()["state"] == "discarded"
    # Mail dealt with is not waiting any more.
    response = api.post(f"/support-mail/{second.pk}/discard")
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "There is no support request with this number that you can see."),
        ("zh-hans", "没有您可查看的该编号支持请求。"),
    ],
)
def test_a_request_the_member_cannot_see_is_refused_translated(world, mailbox, language, message):
    mail = _unmatched(world)[0]
    hidden = SupportRequestFactory(project=world.other_project, title="Hidden")
    response = world.api(world.member).post(
        f"/support-mail/{mail.pk}/attach", {"request_id": hidden.pk}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "request_id", "message": message}]
    mail.refresh_from_db()
    assert mail.state == MailState.UNMATCHED


def test_client_contacts_and_other_organisations_reach_no_mail(world, mailbox):
    mail = _unmatched(world)[0]
    assert world.api(world.client_user).get("/support-mail").status_code == 403
    assert world.api(world.outsider).post(f"/support-mail/{mail.pk}/discard").status_code == 404
    mail.refresh_from_db()
    assert mail.state == MailState.UNMATCHED
