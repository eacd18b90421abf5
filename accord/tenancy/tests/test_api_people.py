"""Members, invitations and the organisation's settings through the API: administrators only, by
the same role rules as the web pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.audit.models import AuditEntry
from accord.comms.models import OutboxMessage
from accord.tenancy.models import Invitation, Membership, Organization, Role
from accord.testing.pdf import png


def _membership(world, user):
    return world.memberships[user.pk]


@pytest.mark.django_db
def test_admin_lists_members_and_may_manage_only_by_the_rules(world):
    response = world.api(world.admin).get("/members")
    assert response.status_code == 200, response.content
    rows = {m["email"]: m for m in response.json()}
    assert rows["member@acme.example"]["role"] == "member" and rows["member@acme.example"]["can_manage"]
    assert not rows["owner@acme.example"]["can_manage"]  # admins never manage owners
    assert "admin@rival.example" not in rows


@pytest.mark.django_db
def test_admin_changes_a_role_audited(world):
    target = _membership(world, world.member)
    response = world.api(world.admin).patch(f"/members/{target.pk}", {"role": "manager"})
    assert response.status_code == 200, response.content
    assert response.json()["role"] == "manager"
    target.refresh_from_db()
    assert target.role == Role.MANAGER
    assert AuditEntry.objects.filter(object_id=str(target.pk), action="update").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Only an owner can change or remove owners and administrators"),
        ("zh-hans", "只有所有者"),
    ],
)
def test_an_admin_cannot_make_an_owner_403_translated(world, language, message):
    target = _membership(world, world.member)
    response = world.api(world.admin).patch(
        f"/members/{target.pk}", {"role": "owner"}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 403, response.content
    assert message in response.json()["message"]
    target.refresh_from_db()
    assert target.role == Role.MEMBER


@pytest.mark.django_db
def test_the_last_owner_stays_an_owner(world):
    owner = _membership(world, world.owner)
    response = world.api(world.owner).patch(f"/members/{owner.pk}", {"role": "admin"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "role"
    response = world.api(world.owner).delete(f"/members/{owner.pk}")
    assert response.status_code == 422
    owner.refresh_from_db()
    assert owner.role == Role.OWNER and owner.is_active


@pytest.mark.django_db
def test_admin_removes_a_member(world):
    target = _membership(world, world.member)
    assert world.api(world.admin).delete(f"/members/{target.pk}").status_code == 204
    target.refresh_from_db()
    assert not target.is_active


@pytest.mark.django_db
def test_another_organisations_member_is_not_found(world):
    foreign = _membership(world, world.outsider)
    assert world.api(world.owner).patch(f"/members/{foreign.pk}", {"role": "member"}).status_code == 404
    assert world.api(world.owner).delete(f"/members/{foreign.pk}").status_code == 404


@pytest.mark.django_db
def test_managers_cannot_see_or_change_members(world):
    target = _membership(world, world.member)
    api = world.api(world.manager)
    assert api.get("/members").status_code == 403
    assert api.patch(f"/members/{target.pk}", {"role": "manager"}).status_code == 403
    target.refresh_from_db()
    assert target.role == Role.MEMBER


@pytest.mark.django_db
def test_invite_list_and_revoke(world):
    api = world.api(world.admin)
    response = api.post("/invitations", {"email": " New.Person@Example.com ", "role": "member"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "new.person@example.com" and body["is_usable"]
    assert OutboxMessage.objects.filter(recipient="new.person@example.com").exists()
    assert [i["id"] for i in api.get("/invitations").json()] == [body["id"]]
    assert api.delete(f"/invitations/{body['id']}").status_code == 204
    invitation = Invitation.objects.get(pk=body["id"])
    assert not invitation.is_usable
    assert AuditEntry.objects.filter(object_id=str(invitation.pk), verb="revoked").exists()
    assert api.get("/invitations").json()[0]["is_usable"] is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Only an owner can invite owners and administrators."),
        ("zh-hans", "只有所有者可以邀请所有者和管理员。"),
    ],
)
def test_an_admin_cannot_invite_an_administrator(world, language, message):
    response = world.api(world.admin).post(
        "/invitations", {"email": "boss@example.com", "role": "admin"}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 422, response.content
    assert response.json()["errors"] == [{"field": "role", "message": message}]
    assert not Invitation.objects.filter(email="boss@example.com").exists()


@pytest.mark.django_db
def test_a_client_invitation_names_a_contact_of_the_organisation(world):
    api = world.api(world.admin)
    response = api.post(
        "/invitations",
        {"email": "x@client.example", "role": "client", "contact_id": world.foreign_contact.pk},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "contact_id"
    response = api.post("/invitations", {"email": "x@client.example", "role": "client"})
    assert response.json()["errors"][0]["field"] == "contact_id"
    response = api.post("/invitations", {"email": "not-an-address", "role": "member"})
    assert response.json()["errors"][0]["field"] == "email"
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_an_accepted_invitation_cannot_be_revoked(world):
    from django.utils import timezone

    api = world.api(world.admin)
    pk = api.post("/invitations", {"email": "done@example.com", "role": "member"}).json()["id"]
    Invitation.objects.filter(pk=pk).update(accepted_at=timezone.now())
    response = api.delete(f"/invitations/{pk}")
    assert response.status_code == 422
    assert "accepted" in response.json()["message"]


@pytest.mark.django_db
def test_organisation_settings_read_and_changed(world):
    api = world.api(world.admin)
    assert api.get("/organization").json()["name"] == "Acme Delivery"
    response = api.patch(
        "/organization", {"default_timezone": "Asia/Shanghai", "brand_color": "#112233", "name": "Acme 交付"}
    )
    assert response.status_code == 200, response.content
    org = Organization.objects.get(pk=world.org.pk)
    assert (org.default_timezone, org.brand_color, org.name) == ("Asia/Shanghai", "#112233", "Acme 交付")
    assert AuditEntry.objects.filter(object_id=str(org.pk), action="update").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "Give a colour as #RRGGBB, for example #2952cc."), ("zh-hans", "#RRGGBB")],
)
def test_organisation_settings_errors_name_the_field(world, language, message):
    api = world.api(world.admin)
    response = api.patch("/organization", {"brand_color": "blue"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "brand_color"
    assert message in response.json()["errors"][0]["message"]
    response = api.patch("/organization", {"default_timezone": "Mars/Base"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "default_timezone"
    assert Organization.objects.get(pk=world.org.pk).default_timezone != "Mars/Base"


@pytest.mark.django_db
def test_a_manager_cannot_change_the_organisation(world):
    response = world.api(world.manager).patch("/organization", {"name": "Taken over"})
    assert response.status_code == 403
    assert Organization.objects.get(pk=world.org.pk).name == "Acme Delivery"
    assert Membership.objects.filter(organization=world.org).count() == 5


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "word"), [("en", "image"), ("zh-hans", "图片")])
def test_the_logo_is_uploaded_checked_and_removed_through_the_api(world, language, word):
    api = world.api(world.admin)
    good = SimpleUploadedFile("logo.png", png(12, 6), content_type="image/png")
    response = api.post("/organization/logo", {"logo": good})
    assert response.status_code == 200, response.content
    assert response.json()["has_logo"] is True
    world.org.refresh_from_db()
    with world.org.logo.open("rb") as stored:
        assert stored.read() == png(12, 6)

    # Markup that claims to be a PNG is refused on the field, in the caller's language.
    disguised = SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png")
    response = api.post("/organization/logo", {"logo": disguised}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "logo" and word in error["message"]
    huge = SimpleUploadedFile("big.png", png(2000, 2000) + b"\0" * (1024 * 1024), content_type="image/png")
    assert api.post("/organization/logo", {"logo": huge}).status_code == 422
    world.org.refresh_from_db()
    with world.org.logo.open("rb") as stored:
        assert stored.read() == png(12, 6)  # the refused uploads changed nothing

    assert world.api(world.manager).delete("/organization/logo").status_code == 403
    response = api.delete("/organization/logo")
    assert response.status_code == 200 and response.json()["has_logo"] is False
    world.org.refresh_from_db()
    assert not world.org.logo
    assert AuditEntry.objects.filter(object_id=str(world.org.pk), action="update").count() == 2
