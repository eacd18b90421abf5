"""Password change (signed in) and password reset by e-mail, through the full request stack."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.test import Client as HttpClient
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accord.comms.models import OutboxMessage
from accord.tenancy.models import User

OLD = "correct horse battery"
NEW = "a-brand-new-passphrase-42"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def _signed_in(email: str, password: str = OLD, **extra) -> HttpClient:
    http = HttpClient(**extra)
    response = http.post("/accounts/signin/", {"username": email, "password": password})
    assert response.status_code == 302, response.content
    return http


@pytest.mark.parametrize(
    ("language", "wrong_message"),
    [("en", "Your old password was entered incorrectly"), ("zh-hans", "旧密码")],
)
def test_password_change_needs_the_current_password_and_ends_the_other_sessions(
    world, language, wrong_message
):
    here = _signed_in("member@acme.example", HTTP_ACCEPT_LANGUAGE=language)
    elsewhere = _signed_in("member@acme.example")

    refused = here.post(
        "/accounts/password/", {"old_password": "guess", "new_password1": NEW, "new_password2": NEW}
    )
    assert refused.status_code == 422
    assert wrong_message in refused.content.decode()
    assert User.objects.get(email="member@acme.example").check_password(OLD)

    changed = here.post(
        "/accounts/password/", {"old_password": OLD, "new_password1": NEW, "new_password2": NEW}
    )
    assert changed.status_code == 302
    assert here.get("/dashboard/").status_code == 200  # this session stays
    gone = elsewhere.get("/dashboard/")
    assert gone.status_code == 302 and gone["Location"].startswith("/accounts/signin/")
    assert (
        HttpClient()
        .post("/accounts/signin/", {"username": "member@acme.example", "password": OLD})
        .status_code
        == 200
    )
    _signed_in("member@acme.example", NEW)


def test_password_change_checks_the_new_password_rules(world):
    here = _signed_in("member@acme.example")
    weak = here.post(
        "/accounts/password/", {"old_password": OLD, "new_password1": "12345", "new_password2": "12345"}
    )
    assert weak.status_code == 422
    assert User.objects.get(email="member@acme.example").check_password(OLD)


def _reset_link(email: str) -> str:
    message = OutboxMessage.objects.get(recipient=email)
    link = next(
        line for line in message.body_text.splitlines() if "/accounts/password/reset/" in line
    ).strip()
    return link[link.index("/accounts/") :]


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        ("en", "Reset your Accord password", "The link works once and for 60 minutes"),
        ("zh-hans", "重置您的 Accord 密码", "60 分钟"),
    ],
)
def test_reset_by_mail_is_single_use_and_ends_every_session(world, language, subject, body):
    User.objects.filter(pk=world.member.pk).update(language=language)
    other_device = _signed_in("member@acme.example")

    visitor = HttpClient()
    asked = visitor.post("/accounts/password/reset/", {"email": "Member@Acme.example"})
    assert asked.status_code == 302 and asked["Location"] == "/accounts/password/reset/sent/"
    message = OutboxMessage.objects.get(recipient="member@acme.example")
    assert message.subject == subject
    assert body in message.body_text
    path = _reset_link("member@acme.example")

    opened = visitor.get(path)  # the token moves into the session, out of the address bar
    assert opened.status_code == 302
    form_path = opened["Location"]
    assert visitor.get(form_path).status_code == 200
    done = visitor.post(form_path, {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/done/"

    assert other_device.get("/dashboard/").status_code == 302  # signed out everywhere
    _signed_in("member@acme.example", NEW)
    # used once: the same link does not work again
    again = HttpClient()
    reopened = again.get(path)
    assert reopened.status_code == 200
    assert "not valid any more" in reopened.content.decode() or "不再有效" in reopened.content.decode()


def test_unknown_address_gets_the_same_answer_and_no_mail(world):
    known = HttpClient().post("/accounts/password/reset/", {"email": "member@acme.example"})
    unknown = HttpClient().post("/accounts/password/reset/", {"email": "nobody@acme.example"})
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert OutboxMessage.objects.filter(recipient="nobody@acme.example").count() == 0
    assert OutboxMessage.objects.filter(subject__icontains="password").count() == 1


def test_reset_link_older_than_an_hour_is_refused(world):
    user = User.objects.get(email="member@acme.example")
    generator = default_token_generator
    issued = generator._num_seconds(generator._now()) - 3601
    token = generator._make_token_with_timestamp(user, issued, generator.secret)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    visitor = HttpClient()
    response = visitor.get(f"/accounts/password/reset/{uid}/{token}/", follow=True)
    assert response.status_code == 200
    assert "not valid any more" in response.content.decode()
    assert not response.context["validlink"]


def test_reset_requests_are_throttled_per_account_from_any_address(world, settings):
    settings.ACCORD_PASSWORD_RESET_PER_ACCOUNT = 3
    statuses = [
        HttpClient(REMOTE_ADDR=f"198.51.100.{n}").post(
            "/accounts/password/reset/", {"email": "member@acme.example"}
        )
        for n in range(1, 6)
    ]
    assert [r.status_code for r in statuses] == [302, 302, 302, 429, 429]
    assert int(statuses[3]["Retry-After"]) > 0
    assert OutboxMessage.objects.filter(recipient="member@acme.example").count() == 3


def test_reset_requests_are_throttled_per_address_over_any_accounts(world, settings):
    settings.ACCORD_PASSWORD_RESET_PER_IP = 4
    http = HttpClient(REMOTE_ADDR="203.0.113.5")
    statuses = [
        http.post("/accounts/password/reset/", {"email": f"guess{n}@acme.example"}).status_code
        for n in range(6)
    ]
    assert statuses == [302, 302, 302, 302, 429, 429]
    assert (
        HttpClient(REMOTE_ADDR="203.0.113.6")
        .post("/accounts/password/reset/", {"email": "member@acme.example"})
        .status_code
        == 302
    )


def test_reset_mail_link_points_at_the_configured_address(world, settings):
    settings.BASE_URL = "https://accord.example.com"
    HttpClient().post("/accounts/password/reset/", {"email": "member@acme.example"})
    text = OutboxMessage.objects.get(recipient="member@acme.example").body_text
    assert re.search(r"https://accord\.example\.com/accounts/password/reset/[^/]+/[^/]+/", text)
