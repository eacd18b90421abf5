"""Sign-in lockout per account (from any address) and per client address (over any account),
with the client address taken from X-Forwarded-For only behind a trusted proxy."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client as HttpClient
from django.test import RequestFactory

from accord.tenancy.clientip import client_ip
from accord.testing import factories as f

PASSWORD = "correct horse battery"
SPRAYED = "Spring2026!"


def _sign_in(email: str, password: str, **meta):
    return HttpClient().post("/accounts/signin/", {"username": email, "password": password}, **meta)


@pytest.fixture
def accounts(world):
    return [
        f.MembershipFactory(
            organization=world.org, user=f.UserFactory(email=f"person{n}@acme.example")
        ).user.email
        for n in range(12)
    ]


def test_one_password_sprayed_over_twelve_accounts_from_one_address_is_stopped(world, accounts, settings):
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [_sign_in(email, SPRAYED, REMOTE_ADDR="203.0.113.7").status_code for email in accounts]
    # each account saw one failure only; the address reached the limit and is paused
    assert statuses[: limit - 1] == [200] * (limit - 1)
    assert set(statuses[limit - 1 :]) == {429}
    # even the right password of an untouched account is refused from that address now
    assert _sign_in("member@acme.example", PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 429
    # another address is not affected
    assert _sign_in("member@acme.example", PASSWORD, REMOTE_ADDR="203.0.113.8").status_code == 302


def test_one_account_guessed_from_many_addresses_is_stopped(world, settings):
    limit = settings.AXES_FAILURE_LIMIT
    for n in range(limit - 1):
        assert (
            _sign_in("member@acme.example", f"guess-{n}", REMOTE_ADDR=f"198.51.100.{n + 1}").status_code
            == 200
        )
    assert _sign_in("member@acme.example", "guess-last", REMOTE_ADDR="198.51.100.99").status_code == 429
    assert _sign_in("member@acme.example", PASSWORD, REMOTE_ADDR="198.51.100.200").status_code == 429
    assert _sign_in("manager@acme.example", PASSWORD, REMOTE_ADDR="198.51.100.200").status_code == 302


def test_signing_in_to_your_own_account_does_not_clear_the_addresss_failures(world, accounts, settings):
    limit = settings.AXES_FAILURE_LIMIT
    for email in accounts[: limit - 1]:
        _sign_in(email, SPRAYED, REMOTE_ADDR="203.0.113.7")
    assert _sign_in("member@acme.example", PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 302
    # the sprayer's next guess is still the address's last one allowed
    assert _sign_in(accounts[limit], SPRAYED, REMOTE_ADDR="203.0.113.7").status_code == 429


def test_forwarded_for_from_an_untrusted_peer_is_ignored(world, accounts, settings):
    settings.ACCORD_TRUSTED_PROXIES = []
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [
        _sign_in(email, SPRAYED, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n, email in enumerate(accounts)
    ]
    assert set(statuses[limit - 1 :]) == {429}  # rotating the header does not make new addresses
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_forwarded_for_from_a_trusted_proxy_names_the_client(world, accounts, settings):
    settings.ACCORD_TRUSTED_PROXIES = ["10.0.0.0/8"]
    limit = settings.AXES_FAILURE_LIMIT
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    statuses = [
        _sign_in(email, SPRAYED, HTTP_X_FORWARDED_FOR="192.0.2.66", **proxy).status_code for email in accounts
    ]
    assert set(statuses[limit - 1 :]) == {429}
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.66"}
    # other people behind the same proxy are not locked out with the sprayer
    assert (
        _sign_in("member@acme.example", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.10", **proxy).status_code
        == 302
    )


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "expected"),
    [
        ([], "203.0.113.7", "192.0.2.1", "203.0.113.7"),
        (["10.0.0.0/8"], "203.0.113.7", "192.0.2.1", "203.0.113.7"),
        (["10.0.0.0/8"], "10.0.0.2", "192.0.2.1", "192.0.2.1"),
        # the client wrote its own header; the proxy appended the real address on the right
        (["10.0.0.0/8"], "10.0.0.2", "6.6.6.6, 192.0.2.1", "192.0.2.1"),
        # two trusted hops
        (["10.0.0.0/8", "172.16.0.1"], "10.0.0.2", "6.6.6.6, 192.0.2.1, 172.16.0.1", "192.0.2.1"),
        (["10.0.0.0/8"], "10.0.0.2", "not-an-address", "10.0.0.2"),
        (["10.0.0.0/8"], "10.0.0.2", "", "10.0.0.2"),
        (["::1/128"], "::1", "2001:db8::5", "2001:db8::5"),
    ],
)
def test_client_address(settings, trusted, peer, forwarded, expected):
    settings.ACCORD_TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
