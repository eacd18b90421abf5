import secrets

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accord.tenancy.models import ApiToken, Role
from accord.tenancy.services import api_token_create, invitation_create
from accord.testing.pdf import png
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
            "admin": 422,
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
    Row("tenancy:organization_create", expect=SIGNED_IN_TEAM_200),
    Row(
        "tenancy:organization_create",
        method="POST",
        data=lambda w: {"name": "", "default_language": "en-gb", "default_currency": "GBP"},
        expect={**SIGNED_IN_TEAM_200, "member": 422, "manager": 422, "admin": 422, "outsider": 422},
        tables=("tenancy.Organization", "tenancy.Membership"),
        note="an empty name is refused; a test covers creation",
    ),
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

# A person's own account: password, password reset, two-factor sign-in.
EVERYONE_200 = dict.fromkeys(ALL_302, 200)
SIGNED_IN_200 = {**EVERYONE_200, "anonymous": 302}
SIGNED_IN_422 = {**dict.fromkeys(ALL_302, 422), "anonymous": 302}
TEAM_422 = {**SIGNED_IN_422, "client": 302}


def _reset_link_with_a_wrong_token(world) -> str:
    uid = urlsafe_base64_encode(force_bytes(world.member.pk))
    return f"/accounts/password/reset/{uid}/0-not-a-token/"


ROWS += [
    Row("tenancy:two_factor_signin", expect=ALL_302, note="no password yet: back to sign-in"),
    Row("tenancy:password_change", expect=SIGNED_IN_200),
    Row(
        "tenancy:password_change",
        method="POST",
        data=lambda w: {"old_password": "not it", "new_password1": "x", "new_password2": "x"},
        expect=SIGNED_IN_422,
        tables=("tenancy.User",),
    ),
    Row("tenancy:password_reset", expect=EVERYONE_200),
    Row(
        "tenancy:password_reset",
        method="POST",
        data=lambda w: {"email": f"nobody-{secrets.token_hex(4)}@example.com"},
        expect=dict.fromkeys(ALL_302, (302, 429)),
        note="the same answer whether or not the address has an account; every role posts the same "
        "address, so past 3 an hour the per-account limit answers 429",
    ),
    Row("tenancy:password_reset_sent", expect=EVERYONE_200),
    Row("tenancy:password_reset_complete", expect=EVERYONE_200),
    Row("tenancy:password_reset_confirm", path=_reset_link_with_a_wrong_token, expect=EVERYONE_200),
    Row("tenancy:two_factor", expect=SIGNED_IN_TEAM_200),
    Row("tenancy:two_factor_setup", method="POST", expect=ALL_302, tables=()),
    Row(
        "tenancy:two_factor_confirm",
        method="POST",
        data=lambda w: {"code": "000000"},
        expect=TEAM_422,
        tables=("tenancy.User", "tenancy.RecoveryCode"),
    ),
    Row(
        "tenancy:two_factor_disable",
        method="POST",
        data=lambda w: {"password": "not it", "code": "000000"},
        expect=TEAM_422,
        tables=("tenancy.User", "tenancy.RecoveryCode"),
    ),
    Row(
        "tenancy:organization_two_factor",
        method="POST",
        data=lambda w: {"required": "on"},
        expect={
            "anonymous": 302,
            "client": 302,
            "member": 403,
            "manager": 403,
            "admin": 403,
            "outsider": 403,
        },
        tables=("tenancy.Organization",),
        note="owners only (the matrix has no owner role; test_two_factor covers the owner)",
    ),
]


# --- the organisation's people and settings in the API: administrators only ---------------------

API_ADMIN = {"anonymous": 401, "client": 403, "member": 403, "manager": 403, "admin": 200, "outsider": 200}
API_ADMIN_ONE = {**API_ADMIN, "outsider": 404}
# Organisation-wide records: the member's 403 does not depend on which project the row was made for.
ORG_WIDE = {"member": 403}
PEOPLE_TABLES = ("tenancy.Membership", "tenancy.Invitation", "audit.AuditEntry", "comms.OutboxMessage")


def _admin_of(project):
    from accord.tenancy.models import Membership

    return Membership.objects.filter(
        organization_id=project.organization_id, role__in=(Role.OWNER, Role.ADMIN), is_active=True
    ).first()


def _new_member(world, project):
    from accord.testing import factories as f

    return f.MembershipFactory(
        organization=project.organization,
        role=Role.MEMBER,
        user=f.UserFactory(email=f"matrix-{secrets.token_hex(4)}@example.com"),
    )


def _pending_invitation(world, project):
    invitation, _raw = invitation_create(
        actor=_admin_of(project), email=f"invited-{secrets.token_hex(4)}@example.com", role=Role.MEMBER
    )
    return invitation


ROWS += [
    Row("GET /api/v1/members", expect=API_ADMIN),
    Row(
        "PATCH /api/v1/members/{membership_id}",
        make=_new_member,
        path=lambda m: f"/api/v1/members/{m.pk}",
        data=lambda m: {"role": "manager"},
        expect=API_ADMIN_ONE,
        expect_other_project=ORG_WIDE,
        tables=PEOPLE_TABLES,
    ),
    Row(
        "DELETE /api/v1/members/{membership_id}",
        make=_new_member,
        path=lambda m: f"/api/v1/members/{m.pk}",
        expect={**API_ADMIN_ONE, "admin": 204},
        expect_other_project=ORG_WIDE,
        tables=PEOPLE_TABLES,
    ),
    Row("GET /api/v1/invitations", expect=API_ADMIN),
    Row(
        "POST /api/v1/invitations",
        data=lambda w: {"email": "matrix.invite@example.com", "role": "member"},
        expect={**API_ADMIN, "admin": 201, "outsider": 201},
        tables=PEOPLE_TABLES,
    ),
    Row(
        "DELETE /api/v1/invitations/{invitation_id}",
        make=_pending_invitation,
        path=lambda i: f"/api/v1/invitations/{i.pk}",
        expect={**API_ADMIN_ONE, "admin": 204},
        expect_other_project=ORG_WIDE,
        tables=PEOPLE_TABLES,
    ),
    Row("GET /api/v1/organization", expect=API_ADMIN),
    Row(
        "PATCH /api/v1/organization",
        data=lambda w: {"brand_color": "#112233", "default_timezone": "Asia/Shanghai"},
        expect=API_ADMIN,
        tables=("tenancy.Organization", "audit.AuditEntry"),
    ),
    Row(
        "POST /api/v1/organization/logo",
        data=lambda w: {"logo": SimpleUploadedFile("logo.png", png(4, 4), content_type="image/png")},
        expect=API_ADMIN,
        tables=("tenancy.Organization", "audit.AuditEntry"),
    ),
    Row(
        "DELETE /api/v1/organization/logo",
        expect=API_ADMIN,
        tables=("tenancy.Organization", "audit.AuditEntry"),
    ),
]
