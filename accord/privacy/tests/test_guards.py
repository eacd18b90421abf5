"""A person's export and erasure and the organisation's deletion: the pages ask the service's own
guards (``require_person_exporter``, ``require_person_eraser``, ``require_owner``) before they look
at the contact or show a form."""

import pytest
from django.urls import reverse

from accord.testing import factories as f


@pytest.mark.django_db
def test_a_contact_without_an_address_is_refused_to_a_member_before_it_is_checked(world):
    contact = f.ContactFactory(client=world.client, email="")
    url = reverse("privacy:contact_export", args=[contact.pk])
    assert world.http(world.member).post(url).status_code == 403
    response = world.http(world.manager).post(url)
    assert response.status_code == 302 and response.url == reverse("crm:contact_detail", args=[contact.pk])


@pytest.mark.django_db
def test_the_erase_and_delete_pages_show_their_form_only_to_those_the_service_lets_act(world):
    erase = reverse("privacy:contact_erase", args=[world.contact.pk])
    assert world.http(world.manager).get(erase).status_code == 403
    assert world.http(world.manager).post(erase, {"email": "wrong"}).status_code == 403
    assert world.http(world.admin).get(erase).status_code == 200
    delete = reverse("privacy:organization_delete")
    assert world.http(world.admin).get(delete).status_code == 403
    assert world.http(world.admin).post(delete, {"confirm_name": "wrong"}).status_code == 403
    assert world.http(world.owner).get(delete).status_code == 200
