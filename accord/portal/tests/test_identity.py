"""Who speaks for the client: a team member cannot take over a client contact's portal identity
(change its e-mail, invite it) and approve change requests in its name; only the client's
sponsor or decision maker decides. Each attack runs through the web pages and the API."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accord.audit.models import AuditEntry
from accord.changes.models import Baseline, ChangeRequest, ChangeStatus
from accord.comms import delivery
from accord.comms.models import OutboxMessage
from accord.comms.tests.conftest import smtp_server  # noqa: F401  (a real SMTP server on 127.0.0.1)
from accord.crm.models import Contact, ContactRole
from accord.portal.models import SignInLink
from accord.tenancy.models import Invitation, Membership, Role, hash_token
from accord.testing import factories as f

pytestmark = pytest.mark.django_db

REFUSED_EDIT = {
    "en": "only an administrator or the manager of one of this client’s projects can change",
    "zh-hans": "只有管理员或该客户某个项目的项目经理才能修改",
}
REFUSED_INVITE = {
    "en": "Only an administrator or the manager of one of this client’s projects can invite",
    "zh-hans": "只有管理员或该客户某个项目的项目经理才能邀请",
}
REFUSED_DECISION = {
    "en": "Only the client’s sponsor or a decision maker on this project can approve or reject",
    "zh-hans": "只有客户的项目发起人或本项目的决策人才能批准或拒绝",
}
OLD_ADDRESS_SUBJECT = {
    "en": "Your address for the Acme Delivery client portal was changed",
    "zh-hans": "您在 Acme Delivery 客户门户的地址已被更改",
}


def _form(contact: Contact, **changes) -> dict:
    data = {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "name_local": contact.name_local,
        "role": contact.role,
        "email": contact.email,
        "preferred_channel": contact.preferred_channel,
        "language": contact.language,
        "timezone": contact.timezone,
        "is_active": "on" if contact.is_active else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def _edit(http, contact, **changes):
    return http.post(reverse("crm:contact_edit", args=[contact.pk]), _form(contact, **changes))


def _in(language, http):
    http.cookies["django_language"] = language
    return http


def _assessed(project, cost="50000.00"):
    return ChangeRequest.objects.create(
        organization=project.organization,
        project=project,
        title="Add a second warehouse",
        status=ChangeStatus.ASSESSED,
        requested_on=timezone.localdate(),
        currency=project.currency,
        schedule_days=10,
        cost_amount=Decimal(cost),
        assessed_at=timezone.now(),
    )


def _portal_contact(world, *, role, email, project=None):
    """A stakeholder of ``project`` with a portal account."""
    user = f.UserFactory(email=email)
    membership = f.MembershipFactory(organization=world.org, user=user, role=Role.CLIENT)
    world.memberships[user.pk] = membership
    contact = f.ContactFactory(client=world.client, email=email, role=role, portal_user=user)
    (project or world.project).contacts.add(contact)
    return contact


def _deliver_all():
    for pk in OutboxMessage.objects.filter(status="pending").values_list("pk", flat=True):
        delivery.deliver(pk)


# --- a. a portal contact's e-mail ------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_member_cannot_change_a_portal_contacts_email_on_the_web(world, language):
    http = _in(language, world.http(world.member))
    response = _edit(http, world.contact, email="member@acme.example")
    assert response.status_code == 403
    assert REFUSED_EDIT[language] in response.content.decode()
    world.contact.refresh_from_db()
    assert world.contact.email == "li.na@client.example" and world.contact.portal_user == world.client_user
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_member_cannot_change_a_portal_contacts_email_through_the_api(world, language):
    api = world.api(world.member)
    response = api.patch(
        f"/contacts/{world.contact.pk}", {"email": "member@acme.example"}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 403
    assert REFUSED_EDIT[language] in response.json()["message"]
    world.contact.refresh_from_db()
    assert world.contact.email == "li.na@client.example"


def test_member_cannot_redirect_an_open_invitation(world):
    invited = f.ContactFactory(client=world.client, email="zhou.min@client.example", role=ContactRole.SPONSOR)
    world.project.contacts.add(invited)
    world.http(world.manager).post(reverse("portal:invite_contact", args=[invited.pk]))
    assert Invitation.objects.filter(contact=invited, email="zhou.min@client.example").exists()
    response = _edit(world.http(world.member), invited, email="member@acme.example")
    assert response.status_code == 403
    invited.refresh_from_db()
    assert invited.email == "zhou.min@client.example"


def test_member_still_edits_other_fields_and_contacts_without_portal_access(world):
    http = world.http(world.member)
    assert _edit(http, world.contact, title="CIO").status_code == 302
    plain = f.ContactFactory(client=world.client, email="old@client.example")
    assert _edit(http, plain, email="new@client.example").status_code == 302
    plain.refresh_from_db()
    assert plain.email == "new@client.example"
    # Same address in other letters is no change of identity.
    assert _edit(http, world.contact, email="LI.NA@client.example").status_code == 302


def test_manager_of_another_clients_project_is_refused_and_of_this_client_allowed(world):
    other_manager = f.MembershipFactory(organization=world.org, role=Role.MANAGER).user
    f.ProjectFactory(client=f.ClientFactory(organization=world.org), manager=other_manager)
    response = _edit(world.http(other_manager), world.contact, email="x@client.example")
    assert response.status_code == 403
    assert _edit(world.http(world.manager), world.contact, email="li.na@new.example").status_code == 302


# --- b. what an identity change does --------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_admin_changes_the_email_old_address_is_signed_out_revoked_and_told(world, smtp_server, language):  # noqa: F811
    world.contact.language = language
    world.contact.save()
    portal = world.http(world.client_user)
    assert portal.get("/portal/").status_code == 200
    raw = secrets.token_urlsafe(16)
    link = SignInLink.objects.create(
        organization=world.org,
        user=world.client_user,
        contact=world.contact,
        token_hash=hash_token(raw),
        expires_at=timezone.now() + dt.timedelta(minutes=15),
    )
    invitation = Invitation.objects.create(
        organization=world.org,
        email="li.na@client.example",
        role=Role.CLIENT,
        contact=world.contact,
        token_hash=hash_token("pending-" + raw),
        expires_at=timezone.now() + dt.timedelta(days=3),
    )

    response = _edit(world.http(world.admin), world.contact, email="li.na@huaxin.example")

    assert response.status_code == 302
    world.contact.refresh_from_db()
    assert world.contact.email == "li.na@huaxin.example" and world.contact.portal_user is None
    assert not Membership.objects.get(organization=world.org, user=world.client_user).is_active
    # The old session is signed out: the portal sends it to the sign-in page.
    gone = portal.get("/portal/")
    assert gone.status_code == 302 and "/signin/" in gone["Location"]
    link.refresh_from_db()
    invitation.refresh_from_db()
    assert not link.is_usable and not invitation.is_usable
    assert portal.post(f"/portal/signin/link/{raw}/").status_code == 410
    entry = AuditEntry.objects.get(verb="email_changed")
    assert entry.actor == world.admin
    told = {key: value for key, (_none, value) in entry.changes.items()}
    assert told["old"] == "li.na@client.example" and told["new"] == "li.na@huaxin.example"
    assert told["sessions_ended"] == 1 and told["links_revoked"] == 1 and told["invitations_revoked"] == 1
    assert told["membership_ended"] is True
    # The old address is told, in the contact's language, through the outbox and real SMTP.
    _deliver_all()
    [received] = smtp_server.messages
    assert received["to"] == ["li.na@client.example"]
    assert received["message"]["Subject"].strip() == OLD_ADDRESS_SUBJECT[language]
    # The old address cannot ask for a new sign-in link any more.
    portal.post(reverse("portal:link_request"), {"email": "li.na@client.example"})
    assert not SignInLink.objects.filter(created_at__gt=entry.created_at).exists()


def test_admin_changes_the_email_through_the_api_with_the_same_effects(world):
    portal = world.http(world.client_user)
    response = world.api(world.admin).patch(
        f"/contacts/{world.contact.pk}", {"email": "li.na@huaxin.example"}
    )
    assert response.status_code == 200 and response.json()["email"] == "li.na@huaxin.example"
    assert portal.get("/portal/").status_code == 302
    assert OutboxMessage.objects.filter(recipient="li.na@client.example").count() == 1


# --- c. inviting to the portal --------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_member_cannot_invite_a_contact_to_the_portal(world, language):
    sponsor = f.ContactFactory(client=world.client, email="member@acme.example", role=ContactRole.SPONSOR)
    world.project.contacts.add(sponsor)
    http = _in(language, world.http(world.member))
    page = http.get(reverse("portal:invite_contact", args=[sponsor.pk]))
    assert page.status_code == 200 and "Send the invitation" not in page.content.decode()
    response = http.post(reverse("portal:invite_contact", args=[sponsor.pk]))
    assert response.status_code == 403
    assert REFUSED_INVITE[language] in response.content.decode()
    assert not Invitation.objects.exists() and not OutboxMessage.objects.exists()


def test_admin_and_the_clients_project_manager_invite(world):
    for user, email in ((world.admin, "a@client.example"), (world.manager, "m@client.example")):
        contact = f.ContactFactory(client=world.client, email=email)
        response = world.http(user).post(reverse("portal:invite_contact", args=[contact.pk]))
        assert response.status_code == 302
        assert Invitation.objects.filter(contact=contact, role=Role.CLIENT).exists()


# --- d. deciding a change request -----------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_non_approver_stakeholder_cannot_decide_on_the_portal(world, language):
    key_user = _portal_contact(world, role=ContactRole.KEY_USER, email="key.user@client.example")
    key_user.language = language
    key_user.save()
    change = _assessed(world.project)
    http = world.http(key_user.portal_user)
    page = http.get(reverse("portal:change_detail", args=[change.pk])).content.decode()
    assert "decide/" not in page and REFUSED_DECISION[language] in page
    for decision in ("approve", "reject"):
        response = http.post(
            reverse("portal:change_decide", args=[change.pk]), {"decision": decision, "name": "Key User"}
        )
        assert response.status_code == 403
        assert REFUSED_DECISION[language] in response.content.decode()
    change.refresh_from_db()
    assert change.status == ChangeStatus.ASSESSED and change.decided_at is None
    assert not Baseline.objects.filter(project=world.project).exists()
    assert AuditEntry.objects.filter(verb="approve", action="denied").exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_non_approver_stakeholder_cannot_decide_through_the_api(world, language):
    key_user = _portal_contact(world, role=ContactRole.KEY_USER, email="key.user@client.example")
    change = _assessed(world.project)
    response = world.api(key_user.portal_user).post(
        f"/change-requests/{change.pk}/decision",
        {"approve": True, "name": "Key User"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 403
    assert REFUSED_DECISION[language] in response.json()["message"]
    change.refresh_from_db()
    assert change.status == ChangeStatus.ASSESSED


def test_approver_decides_and_the_record_keeps_the_signed_in_identity(world):
    sponsor = _portal_contact(world, role=ContactRole.SPONSOR, email="sponsor@client.example")
    change = _assessed(world.project)
    http = world.http(sponsor.portal_user)
    assert "decide/" in http.get(reverse("portal:change_detail", args=[change.pk])).content.decode()
    response = http.post(
        reverse("portal:change_decide", args=[change.pk]), {"decision": "approve", "name": "Zhou Sponsor"}
    )
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPROVED
    assert change.decided_by == sponsor and change.decided_by_user == sponsor.portal_user
    assert change.decided_by_email == "sponsor@client.example"
    # The account's address may change later; the decision keeps the one it signed in with.
    sponsor.portal_user.email = "renamed@client.example"
    sponsor.portal_user.save()
    change.refresh_from_db()
    assert change.decided_by_email == "sponsor@client.example"
    team_page = world.http(world.manager).get(reverse("changes:detail", args=[change.pk])).content.decode()
    assert "signed in as sponsor@client.example" in team_page
    api = world.api(world.manager).get(f"/change-requests/{change.pk}").json()
    assert api["decided_by_user_id"] == sponsor.portal_user.pk
    assert api["decided_by_email"] == "sponsor@client.example"


# --- the whole attack -----------------------------------------------------------------------


def test_the_takeover_chain_is_closed_end_to_end(world, smtp_server):  # noqa: F811
    """A member tries to become the client: edit a stakeholder's address to their own, invite it,
    approve a 50,000 change on a project they cannot see. Every step is refused; an admin's
    legitimate change signs the old address out; a non-approver cannot decide."""
    hidden = world.other_project  # the member is not on it
    sponsor = f.ContactFactory(client=world.client, email="sponsor@client.example", role=ContactRole.SPONSOR)
    hidden.contacts.add(sponsor)
    world.http(world.admin).post(reverse("portal:invite_contact", args=[sponsor.pk]))
    change = _assessed(hidden)
    attacker = world.http(world.member)
    assert attacker.get(f"/projects/{hidden.pk}/").status_code == 404

    # 1. Take over the invited sponsor's address: refused (web and API).
    assert _edit(attacker, sponsor, email="member@acme.example").status_code == 403
    assert (
        world.api(world.member).patch(f"/contacts/{sponsor.pk}", {"email": "member@acme.example"}).status_code
        == 403
    )
    # 2. Invite a stakeholder without portal access after pointing it at oneself: refused.
    quiet = f.ContactFactory(
        client=world.client, email="quiet@client.example", role=ContactRole.DECISION_MAKER
    )
    hidden.contacts.add(quiet)
    assert _edit(attacker, quiet, email="member@acme.example").status_code == 302  # no portal access yet
    assert attacker.post(reverse("portal:invite_contact", args=[quiet.pk])).status_code == 403
    assert not Invitation.objects.filter(email="member@acme.example").exists()

    # 3. The admin changes a signed-in approver's address: the old address is signed out and told.
    li_na = world.contact
    hidden.contacts.add(li_na)
    portal = world.http(world.client_user)
    assert portal.get(reverse("portal:change_detail", args=[change.pk])).status_code == 200
    assert _edit(world.http(world.admin), li_na, email="li.na@huaxin.example").status_code == 302
    assert (
        portal.post(
            reverse("portal:change_decide", args=[change.pk]), {"decision": "approve", "name": "Li Na"}
        ).status_code
        == 302
    )  # to the sign-in page
    _deliver_all()
    assert ["li.na@client.example"] in [m["to"] for m in smtp_server.messages]

    # 4. A stakeholder who is not an approver cannot decide.
    key_user = _portal_contact(world, role=ContactRole.KEY_USER, email="key@client.example", project=hidden)
    refused = world.http(key_user.portal_user).post(
        reverse("portal:change_decide", args=[change.pk]), {"decision": "approve", "name": "Key"}
    )
    assert refused.status_code == 403
    change.refresh_from_db()
    assert change.status == ChangeStatus.ASSESSED and change.decided_by is None
    assert not Baseline.objects.filter(project=hidden).exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_change_list_asks_only_approvers_for_a_decision(world, language):
    key_user = _portal_contact(world, role=ContactRole.KEY_USER, email="key.user@client.example")
    key_user.language = language
    key_user.save()
    _assessed(world.project)
    url = reverse("portal:changes", args=[world.project.pk])
    asked = {"en": "Your decision is needed", "zh-hans": "需要您的决定"}[language]
    waiting = {"en": "Awaiting the client’s decision", "zh-hans": "等待客户决定"}[language]
    page = world.http(key_user.portal_user).get(url).content.decode()
    assert waiting in page and asked not in page
    world.contact.language = language
    world.contact.save()
    page = world.http(world.client_user).get(url).content.decode()  # a decision maker here
    assert asked in page
