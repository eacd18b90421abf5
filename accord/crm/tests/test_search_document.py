"""PostgreSQL keeps the contacts' search document in a column a trigger fills (migration 0008):
every way a contact is written keeps it in step, an erased contact leaves nothing in it, and the
migration goes back and forth."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accord.crm import selectors
from accord.crm.models import Client, Contact
from accord.testing import factories as f

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL column")


def _document(row) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT search_document FROM {row._meta.db_table} WHERE id = %s", [row.pk])  # noqa: S608
        return cursor.fetchone()[0]


def _found(world, term, kind="contacts") -> set[int]:
    return {c.pk for c in selectors.search(world.org.pk, term)[kind]}


@pytest.mark.django_db
def test_every_write_keeps_the_document(world):
    contact = f.ContactFactory(client=world.client, first_name="Zoë", last_name="王伟", email="zoe@x.example")
    assert _document(contact).startswith("ZOË 王伟 ")
    assert _found(world, "zoë") == {contact.pk}

    contact.last_name = "Lindqvist"
    contact.save()
    assert _found(world, "王伟") == set()
    assert _found(world, "lindqvist") == {contact.pk}

    Contact.objects.filter(pk=contact.pk).update(title="Procurement lead")
    assert _found(world, "procurement") == {contact.pk}

    [made] = Contact.objects.bulk_create(
        [Contact(organization=world.org, client=world.client, first_name="Björn", last_name="Åberg")]
    )
    assert _found(world, "ÅBERG") == {made.pk}


@pytest.mark.django_db
def test_the_document_is_the_columns_joined_and_upper_cased(world):
    contact = f.ContactFactory(
        client=world.client,
        first_name="Ann",
        last_name="Lee",
        name_local="李安",
        title="",
        email="a@x.example",
    )
    fields = [str(getattr(contact, name) or "") for name in selectors.CONTACT_SEARCH_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT UPPER(%s)", [" ".join(fields)])
        expected = cursor.fetchone()[0]
    assert _document(contact) == expected


@pytest.mark.django_db(transaction=True)
def test_the_migration_goes_back_and_forth(world):
    contact = f.ContactFactory(client=world.client, first_name="Smithers", last_name="Okafor")
    client = f.ClientFactory(organization=world.org, name="Brightwater Logistics", notes="Cold chain")
    executor = MigrationExecutor(connection)
    executor.migrate([("crm", "0007_client_search_index")])
    with connection.cursor() as cursor:
        for table in ("crm_contact", "crm_client"):
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            assert "search_document" not in columns
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    # The rows that were there are filled by the migration, not only new ones by the trigger.
    assert _document(contact).startswith("SMITHERS OKAFOR")
    assert _found(world, "okafor") == {contact.pk}
    assert _document(client).startswith("BRIGHTWATER LOGISTICS ")
    assert _found(world, "cold chain", "clients") == {client.pk}


@pytest.mark.django_db
def test_an_erased_contact_leaves_nothing_in_the_document(world):
    from accord.privacy.services import person_erase

    contact = f.ContactFactory(
        client=world.client, first_name="Ingrid", last_name="Halvorsen", email="ingrid@x.example"
    )
    person_erase(actor=None, email="ingrid@x.example", organization=world.org)
    document = _document(contact)
    assert "INGRID" not in document and "HALVORSEN" not in document
    assert _found(world, "halvorsen") == set()


@pytest.mark.django_db
def test_every_write_keeps_the_clients_document(world):
    client = f.ClientFactory(organization=world.org, name="Zoë Freight", business="Ports")
    assert _document(client).startswith("ZOË FREIGHT ")
    assert _found(world, "zoë", "clients") == {client.pk}
    client.goals = "Halve dwell time at Ningbo 宁波"
    client.save()
    assert _found(world, "ningbo", "clients") == {client.pk}
    assert _found(world, "宁波", "clients") == {client.pk}  # two characters: among the newest
    Client.objects.filter(pk=client.pk).update(tags="reefer, customs")
    assert _found(world, "REEFER", "clients") == {client.pk}
    assert _found(world, "halve dwell", "clients") == {client.pk}  # a space: the columns too
    assert _found(world, "ports halve", "clients") == set()  # not across two columns
    # The client list's search (three of the six columns) reads the same document.
    listed = selectors.client_list(world.org.pk, q="freight")
    assert [c.pk for c in listed] == [client.pk]
    assert not selectors.client_list(world.org.pk, q="ningbo").exists()
