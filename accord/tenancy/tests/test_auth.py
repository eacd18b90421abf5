import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from accord.tenancy.models import ApiToken, Membership, Role, User
from accord.tenancy.services import api_token_create, api_token_revoke

ROOT = Path(__file__).resolve().parents[3]


def test_sign_in_with_email_and_password(world):
    http = HttpClient()
    response = http.post(
        "/accounts/signin/", {"username": "member@acme.example", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert http.get("/dashboard/").status_code == 200


def test_wrong_password_is_refused_with_a_translated_message(world):
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = http.post("/accounts/signin/", {"username": "member@acme.example", "password": "nope"})
    assert response.status_code == 200
    assert "电子邮件与密码不匹配任何账户" in response.content.decode()


def test_repeated_failures_lock_the_account(world, settings):
    http = HttpClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        http.post("/accounts/signin/", {"username": "member@acme.example", "password": "wrong"})
    response = http.post(
        "/accounts/signin/", {"username": "member@acme.example", "password": "correct horse battery"}
    )
    assert response.status_code == 429
    assert http.get("/dashboard/").status_code == 302  # still signed out


def test_passwords_are_hashed_with_argon2_outside_tests(settings):
    assert "Argon2PasswordHasher" in settings.PASSWORD_HASHERS[1]
    from accord import settings as accord_settings

    assert accord_settings.PASSWORD_HASHERS[0].endswith("MD5PasswordHasher")  # tests only
    assert "Argon2PasswordHasher" in accord_settings.PASSWORD_HASHERS[1]


def test_api_token_authenticates_and_revocation_stops_it(world):
    membership = world.memberships[world.member.pk]
    token, raw = api_token_create(membership=membership, name="script")
    assert token.token_hash != raw and raw.startswith("acc_")
    http = HttpClient()
    ok = http.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert ok.status_code == 200
    assert ok.json()["email"] == "member@acme.example"
    assert ok.json()["organization_id"] == world.org.pk
    api_token_revoke(membership=membership, token=token)
    refused = http.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert refused.status_code == 401
    assert "Bearer" in refused.json()["message"]


def test_token_of_a_removed_member_stops_working(world):
    membership = world.memberships[world.member.pk]
    _token, raw = api_token_create(membership=membership, name="script")
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    assert HttpClient().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_token_of_a_deactivated_person_or_past_its_expiry_stops_working(world):
    membership = world.memberships[world.member.pk]
    token, raw = api_token_create(membership=membership, name="script")
    http = HttpClient()
    me = {"Authorization": f"Bearer {raw}"}
    assert http.get("/api/v1/me", headers=me).status_code == 200
    User.objects.filter(pk=world.member.pk).update(is_active=False)
    assert http.get("/api/v1/me", headers=me).status_code == 401
    User.objects.filter(pk=world.member.pk).update(is_active=True)
    assert http.get("/api/v1/me", headers=me).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert http.get("/api/v1/me", headers=me).status_code == 401


def test_client_contacts_are_sent_to_the_portal_from_team_pages(world):
    response = world.http(world.client_user).get("/accounts/profile/")
    assert response.status_code == 302 and response["Location"] == "/portal/"


def test_only_admins_manage_people(world):
    assert world.http(world.member).get("/accounts/members/").status_code == 403
    assert world.http(world.admin).get("/accounts/members/").status_code == 200


def test_another_organisations_member_is_a_404(world):
    foreign = world.memberships[world.outsider.pk]
    assert world.http(world.admin).get(f"/accounts/members/{foreign.pk}/").status_code == 404


def test_role_change_is_audited_and_last_owner_kept(world):
    owner_membership = world.memberships[world.owner.pk]
    http = world.http(world.owner)
    response = http.post(f"/accounts/members/{owner_membership.pk}/", {"role": Role.MEMBER})
    assert response.status_code == 422
    assert "at least one owner" in response.content.decode()
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER
    member_membership = world.memberships[world.member.pk]
    assert http.post(f"/accounts/members/{member_membership.pk}/", {"role": Role.MANAGER}).status_code == 302
    page = http.get(f"/accounts/members/{member_membership.pk}/").content.decode()
    assert "manager" in page and "member" in page  # the history shows from → to


@pytest.mark.parametrize("production", [True])
def test_check_deploy_is_clean_in_production(production, tmp_path):
    env = {
        **os.environ,
        "ACCORD_ENV": "production",
        "ACCORD_SECRET_KEY": "x" * 64 + "-not-a-real-secret-but-long-and-random-enough-1234567890",
        "ACCORD_DATA_DIR": str(tmp_path),
        "ACCORD_ALLOWED_HOSTS": "accord.example.com",
    }
    env.pop("PYTEST_VERSION", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
