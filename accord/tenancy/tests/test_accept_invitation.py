"""Opening an invitation link while signed in: the invited address accepts without a password;
another account is told to sign out first and nothing is accepted; errors are shown."""

from __future__ import annotations

import pytest

from accord.tenancy.models import Invitation, Membership, Role, User
from accord.tenancy.services import invitation_create
from accord.testing import factories as f

pytestmark = pytest.mark.django_db

SIGN_OUT_FIRST = {
    "en": "but this invitation is for zhang.min@acme.example. Sign out first",
    "zh-hans": "但此邀请是发给 zhang.min@acme.example 的。请先退出登录",
}
ACCEPT = {"en": "Accept and continue", "zh-hans": "接受并继续"}


def _invite(world, email="zhang.min@acme.example", role=Role.MEMBER) -> str:
    _inv, raw = invitation_create(actor=world.memberships[world.owner.pk], email=email, role=role)
    return f"/accounts/invitations/{raw}/"


def _in(language, http):
    http.cookies["django_language"] = language
    return http


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_signed_in_invitee_accepts_without_a_password(world, language):
    user = f.UserFactory(email="zhang.min@acme.example", full_name="张敏")
    f.MembershipFactory(organization=world.other_org, user=user, role=Role.MEMBER)
    path = _invite(world)
    http = _in(language, world.http(user))
    page = http.get(path)
    assert page.status_code == 200
    body = page.content.decode()
    assert ACCEPT[language] in body and 'name="password"' not in body
    response = http.post(path, {})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    membership = Membership.objects.get(organization=world.org, user=user)
    assert membership.role == Role.MEMBER and membership.is_active
    assert Invitation.objects.get(email="zhang.min@acme.example").accepted_at is not None
    user.refresh_from_db()
    assert user.check_password("correct horse battery")  # the password stays as it was


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_signed_in_with_another_address_is_told_to_sign_out_first(world, language):
    path = _invite(world)
    http = _in(language, world.http(world.member))
    page = http.get(path)
    assert page.status_code == 200
    assert SIGN_OUT_FIRST[language] in page.content.decode()
    assert 'name="password"' not in page.content.decode()
    # Posting anyway accepts nothing and does not swap the session for the invitee's account.
    response = http.post(path, {"full_name": "Zhang", "password": "a-long-enough-passphrase"})
    assert response.status_code == 403
    assert SIGN_OUT_FIRST[language] in response.content.decode()
    assert not User.objects.filter(email="zhang.min@acme.example").exists()
    assert Invitation.objects.get(email="zhang.min@acme.example").accepted_at is None
    assert int(http.session["_auth_user_id"]) == world.member.pk


@pytest.mark.parametrize(
    ("language", "required"), [("en", "This field is required."), ("zh-hans", "此字段为必填项。")]
)
def test_errors_are_shown(world, language, required):
    path = _invite(world)
    http = _in(language, world.http(None))
    response = http.post(path, {"full_name": "Zhang", "password": "short"})
    assert response.status_code == 422
    assert 'id="id_password_errors"' in response.content.decode()
    response = http.post(path, {"password": "a-long-enough-passphrase"})
    assert response.status_code == 422
    assert 'id="id_full_name_errors"' in response.content.decode() and required in response.content.decode()
    assert not User.objects.filter(email="zhang.min@acme.example").exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_existing_account_that_is_not_signed_in_is_told_to_sign_in(world, language):
    f.UserFactory(email="zhang.min@acme.example")
    path = _invite(world)
    http = _in(language, world.http(None))
    response = http.post(path, {"full_name": "Zhang", "password": "a-long-enough-passphrase"})
    assert response.status_code == 422
    expected = {"en": "sign in first", "zh-hans": "请先登录"}[language]
    assert expected in response.content.decode()
