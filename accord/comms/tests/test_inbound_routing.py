"""Mail is filed by the address it was sent TO, in exactly one organisation. A contact with the
sender's address in another organisation never receives it (organisation A must not read the
confidential mail B's client sent to B)."""

import pytest
from django.urls import reverse

from accord.comms import services
from accord.comms.models import InboundMessage
from accord.crm.models import Interaction
from accord.service import services as support_services
from accord.service.models import SupportRequest
from accord.testing import factories as f

from .test_inbound import _mail, _mail_in

pytestmark = pytest.mark.django_db

SENDER = "li.na@client.example"


@pytest.fixture
def shared_sender(world):
    """The same address is a contact in both organisations."""
    assert world.contact.email == SENDER
    return f.ContactFactory(client=world.foreign_client, email=SENDER, first_name="Na", last_name="Li")


def _confirmed_support_address(world, address):
    box = support_services.support_mailbox_create(actor=world.memberships[world.admin.pk], address=address)
    return support_services.support_mailbox_confirm(raw=box.raw_token)


def _inbox(world, user) -> str:
    return world.http(user).get(reverse("comms:inbox")).content.decode()


def test_mail_to_a_support_address_lands_only_in_its_organisation(world, shared_sender):
    _confirmed_support_address(world, "support@acme.example")
    _mail_in(_mail(to="support@acme.example", subject="Confidential: contract terms", msgid="<c1@x>"))
    assert list(InboundMessage.objects.values_list("organization_id", flat=True)) == [world.org.pk]
    assert SupportRequest.objects.get().organization == world.org
    assert not Interaction.objects.filter(organization=world.other_org).exists()
    assert "Confidential: contract terms" not in _inbox(world, world.outsider)


def test_mail_to_a_reply_address_lands_only_in_its_organisation(world, shared_sender):
    address = services.project_reply_address(world.foreign_project)
    _mail_in(_mail(to=address, subject="For B only", msgid="<b1@x>"))
    [inbound] = InboundMessage.objects.all()
    assert inbound.organization == world.other_org and inbound.interaction.client == world.foreign_client
    assert "For B only" not in _inbox(world, world.admin)


def test_mail_to_no_known_recipient_lands_nowhere(world, shared_sender):
    with pytest.raises(SystemExit) as exc:
        _mail_in(_mail(to="someone@elsewhere.example", subject="Where does this go?", msgid="<n1@x>"))
    assert exc.value.code == 67  # the MTA bounces it
    assert not InboundMessage.objects.exists() and not Interaction.objects.exists()
    assert "Where does this go?" not in _inbox(world, world.admin)
    assert "Where does this go?" not in _inbox(world, world.outsider)


def test_an_unconfirmed_support_address_routes_nothing(world, shared_sender):
    support_services.support_mailbox_create(
        actor=world.memberships[world.outsider.pk], address="help@acme.example"
    )
    with pytest.raises(SystemExit):
        _mail_in(_mail(to="help@acme.example", subject="Claimed, not confirmed", msgid="<u1@x>"))
    assert not InboundMessage.objects.exists()


def test_an_organisations_own_mailbox_files_only_there(world, shared_sender):
    """``mail-in --org`` names the organisation whose mailbox delivered the mail: the sender picks
    the client inside it, and the other organisation's contact is not looked at."""
    _mail_in(_mail(to="team@acme.example", subject="Status?", msgid="<o1@x>"), "--org", world.org.slug)
    [inbound] = InboundMessage.objects.all()
    assert inbound.organization == world.org and inbound.interaction.client == world.client
    assert list(inbound.interaction.contacts.all()) == [world.contact]
