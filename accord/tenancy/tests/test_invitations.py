import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accord.audit.models import AuditEntry
from accord.comms.models import OutboxMessage
from accord.tenancy.models import Invitation, Membership, Role, User
from accord.tenancy.services import invitation_accept, invitation_create
from accord.testing import factories as f


def test_admin_invites_by_email_and_the_link_creates_the_member(world, django_capture_on_commit_callbacks):
    http = world.http(world.admin)
    with django_capture_on_commit_callbacks(execute=False):
        response = http.post("/accounts/members/", {"email": "Zhang.Min@Acme.example", "role": Role.MEMBER})
    assert response.status_code == 302
    message = OutboxMessage.objects.get(recipient="zhang.min@acme.example")
    text = message.unmask(message.body_text)  # the stored text has the token masked
    link = next(line for line in text.splitlines() if "/accounts/invitations/" in line).strip()
    path = link[link.index("/accounts/") :]
    visitor = world.http(None)
    assert visitor.get(path).status_code == 200
    response = visitor.post(path, {"full_name": "张敏", "password": "a-long-enough-passphrase"})
    assert response.status_code == 302
    user = User.objects.get(email="zhang.min@acme.example")
    assert user.full_name == "张敏"
    assert Membership.objects.get(user=user, organization=world.org).role == Role.MEMBER
    # used once: the link is gone
    assert visitor.get(path).status_code == 404


def test_expired_invitation_is_refused(world):
    _inv, raw = invitation_create(
        actor=world.memberships[world.admin.pk], email="late@example.com", role=Role.MEMBER
    )
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    try:
        invitation_accept(raw=raw, full_name="Late", password="a-long-enough-passphrase")
    except ValidationError as exc:
        assert "not valid" in exc.messages[0]
    else:
        raise AssertionError("an expired invitation was accepted")
    assert not User.objects.filter(email="late@example.com").exists()


def test_admin_cannot_invite_an_owner(world):
    try:
        invitation_create(actor=world.memberships[world.admin.pk], email="boss@example.com", role=Role.OWNER)
    except ValidationError as exc:
        assert "owner" in exc.message_dict["role"][0]
    else:
        raise AssertionError("an admin invited an owner")


def test_bad_email_is_reported_beside_the_field(world):
    response = world.http(world.admin).post(
        "/accounts/members/", {"email": "not-an-email", "role": Role.MEMBER}
    )
    assert response.status_code == 200
    assert 'id="id_email_errors"' in response.content.decode()
    assert not Invitation.objects.exists()


def test_invitation_is_audited(world):
    invitation_create(actor=world.memberships[world.admin.pk], email="audit@example.com", role=Role.MEMBER)
    assert AuditEntry.objects.filter(
        organization=world.org, object_repr="audit@example.com", action="create"
    ).exists()


@pytest.mark.parametrize(
    ("contact_zone", "expected"),
    [("Europe/Berlin", "Europe/Berlin"), ("", "America/Los_Angeles")],  # else the client's
)
def test_a_client_contact_account_starts_in_the_contacts_zone(world, contact_zone, expected):
    """The portal shows a contact times in their account's zone: it starts as the contact's."""
    client = f.ClientFactory(organization=world.org, timezone="America/Los_Angeles")
    contact = f.ContactFactory(client=client, email="anna.berg@spree.example", timezone=contact_zone)
    _inv, raw = invitation_create(
        actor=world.memberships[world.admin.pk], email=contact.email, role=Role.CLIENT, contact=contact
    )
    invitation_accept(raw=raw, full_name="Anna Berg", password="a-long-enough-passphrase")
    assert User.objects.get(email="anna.berg@spree.example").timezone == expected


def test_a_team_members_account_starts_in_the_organisations_zone(world):
    world.org.default_timezone = "Asia/Shanghai"
    world.org.save(update_fields=["default_timezone"])
    _inv, raw = invitation_create(
        actor=world.memberships[world.admin.pk], email="wang.fang@acme.example", role=Role.MEMBER
    )
    invitation_accept(raw=raw, full_name="王芳", password="a-long-enough-passphrase")
    assert User.objects.get(email="wang.fang@acme.example").timezone == "Asia/Shanghai"
