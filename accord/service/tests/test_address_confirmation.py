"""Support addresses are claimed by proof: an organisation's address takes mail only after someone
reading that mailbox followed the confirmation link sent there. Claiming never tells whether
another organisation has the address, and the first confirmed claim wins."""

import re

import pytest
from django.urls import reverse

from accord.comms.inbound import InboundRejected, mail_ingest
from accord.comms.models import InboundMessage, OutboxMessage
from accord.service.models import SupportMailbox, SupportRequest

from .test_mail import _mail

pytestmark = pytest.mark.django_db

ADDRESS = "support@acme.example"
CONFIRM_RE = re.compile(r"https?://[^/\s]+(/support/addresses/confirm/[\w-]+/)")
TEXTS = {
    "en": {"subject": "Confirm the support address", "button": "Confirm the address", "done": "is confirmed"},
    "zh-hans": {"subject": "确认支持地址", "button": "确认该地址", "done": "已确认"},
}


def _add(http, address):
    response = http.post(
        reverse("service:mailboxes"), {"address": address, "priority": "normal"}, follow=True
    )
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


def _confirmation_paths(smtp_server, address=ADDRESS):
    paths = []
    for received in smtp_server.messages:
        if address in received["to"]:
            text = received["message"].get_body(("plain",)).get_content()
            paths += CONFIRM_RE.findall(text)
    return paths


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_address_routes_only_after_its_mailbox_confirmed_it(
    world, smtp_server, django_capture_on_commit_callbacks, language
):
    texts = TEXTS[language]
    world.admin.language = language
    world.admin.save()
    ours, theirs = world.http(world.admin), world.http(world.outsider)

    # Organisation B claims the address first (before the fix this was enough to take A's mail).
    with django_capture_on_commit_callbacks(execute=True):
        first_claim = _add(theirs, ADDRESS)
    with pytest.raises(InboundRejected):
        mail_ingest(_mail(to=ADDRESS, msgid="<early@client.example>"))
    assert not InboundMessage.objects.exists() and not SupportRequest.objects.exists()

    # A claims it too: the answer is the same as for an address nobody has — nothing is revealed.
    with django_capture_on_commit_callbacks(execute=True):
        claim_taken = _add(ours, ADDRESS)
        claim_free = _add(ours, "help@acme.example")
    assert claim_taken == claim_free
    assert len(first_claim) == 1
    page = ours.get(reverse("service:mailboxes")).content.decode()
    assert world.other_org.name not in page

    # Each claim mailed a confirmation link to the address; the outbox shows none of them.
    subjects = [m["message"]["Subject"] for m in smtp_server.messages if ADDRESS in m["to"]]
    assert len(subjects) == 2 and texts["subject"] in subjects[1]  # ours, in our admin's language
    their_path, our_path = _confirmation_paths(smtp_server)
    for box in SupportMailbox.objects.filter(address=ADDRESS):
        outbox = OutboxMessage.objects.get(related_type="service.supportmailbox", related_id=str(box.pk))
        detail = world.http(world.admin if box.organization == world.org else world.outsider).get(
            reverse("comms:outbox_detail", args=[outbox.pk])
        )
        assert detail.status_code == 200
        assert their_path not in detail.content.decode() and our_path not in detail.content.decode()

    # Whoever reads support@ follows A's link: a confirmation page, then the address is A's.
    reader = world.http(None)
    asked = reader.get(our_path, HTTP_ACCEPT_LANGUAGE=language)
    assert asked.status_code == 200 and texts["button"] in asked.content.decode()
    assert not SupportMailbox.objects.get(
        organization=world.org, address=ADDRESS
    ).is_verified  # GET changes nothing
    done = reader.post(our_path, HTTP_ACCEPT_LANGUAGE=language)
    assert done.status_code == 200 and texts["done"] in done.content.decode()
    assert SupportMailbox.objects.get(organization=world.org, address=ADDRESS).is_verified

    # B's link can no longer confirm: the verified claim wins.
    late = reader.post(their_path)
    assert late.status_code == 410
    assert not SupportMailbox.objects.get(organization=world.other_org, address=ADDRESS).is_verified
    assert reader.post(our_path.replace(our_path[-8:-1], "xxxxxxx")).status_code == 404

    # Mail to the address now lands in A, and only there.
    mail_ingest(_mail(to=ADDRESS, msgid="<after@client.example>"))
    assert list(InboundMessage.objects.values_list("organization_id", flat=True)) == [world.org.pk]
    assert SupportRequest.objects.get().organization == world.org


def test_a_new_link_can_be_sent_and_the_old_one_stops_working(
    world, smtp_server, django_capture_on_commit_callbacks
):
    http = world.http(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        _add(http, ADDRESS)
    box = SupportMailbox.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert http.post(reverse("service:mailbox_resend", args=[box.pk])).status_code == 302
    old_path, new_path = _confirmation_paths(smtp_server)
    assert world.http(None).post(old_path).status_code == 404
    assert world.http(None).post(new_path).status_code == 200
    box.refresh_from_db()
    assert box.is_verified
    assert (
        world.http(world.outsider).post(reverse("service:mailbox_resend", args=[box.pk])).status_code == 404
    )
    answer = http.post(reverse("service:mailbox_resend", args=[box.pk]), follow=True)
    assert [str(m) for m in answer.context["messages"]][-1] == "This address is confirmed already."
