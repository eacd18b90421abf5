"""One-time links (portal sign-in, invitations, surveys, support address confirmation) are never
readable in the outbox: the stored message shows a mask, only the mail actually sent carries the
token — an admin who reads the outbox page or API cannot sign in as a contact or take an account."""

import re

import pytest
from django.urls import reverse

from accord.comms.models import OutboxMessage, secret_mask
from accord.feedback import services as feedback_services
from accord.tenancy.models import Invitation, Role, hash_token

pytestmark = pytest.mark.django_db

LINK_RE = re.compile(r"https?://[^/\s]+(/\S+?/)(?=\s|$)")


def _path(text, marker):
    return next(m.group(1) for m in LINK_RE.finditer(text) if marker in m.group(1))


def _outbox_seen_by(world, user) -> str:
    """Everything an admin sees of the outbox: the list, every message's page and the API."""
    http = world.http(user)
    pages = [http.get(reverse("comms:outbox")).content.decode()]
    for message in OutboxMessage.objects.filter(organization=world.org):
        response = http.get(reverse("comms:outbox_detail", args=[message.pk]))
        assert response.status_code == 200
        pages.append(response.content.decode())
    api = world.api(user).get("/outbox")
    assert api.status_code == 200
    pages.append(api.content.decode())
    return "\n".join(pages)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_one_time_links_reach_the_recipient_but_not_the_outbox(
    world, smtp_server, django_capture_on_commit_callbacks, language
):
    world.admin.language = language
    world.admin.save()
    world.contact.language = language
    world.contact.save()
    admin_http = world.http(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        # A client contact asks for a sign-in link (anonymous, on the portal's sign-in page).
        assert (
            world.http(None).post(reverse("portal:link_request"), {"email": world.contact.email}).status_code
        )
        # The admin invites a new team member.
        invited = admin_http.post(
            reverse("tenancy:members"), {"email": "new.hire@acme.example", "role": Role.MEMBER}
        )
        assert invited.status_code == 302
        # A manager sends a survey to the contact.
        survey = feedback_services.survey_create(
            actor=world.as_member(world.manager), project=world.project, title="Q4"
        )
        sent = world.http(world.manager).post(
            reverse("feedback:survey_send", args=[survey.pk]), {"contacts": [world.contact.pk]}
        )
        assert sent.status_code == 302
    assert OutboxMessage.objects.filter(status="sent").count() >= 3

    texts = "\n".join(m["message"].get_body(("plain",)).get_content() for m in smtp_server.messages)
    signin_path = _path(texts, "/portal/signin/link/")
    invite_path = _path(texts, "/accounts/invitations/")
    survey_path = _path(texts, "/s/")
    tokens = [path.rstrip("/").rsplit("/", 1)[1] for path in (signin_path, invite_path, survey_path)]
    assert all(len(token) >= 20 for token in tokens)
    assert Invitation.objects.filter(token_hash=hash_token(tokens[1])).exists()

    # The attack: the admin (or an outsider) reads the outbox. No token anywhere.
    seen = _outbox_seen_by(world, world.admin)
    for token in tokens:
        assert token not in seen
    assert secret_mask(0) in seen
    for message in OutboxMessage.objects.all():
        stored = f"{message.body_text}{message.body_html}{message.payload}{message.secrets_encrypted}"
        assert not any(token in stored for token in tokens)
    outsider_view = world.http(world.outsider).get(reverse("comms:outbox")).content.decode()
    assert not any(token in outsider_view for token in tokens)

    # The recipients' links work.
    visitor = world.http(None)
    assert visitor.get(signin_path).status_code == 200
    signed_in = visitor.post(signin_path)
    assert signed_in.status_code == 302 and signed_in.url == reverse("portal:home")
    assert world.http(None).get(invite_path).status_code == 200
    assert world.http(None).get(survey_path).status_code == 200


def test_a_message_whose_secret_cannot_be_decrypted_is_not_sent_masked(world, smtp_server, settings):
    from accord.comms import delivery, services

    message = services.outbox_email(
        organization=world.org,
        to="x@client.example",
        subject="Link",
        text="Go to /l/abcdefghij/",
        secrets=["abcdefghij"],
    )
    assert "abcdefghij" not in message.body_text
    settings.FIELD_ENCRYPTION_KEY = "a key the secret was not encrypted with"
    delivery.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == "dead" and "decrypted" in message.last_error
    assert smtp_server.messages == []


def test_messages_stored_before_masking_are_masked_by_the_migration(world):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("accord.comms.migrations.0005_mask_one_time_links_in_stored_messages")
    token = "Abc_def-1234567890ghijklmnopqrstuvwxyz0123"
    text = f"Sign in: https://accord.example/portal/signin/link/{token}/\nThanks"
    old = OutboxMessage.objects.create(
        organization=world.org, recipient="li.na@client.example", subject="Link", body_text=text
    )
    plain = OutboxMessage.objects.create(
        organization=world.org, recipient="x@client.example", subject="Report", body_text="See /s/short/"
    )
    migration.mask_stored_links(apps, None)
    old.refresh_from_db()
    plain.refresh_from_db()
    assert token not in old.body_text and secret_mask(0) in old.body_text
    assert old.unmask(old.body_text) == text
    assert plain.body_text == "See /s/short/" and plain.secrets_encrypted == ""
