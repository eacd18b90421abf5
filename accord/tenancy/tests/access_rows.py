from accord.tenancy.models import ApiToken, Role
from accord.tenancy.services import api_token_create, invitation_create
from tests.access.spec import Row

ALL_302 = dict.fromkeys(("anonymous", "client", "member", "manager", "admin", "outsider"), 302)
SIGNED_IN_TEAM_200 = {
    "anonymous": 302,
    "client": 302,
    "member": 200,
    "manager": 200,
    "admin": 200,
    "outsider": 200,
}
ADMIN_ONLY = {"anonymous": 302, "client": 302, "member": 403, "manager": 403, "admin": 200, "outsider": 200}


def _member_token(world) -> ApiToken:
    token, _raw = api_token_create(membership=world.memberships[world.member.pk], name="matrix")
    return token


def _invitation_path(world) -> str:
    _inv, raw = invitation_create(
        actor=world.memberships[world.owner.pk], email="new.person@example.com", role=Role.MEMBER
    )
    return f"/accounts/invitations/{raw}/"


ROWS = [
    Row(
        "tenancy:login",
        expect={
            "anonymous": 200,
            "client": 302,
            "member": 302,
            "manager": 302,
            "admin": 302,
            "outsider": 302,
        },
    ),
    Row("tenancy:logout", method="POST", expect=ALL_302),
    Row("tenancy:profile", expect=SIGNED_IN_TEAM_200),
    Row("tenancy:token_create", method="POST", data=lambda w: {"name": "matrix"}, expect=ALL_302, tables=()),
    Row(
        "tenancy:token_revoke",
        method="POST",
        path=lambda w: f"/accounts/profile/tokens/{_member_token(w).pk}/revoke/",
        expect={
            "anonymous": 302,
            "client": 302,
            "member": 302,
            "manager": 404,
            "admin": 404,
            "outsider": 404,
        },
        tables=("tenancy.ApiToken",),
        note="a token can only be revoked by its owner",
    ),
    Row(
        "tenancy:switch_organization",
        method="POST",
        data=lambda w: {"organization": w.org.pk},
        expect={
            "anonymous": 302,
            "client": 302,
            "member": 302,
            "manager": 302,
            "admin": 302,
            "outsider": 404,
        },
    ),
    Row("tenancy:members", expect=ADMIN_ONLY),
    Row(
        "tenancy:members",
        method="POST",
        data=lambda w: {"email": "someone.new@example.com", "role": "member"},
        expect={
            "anonymous": 302,
            "client": 302,
            "member": 403,
            "manager": 403,
            "admin": 302,
            "outsider": 302,
        },
        tables=("tenancy.Invitation",),
    ),
    Row(
        "tenancy:member_detail",
        path=lambda w: f"/accounts/members/{w.memberships[w.member.pk].pk}/",
        expect={
            "anonymous": 302,
            "client": 302,
            "member": 403,
            "manager": 403,
            "admin": 200,
            "outsider": 404,
        },
    ),
    Row(
        "tenancy:member_detail",
        method="POST",
        path=lambda w: f"/accounts/members/{w.memberships[w.member.pk].pk}/",
        data=lambda w: {"role": "manager"},
        expect={
            "anonymous": 302,
            "client": 302,
            "member": 403,
            "manager": 403,
            "admin": 302,
            "outsider": 404,
        },
        tables=("tenancy.Membership",),
    ),
    Row(
        "tenancy:member_remove",
        method="POST",
        path=lambda w: f"/accounts/members/{w.memberships[w.member.pk].pk}/remove/",
        # Admins remove managers, members and client contacts (services.ROLE_RULES).
        expect={
            "anonymous": 302,
            "client": 302,
            "member": 403,
            "manager": 403,
            "admin": 302,
            "outsider": 404,
        },
        tables=("tenancy.Membership",),
    ),
    Row(
        "tenancy:member_remove",
        method="POST",
        path=lambda w: f"/accounts/members/{w.memberships[w.owner.pk].pk}/remove/",
        # Nobody removes the only owner; an admin may not remove an owner at all.
        expect={
            "anonymous": 302,
            "client": 302,
            "member": 403,
            "manager": 403,
            "admin": 400,
            "outsider": 404,
        },
        tables=("tenancy.Membership",),
    ),
    Row("tenancy:accept_invitation", path=_invitation_path, expect=dict.fromkeys(ALL_302, 200)),
    Row(
        "tenancy:accept_invitation",
        method="POST",
        path=_invitation_path,
        data=lambda w: {"full_name": "New Person", "password": "a-long-enough-passphrase"},
        # Signed in with another address: told to sign out first, nothing accepted.
        expect={**dict.fromkeys(ALL_302, 403), "anonymous": 302},
        tables=("tenancy.User", "tenancy.Membership", "tenancy.Invitation"),
    ),
    Row("set_language", method="POST", data=lambda w: {"language": "zh-hans", "next": "/"}, expect=ALL_302),
    Row(
        "GET /api/v1/me",
        expect={
            "anonymous": 401,
            "client": 200,
            "member": 200,
            "manager": 200,
            "admin": 200,
            "outsider": 200,
        },
    ),
]

ROWS += [
    Row("tenancy:organization", expect=ADMIN_ONLY),
    Row(
        "tenancy:organization",
        method="POST",
        data=lambda w: {
            "name": "Renamed",
            "default_language": "en",
            "default_timezone": "Europe/Berlin",
            "default_currency": "EUR",
            "brand_color": "#112233",
        },
        expect={
            "anonymous": 302,
            "client": 302,
            "member": 403,
            "manager": 403,
            "admin": 302,
            "outsider": 302,
        },
        tables=("tenancy.Organization",),
    ),
    Row(
        "tenancy:organization_logo",
        expect=dict.fromkeys(("anonymous", "client", "member", "manager", "admin", "outsider"), 404),
        note="no logo uploaded in the shared fixture; a test covers the upload",
    ),
]
