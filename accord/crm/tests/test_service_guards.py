"""The CRM services check their own rule, whoever calls them: any team member of the record's
organisation may change clients, contacts and interactions; deleting a client takes someone who
may create projects. Before, only the views' lookups checked: a service called with a client
contact's membership or another organisation's admin changed the CRM."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accord.audit.models import AuditEntry
from accord.crm import services
from accord.crm.models import Client, Contact, Interaction
from accord.testing import factories as f


def _writes(world):
    client = f.ClientFactory(organization=world.org, name="Nordlicht GmbH")
    contact = f.ContactFactory(client=client, first_name="Mara", last_name="Lindqvist")
    interaction = f.InteractionFactory(client=client, follow_up_on=timezone.localdate())
    return {
        "client_create": lambda a: services.client_create(actor=a, name="Sneaked in"),
        "client_update": lambda a: services.client_update(actor=a, client=client, name="Renamed"),
        "client_delete": lambda a: services.client_delete(actor=a, client=client),
        "contact_create": lambda a: services.contact_create(actor=a, client=client, last_name="Sneaked"),
        "contact_update": lambda a: services.contact_update(actor=a, contact=contact, last_name="Renamed"),
        "contact_delete": lambda a: services.contact_delete(actor=a, contact=contact),
        "interaction_create": lambda a: services.interaction_create(actor=a, client=client, summary="Call"),
        "interaction_update": lambda a: services.interaction_update(
            actor=a, interaction=interaction, summary="Changed"
        ),
        "interaction_delete": lambda a: services.interaction_delete(actor=a, interaction=interaction),
        "interaction_follow_up_done": lambda a: services.interaction_follow_up_done(
            actor=a, interaction=interaction
        ),
    }


WRITES = [
    "client_create",
    "client_update",
    "client_delete",
    "contact_create",
    "contact_update",
    "contact_delete",
    "interaction_create",
    "interaction_update",
    "interaction_delete",
    "interaction_follow_up_done",
]


def _state():
    return (
        list(Client.objects.order_by("pk").values_list("pk", "name")),
        list(Contact.objects.order_by("pk").values_list("pk", "last_name")),
        list(Interaction.objects.order_by("pk").values_list("pk", "summary", "follow_up_done_at")),
        AuditEntry.objects.count(),
    )


# (Another organisation's admin creating a client creates it in their own organisation.)
REFUSED = [
    (who, write)
    for who in ("client_user", "outsider")
    for write in WRITES
    if (who, write) != ("outsider", "client_create")
]


@pytest.mark.parametrize(("who", "write"), REFUSED)
def test_a_crm_service_refuses_a_client_contact_and_another_organisation(world, who, write):
    act = _writes(world)[write]
    before = _state()
    # Adding a contact or an interaction to another organisation's client was refused before too,
    # on the field (a 422 naming `client`); everything else is a PermissionDenied now.
    refused = (PermissionDenied, ValidationError) if write.endswith("_create") else PermissionDenied
    with pytest.raises(refused):
        act(world.as_member(getattr(world, who)))
    assert _state() == before


@pytest.mark.parametrize("write", WRITES)
def test_a_team_member_may_do_it_except_delete_a_client(world, write):
    act = _writes(world)[write]
    member = world.as_member(world.member)
    if write == "client_delete":
        with pytest.raises(PermissionDenied):
            act(member)
        act(world.as_member(world.manager))
        return
    act(member)
