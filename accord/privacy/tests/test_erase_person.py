"""Erasing a person: the finding (her details lingered in the audit trail after her contact and
client were deleted) reproduced through the web pages and the `accord erase-person` command."""

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accord.audit.models import AuditEntry
from accord.comms.models import OutboxMessage
from accord.comms.services import outbox_email
from accord.crm import services as crm
from accord.crm.models import Contact, Interaction
from accord.feedback.models import SurveyRecipient
from accord.tenancy.models import Membership, Role, User
from accord.testing import factories as f

from .helpers import EMAIL, NAME_FIRST, NAME_LAST, NAME_LOCAL, PHONE, WECHAT, contact_form, scan_database

VALUES = (NAME_FIRST, NAME_LAST, NAME_LOCAL, EMAIL, PHONE, WECHAT)


def _person_with_history(world):
    """Created, edited, spoken with and mailed through the web and the services."""
    http = world.http(world.manager)
    client = f.ClientFactory(organization=world.org, name="Zhoulan Trading")
    response = http.post(f"/clients/{client.pk}/contacts/new/", contact_form(client.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    contact = Contact.objects.get(email=EMAIL)
    response = http.post(f"/contacts/{contact.pk}/edit/", contact_form(client.pk, mobile="+86 139 0000 1111"))
    assert response.status_code == 302
    manager = world.memberships[world.manager.pk]
    crm.interaction_create(
        actor=manager,
        client=client,
        contacts=[contact],
        summary="Kick-off call",
        body=f"{NAME_FIRST} {NAME_LAST} asked for weekly reports; call {PHONE}.",
        occurred_at=timezone.now(),
    )
    outbox_email(
        organization=world.org, to=[EMAIL], subject=f"Hello {NAME_FIRST}", text=f"Dear {NAME_LOCAL}, …"
    )
    return client, contact


@pytest.mark.django_db(transaction=False)
def test_finding_deleted_contact_and_client_leave_nothing_after_erasure(world):
    client, contact = _person_with_history(world)
    http = world.http(world.manager)
    assert http.post(f"/contacts/{contact.pk}/delete/").status_code == 302
    assert http.post(f"/clients/{client.pk}/delete/").status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()
    # The finding: the trail still holds her name, e-mail and phone.
    before = scan_database(VALUES)
    assert any("AuditEntry" in hit for hit in before), before
    assert sum(1 for hit in before if "AuditEntry" in hit) >= 5

    call_command("erase_person", EMAIL, "--organization", world.org.slug, "--yes")

    assert scan_database(VALUES) == []
    # The events stay; only the person's data went.
    trail = AuditEntry.objects.filter(
        organization=world.org, object_id=str(contact.pk), content_type__model="contact"
    )
    assert trail.filter(action="delete").exists()
    assert all(e.object_repr.startswith("[erased]") for e in trail)
    erased = AuditEntry.objects.get(organization=world.org, verb="person erased")
    assert erased.actor_label == "accord (command line)"
    assert erased.changes["audit_entries"][1] >= 5
    assert EMAIL not in str(erased.changes)
    # Mail to her: the message stays, its text went.
    message = OutboxMessage.objects.get(organization=world.org, subject="[erased]")
    assert message.body_text == "" and message.recipient == "[erased]"


@pytest.mark.django_db
def test_erase_on_the_contact_page_keeps_links_and_anonymises(world):
    client, contact = _person_with_history(world)
    contact.portal_user = f.UserFactory(email=EMAIL, full_name=f"{NAME_FIRST} {NAME_LAST}")
    contact.save()
    f.MembershipFactory(organization=world.org, user=contact.portal_user, role=Role.CLIENT)
    survey_recipient_count = SurveyRecipient.objects.count()
    interaction = Interaction.objects.get(contacts=contact)
    http = world.http(world.admin)
    page = http.get(f"/privacy/contacts/{contact.pk}/erase/")
    assert page.status_code == 200 and EMAIL in page.content.decode()
    # A wrong confirmation erases nothing.
    wrong = http.post(f"/privacy/contacts/{contact.pk}/erase/", {"confirm_email": "someone@else.example"})
    assert wrong.status_code == 422
    assert Contact.objects.get(pk=contact.pk).email == EMAIL
    response = http.post(f"/privacy/contacts/{contact.pk}/erase/", {"confirm_email": EMAIL.upper()})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.display_name == f"Erased contact #{contact.pk}"
    assert contact.email == contact.phone == contact.wechat == "" and not contact.is_active
    assert list(interaction.contacts.all()) == [contact]  # the interaction kept its participant
    user = User.objects.get(pk=contact_portal_user_id(contact, world))
    assert not user.is_active and user.full_name == "" and EMAIL not in user.email
    assert not user.has_usable_password()
    assert not Membership.objects.get(organization=world.org, user=user).is_active
    assert SurveyRecipient.objects.count() == survey_recipient_count
    assert scan_database(VALUES) == []
    entry = AuditEntry.objects.get(verb="person erased")
    assert entry.actor_id == world.admin.pk


def contact_portal_user_id(contact, world):
    return Membership.objects.get(organization=world.org, role=Role.CLIENT, user__full_name="").user_id


@pytest.mark.django_db
def test_only_admins_erase_and_only_in_their_organisation(world):
    _client, contact = _person_with_history(world)
    for user in (world.manager, world.member):
        response = world.http(user).post(f"/privacy/contacts/{contact.pk}/erase/", {"confirm_email": EMAIL})
        assert response.status_code == 403
    response = world.http(world.outsider).post(
        f"/privacy/contacts/{contact.pk}/erase/", {"confirm_email": EMAIL}
    )
    assert response.status_code == 404
    assert Contact.objects.get(pk=contact.pk).email == EMAIL
    assert not AuditEntry.objects.filter(verb="person erased").exists()


@pytest.mark.django_db
def test_command_refuses_a_team_member_and_unknown_organisation(world):
    with pytest.raises(CommandError, match="member of your team"):
        call_command("erase_person", "member@acme.example", "--organization", world.org.slug, "--yes")
    with pytest.raises(CommandError, match="short name"):
        call_command("erase_person", EMAIL, "--organization", "nope", "--yes")
    with pytest.raises(CommandError, match="e-mail address"):
        call_command("erase_person", "not-an-address", "--organization", world.org.slug, "--yes")


@pytest.mark.django_db
def test_command_without_yes_asks_for_the_address_again(world, monkeypatch, capsys):
    _client, contact = _person_with_history(world)
    monkeypatch.setattr("builtins.input", lambda prompt: "someone@else.example")
    with pytest.raises(CommandError, match="Not confirmed"):
        call_command("erase_person", EMAIL, "--organization", world.org.slug)
    assert "contacts: 1" in capsys.readouterr().out
    assert Contact.objects.get(pk=contact.pk).email == EMAIL
    monkeypatch.setattr("builtins.input", lambda prompt: EMAIL)
    call_command("erase_person", EMAIL, "--organization", world.org.slug)
    assert Contact.objects.get(pk=contact.pk).email == ""


@pytest.mark.django_db
def test_erasure_leaves_no_search_index_entry(world, django_capture_on_commit_callbacks):
    from django.db import connection

    from accord.core.search import sqlite_trigram

    if connection.vendor != "sqlite" or not sqlite_trigram():
        pytest.skip("the full-text tables are SQLite's")
    _client, contact = _person_with_history(world)

    def hits():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM crm_contact_search WHERE crm_contact_search MATCH %s", [f'"{NAME_LAST}"']
            )
            return [row[0] for row in cursor.fetchall()]

    assert hits() == [contact.pk]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("erase_person", EMAIL, "--organization", world.org.slug, "--yes")
    assert any(getattr(c, "__name__", "") == "compact_indexes" for c in callbacks)
    assert hits() == []
    with connection.cursor() as cursor:  # the index agrees with its table after the merge
        cursor.execute("INSERT INTO crm_contact_search (crm_contact_search) VALUES ('integrity-check')")
