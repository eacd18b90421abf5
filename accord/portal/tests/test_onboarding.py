"""Onboarding client contacts: invite buttons where contacts are shown, the People page's list of
client contacts with their portal status, the empty portal page naming who to ask (and telling
them once), change requests waiting for an approver's decision."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accord.changes.models import ChangeRequest, ChangeStatus
from accord.comms.models import Notification, OutboxMessage
from accord.crm.models import ContactRole
from accord.tenancy.models import Invitation, Role
from accord.tenancy.services import invitation_create
from accord.testing import factories as f

pytestmark = pytest.mark.django_db

INVITE = "Invite to the portal"


def _invite_form(contact):
    return f'action="{reverse("portal:invite_contact", args=[contact.pk])}"'


def test_contact_page_offers_the_invitation_to_who_may_invite(world):
    contact = f.ContactFactory(client=world.client, email="wang.wei@client.example")
    url = reverse("crm:contact_detail", args=[contact.pk])
    for user in (world.manager, world.admin):
        html = world.http(user).get(url).content.decode()
        assert _invite_form(contact) in html and INVITE in html and "Portal: none" in html
    # A member may not invite (the rule of can_manage_client_access): no button, the status only.
    html = world.http(world.member).get(url).content.decode()
    assert _invite_form(contact) not in html and "Portal: none" in html
    # The button posts back to the contact page.
    response = world.http(world.manager).post(
        reverse("portal:invite_contact", args=[contact.pk]), {"next": url}
    )
    assert response.status_code == 302 and response["Location"] == url
    html = world.http(world.manager).get(url).content.decode()
    assert "Portal: invited" in html and "Invite again" in html


def test_manager_of_another_clients_project_gets_no_button(world):
    other_client = f.ClientFactory(organization=world.org)
    contact = f.ContactFactory(client=other_client)
    html = world.http(world.manager).get(reverse("crm:contact_detail", args=[contact.pk])).content.decode()
    assert _invite_form(contact) not in html
    # And the service refuses the request made anyway.
    response = world.http(world.manager).post(reverse("portal:invite_contact", args=[contact.pk]))
    assert response.status_code == 403 and not Invitation.objects.exists()


def test_project_stakeholders_show_portal_status_and_invite(world):
    newcomer = f.ContactFactory(client=world.client, email="new.one@client.example")
    world.project.contacts.add(newcomer)
    html = world.http(world.manager).get(reverse("projects:detail", args=[world.project.pk])).content.decode()
    assert "Portal: active" in html  # world.contact has an account
    assert _invite_form(newcomer) in html and _invite_form(world.contact) not in html


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_people_page_lists_client_contacts_with_portal_status(world, language):
    invited = f.ContactFactory(client=world.client, first_name="Wei", last_name="Wang")
    invitation_create(
        actor=world.memberships[world.admin.pk], email=invited.email, role=Role.CLIENT, contact=invited
    )
    nobody = f.ContactFactory(client=world.client, first_name="Mara", last_name="Lindqvist")
    f.ContactFactory(client=world.foreign_client, first_name="Foreign", last_name="Person")
    http = world.http(world.admin)
    http.cookies["django_language"] = language
    people = http.get(reverse("tenancy:members")).content.decode()
    assert f'data-hx-get="{reverse("portal:client_contacts")}"' in people
    response = http.get(reverse("portal:client_contacts"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Lindqvist" in html and "Wang" in html and "Foreign" not in html
    with translation.override(language):
        active, pending, none = (
            translation.gettext("Portal: active"),
            translation.gettext("Portal: invited"),
            translation.gettext("Portal: none"),
        )
        assert translation.gettext(INVITE) in html
    assert active in html and pending in html and none in html
    assert _invite_form(nobody) in html and _invite_form(invited) in html
    assert _invite_form(world.contact) not in html  # already active
    # Coming back from an invitation lands on the People page.
    assert f'name="next" value="{reverse("tenancy:members")}"' in html
    if language == "zh-hans":
        assert "门户" in html


def test_client_contacts_page_is_for_the_team_only(world):
    assert world.http(world.client_user).get(reverse("portal:client_contacts")).status_code == 302
    html = world.http(world.outsider).get(reverse("portal:client_contacts")).content.decode()
    assert "李娜" not in html


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_unshared_contact_is_told_whom_to_ask_and_the_team_once(world, language):
    world.project.contacts.remove(world.contact)
    world.contact.language = language
    world.contact.save()
    world.manager.full_name = "Mara Manager"
    world.manager.save()
    http = world.http(world.client_user)
    html = http.get(reverse("portal:home")).content.decode()
    with translation.override(language):
        assert translation.gettext("No project is shared with you yet.") in html
    assert "Mara Manager" in html and "manager@acme.example" in html
    told = Notification.objects.filter(user=world.manager)
    assert told.count() == 1 and world.contact.display_name in told.get().title
    assert OutboxMessage.objects.filter(recipient="manager@acme.example").count() == 1
    http.get(reverse("portal:home"))
    assert told.count() == 1  # once
    # Without any project manager the organisation's admins are named and told.
    world.other_project.manager = None
    world.other_project.save()
    world.project.manager = None
    world.project.save()
    other = f.ContactFactory(client=world.client, portal_user=f.UserFactory(email="c2@client.example"))
    f.MembershipFactory(organization=world.org, user=other.portal_user, role=Role.CLIENT)
    html = world.http(other.portal_user).get(reverse("portal:home")).content.decode()
    assert "owner@acme.example" in html and "admin@acme.example" in html
    assert Notification.objects.filter(user=world.admin).count() == 1


def _change(world, title, status):
    return ChangeRequest.objects.create(
        organization=world.org,
        project=world.project,
        title=title,
        status=status,
        requested_on=timezone.localdate(),
        currency=world.project.currency,
    )


def _assessed(world, project, title="New reporting field"):
    return _change(world, title, ChangeStatus.ASSESSED)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_overview_flags_decisions_waiting_for_approvers_only(world, language):
    world.contact.language = language
    world.contact.save()
    _assessed(world, world.project)
    _assessed(world, world.project, "Second")
    _change(world, "Still open", ChangeStatus.SUBMITTED)
    http = world.http(world.client_user)
    home = http.get(reverse("portal:home")).content.decode()
    page = http.get(reverse("portal:project", args=[world.project.pk])).content.decode()
    assert 'class="decisions-waiting"' in home and reverse("portal:changes", args=[world.project.pk]) in home
    assert "decisions-waiting" in page
    expected = (
        "2 个变更请求等待您的决定" if language == "zh-hans" else "2 change requests wait for your decision"
    )
    assert expected in home and expected in page
    # A key user sees no flag: they cannot decide.
    world.contact.role = ContactRole.KEY_USER
    world.contact.save()
    assert "decisions-waiting" not in http.get(reverse("portal:home")).content.decode()
    assert (
        "decisions-waiting"
        not in http.get(reverse("portal:project", args=[world.project.pk])).content.decode()
    )


def test_assessed_change_request_mail_says_a_decision_is_awaited(world):
    change = _change(world, "Extra export", ChangeStatus.SUBMITTED)
    response = world.http(world.manager).post(
        reverse("changes:assess", args=[change.pk]),
        {"schedule_days": "5", "effort_hours": "16", "cost_amount": "1200", "notes": ""},
    )
    assert response.status_code == 302
    mail = OutboxMessage.objects.get(recipient="li.na@client.example")
    assert "Your decision is awaited" in mail.subject and "Extra export" in mail.subject
    assert reverse("portal:change_detail", args=[change.pk]) in mail.body_text
    assert "waits for your decision" in mail.body_text
    notice = Notification.objects.get(user=world.client_user)
    assert notice.url == reverse("portal:change_detail", args=[change.pk])


@pytest.mark.parametrize("rows", [2, 50])
def test_client_contacts_query_count_is_flat(world, rows, django_assert_num_queries):
    for _ in range(rows - 1):
        f.ContactFactory(client=world.client)
    http = world.http(world.manager)
    http.get(reverse("portal:client_contacts"))
    with django_assert_num_queries(7):
        html = http.get(reverse("portal:client_contacts"), headers={"HX-Request": "true"}).content.decode()
    assert html.count("<tr><td><a href=") == rows
