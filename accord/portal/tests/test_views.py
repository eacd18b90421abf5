import pytest
from django.urls import reverse

from accord.comms.models import OutboxMessage
from accord.projects.models import TaskStatus
from accord.tenancy.models import Invitation, Role
from accord.testing import factories as f

pytestmark = pytest.mark.django_db


def test_home_lists_only_the_contacts_projects(world):
    html = world.http(world.client_user).get(reverse("portal:home")).content.decode()
    assert "ERP rollout" in html
    assert "Data migration" not in html and "Rival project" not in html
    # The portal layout: brand, the contact's name, no team navigation.
    assert "Acme Delivery" in html and "李娜" in html
    assert reverse("web:dashboard") not in html and reverse("crm:search") not in html


def test_project_page_shows_client_visible_items_only(world):
    f.MilestoneFactory(project=world.project, name="Go-live shown", client_visible=True)
    f.MilestoneFactory(project=world.project, name="Internal checkpoint", client_visible=False)
    f.TaskFactory(project=world.project, title="Train key users", client_visible=True, status=TaskStatus.DONE)
    f.TaskFactory(project=world.project, title="Fix internal build", client_visible=False)
    response = world.http(world.client_user).get(reverse("portal:project", args=[world.project.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Go-live shown" in html and "Train key users" in html
    assert "Internal checkpoint" not in html and "Fix internal build" not in html
    assert "50%" in html  # one of two tasks done
    assert reverse("service:portal_requests", args=[world.project.pk]) in html  # a portal tab


@pytest.mark.parametrize("which", ["other_project", "foreign_project"])
def test_other_projects_are_not_found(world, which):
    project = getattr(world, which)
    assert world.http(world.client_user).get(reverse("portal:project", args=[project.pk])).status_code == 404


def test_team_members_go_to_their_dashboard(world):
    response = world.http(world.member).get(reverse("portal:home"))
    assert response.status_code == 302 and response["Location"] == reverse("web:dashboard")


def test_anonymous_is_sent_to_sign_in(world):
    response = world.http(None).get(reverse("portal:project", args=[world.project.pk]))
    assert response.status_code == 302 and reverse("tenancy:login") in response["Location"]


def test_portal_speaks_the_contacts_language(world):
    world.contact.language = "zh-hans"
    world.contact.save()
    http = world.http(world.client_user)
    html = http.get(reverse("portal:home")).content.decode()
    assert "您的项目" in html
    # The language switcher overrides the contact's language.
    http.post(reverse("set_language"), {"language": "en", "next": "/portal/"})
    assert "Your projects" in http.get(reverse("portal:home")).content.decode()


@pytest.mark.parametrize("rows", [2, 50])
def test_home_query_count_is_flat(world, rows, django_assert_num_queries):
    for _ in range(rows - 1):
        project = f.ProjectFactory(client=world.client, manager=world.manager)
        project.contacts.add(world.contact)
        f.TaskFactory(project=project)
    http = world.http(world.client_user)
    http.get(reverse("portal:home"))
    # The fifth query counts change requests waiting for the contact's decision.
    with django_assert_num_queries(6):
        response = http.get(reverse("portal:home"))
    assert response.content.decode().count('class="card portal-project"') == rows


def test_invite_contact_sends_a_client_invitation(world):
    contact = f.ContactFactory(client=world.client, email="wang.wei@client.example")
    url = reverse("portal:invite_contact", args=[contact.pk])
    http = world.http(world.manager)
    assert http.get(url).status_code == 200
    response = http.post(url, {"next": f"/clients/{world.client.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/clients/{world.client.pk}/"
    invitation = Invitation.objects.get(contact=contact)
    assert invitation.role == Role.CLIENT and invitation.email == "wang.wei@client.example"
    assert OutboxMessage.objects.filter(recipient="wang.wei@client.example").exists()


def test_invite_refuses_contacts_without_email_or_with_an_account(world):
    no_email = f.ContactFactory(client=world.client, email="")
    http = world.http(world.manager)
    response = http.post(reverse("portal:invite_contact", args=[no_email.pk]))
    assert response.status_code == 422 and not Invitation.objects.exists()
    response = http.post(reverse("portal:invite_contact", args=[world.contact.pk]))
    assert response.status_code == 422 and not Invitation.objects.exists()


def test_invite_contact_of_another_organisation_is_not_found(world):
    response = world.http(world.manager).post(
        reverse("portal:invite_contact", args=[world.foreign_contact.pk])
    )
    assert response.status_code == 404
    assert not Invitation.objects.exists()


def test_invite_rejects_offsite_next(world):
    contact = f.ContactFactory(client=world.client)
    url = reverse("portal:invite_contact", args=[contact.pk])
    response = world.http(world.manager).post(url, {"next": "https://evil.example/"})
    assert response["Location"] == url
