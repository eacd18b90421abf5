"""API tokens: scopes, expiry, last use; request limits per token and per client address; who
may read the API documentation in production — through the full request stack."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.cache import cache
from django.test import Client as HttpClient
from django.utils import timezone

from accord.crm.models import Client
from accord.tenancy.models import ApiToken, TokenScope, User
from accord.tenancy.services import api_token_create


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def _bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def _token(world, user=None, **kwargs) -> str:
    _row, raw = api_token_create(
        membership=world.memberships[(user or world.manager).pk], name="script", **kwargs
    )
    return raw


def test_read_only_token_reads_but_cannot_write(world):
    raw = _token(world, scope=TokenScope.READ)
    http = HttpClient()
    assert http.get("/api/v1/clients", headers=_bearer(raw)).status_code == 200
    before = Client.objects.count()
    created = http.post(
        "/api/v1/clients", {"name": "Sneaky"}, content_type="application/json", headers=_bearer(raw)
    )
    assert created.status_code == 403
    assert "read-only" in created.json()["message"]
    path = f"/api/v1/clients/{world.client.pk}"
    assert (
        http.patch(path, {"name": "X"}, content_type="application/json", headers=_bearer(raw)).status_code
        == 403
    )
    assert http.put(
        path, {"name": "X"}, content_type="application/json", headers=_bearer(raw)
    ).status_code in (403, 405)
    assert http.delete(path, headers=_bearer(raw)).status_code == 403
    assert Client.objects.count() == before
    world.client.refresh_from_db()
    assert world.client.name == "Huaxin Manufacturing 华信制造"


def test_read_write_token_writes(world):
    raw = _token(world, scope=TokenScope.WRITE)
    response = HttpClient().post(
        "/api/v1/clients", {"name": "Allowed"}, content_type="application/json", headers=_bearer(raw)
    )
    assert response.status_code == 201, response.content


def test_expired_token_is_a_401(world):
    raw = _token(world, expires_at=timezone.now() + dt.timedelta(days=1))
    assert HttpClient().get("/api/v1/me", headers=_bearer(raw)).status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    refused = HttpClient().get("/api/v1/me", headers=_bearer(raw))
    assert refused.status_code == 401


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai", "America/Los_Angeles"])
def test_token_page_shows_access_expiry_and_last_use(world, language, zone):
    User.objects.filter(pk=world.manager.pk).update(language=language, timezone=zone)
    expires = timezone.now() + dt.timedelta(days=30)
    raw = _token(world, scope=TokenScope.READ, expires_at=expires)
    HttpClient(REMOTE_ADDR="198.51.100.23").get("/api/v1/me", headers=_bearer(raw))
    token = ApiToken.objects.get()
    assert token.last_used_ip == "198.51.100.23"
    assert timezone.now() - token.last_used_at < dt.timedelta(seconds=30)
    page = world.http(world.manager).get("/accounts/profile/").content.decode()
    local = token.last_used_at.astimezone(zoneinfo.ZoneInfo(zone))
    assert local.strftime("%Y-%m-%d %H:%M") in page
    assert "198.51.100.23" in page
    assert expires.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M") in page
    assert ("Read only" if language == "en" else "只读") in page


def test_token_created_on_the_profile_page_with_access_and_expiry(world):
    http = world.http(world.manager)
    response = http.post(
        "/accounts/profile/tokens/", {"name": "Reporting", "scope": "read", "expires_in_days": "30"}
    )
    assert response.status_code == 302
    token = ApiToken.objects.get(name="Reporting")
    assert token.scope == TokenScope.READ
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    refused = http.post("/accounts/profile/tokens/", {"name": "Bad", "scope": "admin"})
    assert refused.status_code == 302 and not ApiToken.objects.filter(name="Bad").exists()


@pytest.mark.parametrize(("language", "message"), [("en", "Too many requests"), ("zh-hans", "请求过多")])
def test_requests_per_token_are_limited_with_retry_after(world, settings, language, message):
    settings.ACCORD_API_RATE_PER_TOKEN = 3
    raw = _token(world)
    http = HttpClient(HTTP_ACCEPT_LANGUAGE=language)
    statuses = [http.get("/api/v1/me", headers=_bearer(raw)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    limited = http.get("/api/v1/me", headers=_bearer(raw))
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert message in limited.json()["message"]
    # another token from the same address has its own allowance
    assert http.get("/api/v1/me", headers=_bearer(_token(world, user=world.member))).status_code == 200


def test_requests_per_client_address_are_limited_before_authentication(world, settings):
    settings.ACCORD_API_RATE_PER_IP = 3
    guesser = HttpClient(REMOTE_ADDR="203.0.113.9")
    statuses = [guesser.get("/api/v1/me", headers=_bearer(f"acc_guess{n}")).status_code for n in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    # a valid token from that address waits too; other addresses do not
    assert guesser.get("/api/v1/me", headers=_bearer(_token(world))).status_code == 429
    assert (
        HttpClient(REMOTE_ADDR="203.0.113.10").get("/api/v1/me", headers=_bearer(_token(world))).status_code
        == 200
    )


def test_address_limit_follows_the_trusted_proxy_only(world, settings):
    settings.ACCORD_API_RATE_PER_IP = 2
    settings.ACCORD_TRUSTED_PROXIES = ["10.0.0.0/8"]
    raw = _token(world)

    def call(forwarded, peer="10.0.0.2"):
        return (
            HttpClient(REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
            .get("/api/v1/me", headers=_bearer(raw))
            .status_code
        )

    assert [call("192.0.2.1") for _ in range(3)] == [200, 200, 429]
    assert call("192.0.2.2") == 200  # another client behind the same proxy
    # an untrusted peer cannot escape its limit by writing the header itself
    assert [call(f"192.0.2.{n}", peer="203.0.113.50") for n in range(10, 13)] == [200, 200, 429]


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_api_docs_need_a_signed_in_user_or_a_token_in_production(world, settings, path):
    settings.PRODUCTION = True
    anonymous = HttpClient().get(path)
    assert anonymous.status_code == (401 if path.endswith(".json") else 302)
    assert world.http(world.member).get(path).status_code == 200
    assert HttpClient().get(path, headers=_bearer(_token(world))).status_code == 200
    assert HttpClient().get(path, headers=_bearer("acc_not-a-token")).status_code in (401, 302)
    settings.PRODUCTION = False
    assert HttpClient().get(path).status_code == 200
