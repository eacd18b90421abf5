"""`accord export-person` and the contact page's export: one JSON file per kind of record about
the person, a README in their language, secrets masked, only what the caller may see."""

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accord.audit.models import AuditEntry
from accord.comms.services import outbox_email
from accord.crm import services as crm
from accord.crm.models import Contact
from accord.privacy.orgdata import tenant_models
from accord.privacy.registry import KINDS, NOT_PERSONAL, SOURCES, person_models
from accord.testing import factories as f

from .helpers import EMAIL, NAME_FIRST, NAME_LOCAL, PHONE

SECRET = "one-time-token-5f2a9c"


def _person(world, language="zh-hans"):
    contact = f.ContactFactory(
        client=world.client,
        first_name=NAME_FIRST,
        name_local=NAME_LOCAL,
        email=EMAIL,
        phone=PHONE,
        language=language,
    )
    world.project.contacts.add(contact)
    manager = world.memberships[world.manager.pk]
    crm.contact_update(actor=manager, contact=contact, title="Buyer")
    crm.interaction_create(actor=manager, client=world.client, contacts=[contact], summary="Weekly call")
    outbox_email(
        organization=world.org,
        to=[EMAIL],
        subject="Sign in",
        text=f"Your link: https://accord.example/portal/signin/{SECRET}/",
        secrets=[SECRET],
    )
    return contact


def _read(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def test_every_model_with_a_contact_link_or_email_is_covered(db):
    """A new model that refers to a contact or keeps an e-mail address must be added to the
    registry (exported and erased) or to NOT_PERSONAL with a reason."""
    missing = [label for label in person_models() if label not in SOURCES and label not in NOT_PERSONAL]
    assert missing == []
    assert {"crm.contact", "tenancy.user", "feedback.surveyrecipient", "portal.signinlink"} <= set(
        person_models()
    )
    assert {s.kind for s in SOURCES.values()} == set(KINDS)
    # Erasure redacts every text column of every organisation's table; a model outside the
    # organisations must be erased explicitly (services.person_erase).
    tenant = {m._meta.label_lower for m in tenant_models()}
    assert [label for label in person_models() if label not in tenant] == ["tenancy.user"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "readme_word"), [("en", "Your personal data"), ("zh-hans", "您的个人数据")]
)
def test_command_writes_a_file_per_kind_and_a_readme_in_their_language(
    world, tmp_path, language, readme_word
):
    contact = _person(world, language)
    # The same person known to another organisation: the operator sees both.
    foreign = f.ContactFactory(client=world.foreign_client, email=EMAIL.upper(), first_name="Other")
    out = tmp_path / "person.zip"
    call_command("export_person", EMAIL, "--output", str(out))
    files = _read(out.read_bytes())
    assert set(files) == {"README.txt", *(f"{kind}.json" for kind in KINDS)}
    assert readme_word in files["README.txt"]
    contacts = json.loads(files["contacts.json"])["crm.contact"]
    assert {row["id"] for row in contacts} == {contact.pk, foreign.pk}
    assert json.loads(files["interactions.json"])["crm.interaction"][0]["summary"] == "Weekly call"
    assert [p["id"] for p in json.loads(files["projects.json"])["projects.project"]] == [world.project.pk]
    outbox = json.loads(files["outbox.json"])["comms.outboxmessage"]
    assert len(outbox) == 1 and "[hidden-1]" in outbox[0]["body_text"]
    assert SECRET not in "".join(files.values())
    audit = json.loads(files["audit.json"])["audit.auditentry"]
    assert {(e["object_type"], e["action"]) for e in audit} >= {
        ("crm.contact", "update"),
        ("crm.interaction", "event"),
    }
    # Audited where the records came from, not in every organisation of the installation.
    exported = AuditEntry.objects.filter(verb="personal data exported")
    assert set(exported.values_list("organization_id", flat=True)) == {world.org.pk, world.other_org.pk}
    assert exported.first().actor_label == "accord (command line)"
    bystander = f.OrganizationFactory(name="Bystander")
    call_command("export_person", EMAIL, "--output", str(out))
    assert not AuditEntry.objects.filter(organization=bystander).exists()
    # Only the one organisation when asked.
    call_command("export_person", EMAIL, "--organization", world.org.slug, "--output", str(out))
    contacts = json.loads(_read(out.read_bytes())["contacts.json"])["crm.contact"]
    assert [row["id"] for row in contacts] == [contact.pk]


@pytest.mark.django_db
def test_command_refuses_bad_input(world, tmp_path):
    # In English whatever language an earlier test in this process left active.
    with translation.override("en"), pytest.raises(CommandError, match="e-mail address"):
        call_command("export_person", "nobody", "--output", str(tmp_path / "x.zip"))
    with translation.override("en"), pytest.raises(CommandError, match="short name"):
        call_command("export_person", EMAIL, "--organization", "nope", "--output", str(tmp_path / "x.zip"))
    assert not (tmp_path / "x.zip").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_contact_page_export_for_managers_only_current_organisation(world, language):
    contact = _person(world)
    f.ContactFactory(client=world.foreign_client, email=EMAIL, first_name="Elsewhere")
    http = world.http(world.manager)
    page = http.get(f"/contacts/{contact.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f"/privacy/contacts/{contact.pk}/export/" in page
    assert f"/privacy/contacts/{contact.pk}/erase/" not in page  # erasure is for admins
    response = http.post(f"/privacy/contacts/{contact.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    files = _read(response.content)
    assert "Elsewhere" not in files["contacts.json"]
    assert [row["id"] for row in json.loads(files["contacts.json"])["crm.contact"]] == [contact.pk]
    entry = AuditEntry.objects.get(organization=world.org, verb="personal data exported")
    assert entry.actor_id == world.manager.pk and EMAIL not in json.dumps(entry.changes)


@pytest.mark.django_db
def test_members_cannot_export_and_outsiders_get_404(world):
    contact = _person(world)
    assert world.http(world.member).post(f"/privacy/contacts/{contact.pk}/export/").status_code == 403
    assert world.http(world.outsider).post(f"/privacy/contacts/{contact.pk}/export/").status_code == 404
    assert world.http(world.client_user).post(f"/privacy/contacts/{contact.pk}/export/").status_code == 302
    assert not AuditEntry.objects.filter(verb="personal data exported").exists()
    page = world.http(world.member).get(f"/contacts/{contact.pk}/").content.decode()
    assert "/privacy/contacts/" not in page


@pytest.mark.django_db
def test_contact_page_adds_no_query(world):
    """The export and erase buttons come from the membership already loaded."""
    contact = Contact.objects.get(pk=world.contact.pk)
    http = world.http(world.admin)
    http.get(f"/contacts/{contact.pk}/")
    with CaptureQueriesContext(connection) as queries:
        assert http.get(f"/contacts/{contact.pk}/").status_code == 200
    assert not any('FROM "privacy_' in q["sql"] for q in queries.captured_queries)


@pytest.mark.django_db
def test_a_contact_with_a_malformed_address_gets_a_message_not_a_500(world):
    contact = f.ContactFactory(client=world.client, email="imported;garbage")
    response = world.http(world.admin).post(f"/privacy/contacts/{contact.pk}/export/", follow=True)
    assert response.status_code == 200
    assert "Enter the person&#x27;s e-mail address" in response.content.decode()
    erase = world.http(world.admin).post(
        f"/privacy/contacts/{contact.pk}/erase/", {"confirm_email": "imported;garbage"}
    )
    assert erase.status_code == 422
    assert Contact.objects.get(pk=contact.pk).email == "imported;garbage"
