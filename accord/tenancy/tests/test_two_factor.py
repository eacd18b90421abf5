"""Two-factor sign-in (TOTP): enrolment, sign-in, recovery codes, turning off, and the
organisation's requirement — with real codes from pyotp, through the full request stack."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from django.core.cache import cache
from django.test import Client as HttpClient

from accord.tenancy import account
from accord.tenancy.models import Organization, RecoveryCode, User

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def _enrol(user) -> tuple[pyotp.TOTP, list[str]]:
    secret = account.two_factor_begin(user=user)
    totp = pyotp.TOTP(secret)
    codes = account.two_factor_confirm(user=user, code=totp.now())
    return totp, codes


def _next_code(totp: pyotp.TOTP) -> str:
    """The code of the next 30-second step: accepted (clock drift) and never used before."""
    return totp.at(time.time() + totp.interval)


@pytest.mark.parametrize(
    ("language", "heading", "wrong"),
    [("en", "Your recovery codes", "That code is not right"), ("zh-hans", "您的恢复码", "验证码不正确")],
)
def test_member_enrols_with_the_key_shown_as_text_and_gets_ten_hashed_recovery_codes(
    world, language, heading, wrong
):
    http = world.http(world.member)
    http.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    assert http.post("/accounts/two-factor/setup/").status_code == 302
    page = http.get("/accounts/two-factor/").content.decode()
    secret = re.search(r'id="two-factor-secret">([A-Z2-7]+)<', page).group(1)
    assert "otpauth://totp/Accord:member%40acme.example?secret=" + secret in page
    totp = pyotp.TOTP(secret)

    refused = http.post(
        "/accounts/two-factor/confirm/", {"code": "000000" if totp.now() != "000000" else "111111"}
    )
    assert refused.status_code == 422 and wrong in refused.content.decode()
    assert not User.objects.get(pk=world.member.pk).has_two_factor

    done = http.post("/accounts/two-factor/confirm/", {"code": totp.now()})
    assert done.status_code == 200
    body = done.content.decode()
    assert heading in body
    shown = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", body)
    assert len(shown) == 10
    stored = set(RecoveryCode.objects.filter(user=world.member).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not stored & {c.replace("-", "") for c in shown}
    assert User.objects.get(pk=world.member.pk).has_two_factor
    # the secret is not kept in clear
    assert secret not in User.objects.get(pk=world.member.pk).two_factor_secret


def test_sign_in_asks_for_the_code_after_the_password(world):
    totp, _codes = _enrol(world.member)
    http = HttpClient()
    first = http.post("/accounts/signin/", {"username": "member@acme.example", "password": PASSWORD})
    assert first.status_code == 302 and first["Location"] == "/accounts/signin/code/"
    assert http.get("/dashboard/").status_code == 302  # not signed in yet
    assert http.get("/accounts/signin/code/").status_code == 200
    assert http.post("/accounts/signin/code/", {"code": "12345x"}).status_code == 422
    code = _next_code(totp)
    ok = http.post("/accounts/signin/code/", {"code": code})
    assert ok.status_code == 302 and ok["Location"] == "/dashboard/"
    assert http.get("/dashboard/").status_code == 200

    # the same code does not sign in a second time (someone who saw it over the shoulder)
    replay = HttpClient()
    replay.post("/accounts/signin/", {"username": "member@acme.example", "password": PASSWORD})
    assert replay.post("/accounts/signin/code/", {"code": code}).status_code == 422
    assert replay.get("/dashboard/").status_code == 302


def test_code_page_without_a_password_first_goes_back_to_sign_in(world):
    _enrol(world.member)
    response = HttpClient().post("/accounts/signin/code/", {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == "/accounts/signin/"


def test_a_recovery_code_signs_in_once(world):
    _totp, codes = _enrol(world.member)
    for expected in (302, 422):
        http = HttpClient()
        http.post("/accounts/signin/", {"username": "member@acme.example", "password": PASSWORD})
        assert http.post("/accounts/signin/code/", {"code": codes[0].upper()}).status_code == expected
    assert RecoveryCode.objects.filter(user=world.member, used_at__isnull=False).count() == 1


def test_wrong_codes_are_throttled_per_account(world, settings):
    settings.ACCORD_TWO_FACTOR_ATTEMPTS = 3
    totp, _codes = _enrol(world.member)
    http = HttpClient()
    http.post("/accounts/signin/", {"username": "member@acme.example", "password": PASSWORD})
    wrong = "000000" if _next_code(totp) != "000000" else "111111"
    assert [http.post("/accounts/signin/code/", {"code": wrong}).status_code for _ in range(3)] == [422] * 3
    blocked = http.post("/accounts/signin/code/", {"code": _next_code(totp)})
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    # a fresh password sign-in does not reset the count
    again = HttpClient()
    again.post("/accounts/signin/", {"username": "member@acme.example", "password": PASSWORD})
    assert again.post("/accounts/signin/code/", {"code": _next_code(totp)}).status_code == 429


def test_turning_off_needs_the_password_and_a_code(world):
    totp, _codes = _enrol(world.member)
    http = world.http(world.member)
    no_password = http.post("/accounts/two-factor/disable/", {"password": "guess", "code": _next_code(totp)})
    assert no_password.status_code == 422
    assert User.objects.get(pk=world.member.pk).has_two_factor
    no_code = http.post("/accounts/two-factor/disable/", {"password": PASSWORD, "code": "000000"})
    assert no_code.status_code == 422
    ok = http.post("/accounts/two-factor/disable/", {"password": PASSWORD, "code": _next_code(totp)})
    assert ok.status_code == 302
    user = User.objects.get(pk=world.member.pk)
    assert not user.has_two_factor and not user.two_factor_secret
    assert not RecoveryCode.objects.filter(user=user).exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_owner_requires_two_factor_and_members_without_it_set_it_up_first(world, language):
    owner = world.http(world.owner)
    owner.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    # only the owner decides
    assert (
        world.http(world.admin).post("/accounts/organization/two-factor/", {"required": "on"}).status_code
        == 403
    )
    # not before the owner has it
    owner.post("/accounts/organization/two-factor/", {"required": "on"})
    assert not Organization.objects.get(pk=world.org.pk).require_two_factor
    _enrol(world.owner)
    assert owner.post("/accounts/organization/two-factor/", {"required": "on"}).status_code == 302
    assert Organization.objects.get(pk=world.org.pk).require_two_factor
    # and the administrator, who has no two-factor yet, is sent to set it up like everyone
    assert world.http(world.admin).post("/accounts/organization/two-factor/", {}).status_code == 302

    member = world.http(world.member)
    member.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    sent = member.get("/dashboard/")
    assert sent.status_code == 302 and sent["Location"] == "/accounts/two-factor/"
    assert member.get(f"/projects/{world.project.pk}/").status_code == 302
    assert member.get("/api/v1/me").status_code == 403
    page = member.get("/accounts/two-factor/")
    assert page.status_code == 200
    assert (
        "requires two-factor sign-in" if language == "en" else "要求使用双重验证"
    ) in page.content.decode()
    _enrol(world.member)
    assert member.get("/dashboard/").status_code == 200
    # client contacts use the portal and are not asked
    assert world.http(world.client_user).get("/portal/").status_code == 200
