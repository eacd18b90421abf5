import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accord.audit.models import AuditAction, AuditEntry
from accord.comms.models import OutboxMessage
from accord.portal import services
from accord.portal.models import SignInLink

pytestmark = pytest.mark.django_db


def _ask(http, email):
    return http.post(reverse("portal:link_request"), {"email": email})


def _page(response, email):
    html = response.content.decode().replace(email, "")
    # The CSRF token and the CSP nonce differ on every answer; nothing else may.
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": "|nonce=")[^"]+', "", html)


def _link_from_outbox(email):
    message = OutboxMessage.objects.filter(recipient=email).order_by("-id").first()
    assert message is not None
    return re.search(r"https?://\S+/portal/signin/link/[\w-]+/", message.unmask(message.body_text)).group(0)


def test_link_signs_the_client_in_once(world, client):
    answer = _ask(client, "LI.NA@client.example")
    assert answer.status_code == 200
    url = _link_from_outbox("li.na@client.example")
    path = url.split("://", 1)[1].split("/", 1)[1]
    # Opening the link only asks to confirm: a mail scanner does not use it up.
    confirm = client.get("/" + path)
    assert confirm.status_code == 200
    assert SignInLink.objects.get().used_at is None
    signed_in = client.post("/" + path)
    assert signed_in.status_code == 302 and signed_in["Location"] == reverse("portal:home")
    home = client.get(reverse("portal:home"))
    assert home.status_code == 200 and "ERP rollout" in home.content.decode()
    link = SignInLink.objects.get()
    assert link.used_at is not None
    assert AuditEntry.objects.filter(object_id=str(link.pk), verb="used", actor=world.client_user).exists()

    # Reused: refused with a clear page, audited, nobody signed in.
    other = world.http(None)
    again = other.post("/" + path)
    assert again.status_code == 410
    assert "used already" in again.content.decode()
    assert AuditEntry.objects.filter(
        object_id=str(link.pk), verb="refused", action=AuditAction.DENIED
    ).exists()
    assert other.get(reverse("portal:home")).status_code == 302


def test_expired_link_is_refused_and_audited(world, client):
    link = services.signin_link_request(email="li.na@client.example")
    SignInLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("portal:link_signin", args=[link.raw_token]))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    entry = AuditEntry.objects.get(object_id=str(link.pk), verb="refused")
    assert entry.changes["reason"] == [None, "expired"]
    assert client.get(reverse("portal:home")).status_code == 302


def test_link_expires_after_fifteen_minutes(world):
    before = timezone.now()
    link = services.signin_link_request(email="li.na@client.example")
    assert dt.timedelta(minutes=14) < link.expires_at - before <= dt.timedelta(minutes=15, seconds=5)


def test_unknown_token_is_not_found(world, client):
    response = client.get(reverse("portal:link_signin", args=["guessed-token"]))
    assert response.status_code == 404
    assert client.post(reverse("portal:link_signin", args=["guessed-token"])).status_code == 404


def test_same_answer_for_unknown_address_and_team_members(world, client):
    known = _page(_ask(client, "li.na@client.example"), "li.na@client.example")
    for email in ("nobody@nowhere.example", world.member.email):
        answer = _ask(client, email)
        assert answer.status_code == 200
        assert _page(answer, email) == known
    assert SignInLink.objects.count() == 1
    assert not OutboxMessage.objects.filter(
        recipient__in=["nobody@nowhere.example", world.member.email]
    ).exists()


def test_link_requests_are_rate_limited(world, client):
    for _ in range(services.RATE_PER_EMAIL):
        assert _ask(client, "li.na@client.example").status_code == 200
    assert _ask(client, "li.na@client.example").status_code == 429
    assert SignInLink.objects.count() == services.RATE_PER_EMAIL


def test_bad_email_is_a_form_error(world, client):
    response = _ask(client, "not-an-address")
    assert response.status_code == 422
    assert SignInLink.objects.count() == 0


def test_link_for_a_removed_portal_account_is_refused(world, client):
    link = services.signin_link_request(email="li.na@client.example")
    world.memberships[world.client_user.pk].__class__.objects.filter(user=world.client_user).update(
        is_active=False
    )
    response = client.post(reverse("portal:link_signin", args=[link.raw_token]))
    assert response.status_code == 410
    assert AuditEntry.objects.filter(object_id=str(link.pk), verb="refused").exists()


def test_password_sign_in_lands_client_on_portal(world, client):
    response = client.post(
        reverse("tenancy:login"), {"username": "li.na@client.example", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    final = client.get(response["Location"], follow=True)
    assert final.redirect_chain[-1][0] == reverse("portal:home")
