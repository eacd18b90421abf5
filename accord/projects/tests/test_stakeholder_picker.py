"""The project form's "Client stakeholders": only the chosen client's contacts, as checkboxes
with a search box, each showing role and e-mail so that namesakes can be told apart."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from accord.crm.models import ContactRole
from accord.projects.models import Project
from accord.testing import factories as f

pytestmark = pytest.mark.django_db


def _namesakes(world):
    other = f.ClientFactory(organization=world.org, name="Nordic Freight")
    third = f.ClientFactory(organization=world.org, name="Baltic Mills")
    ours = f.ContactFactory(
        client=world.client,
        first_name="Mara",
        last_name="Lindqvist",
        email="mara@huaxin.example",
        role=ContactRole.SPONSOR,
    )
    theirs = f.ContactFactory(
        client=other, first_name="Mara", last_name="Lindqvist", email="mara@nordic.example"
    )
    f.ContactFactory(client=third, first_name="Mara", last_name="Lindqvist", email="mara@baltic.example")
    return ours, theirs, other


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_edit_form_offers_only_this_clients_contacts_as_checkboxes(world, language):
    ours, theirs, _other = _namesakes(world)
    http = world.http(world.manager)
    http.cookies["django_language"] = language
    html = http.get(reverse("projects:edit", args=[world.project.pk])).content.decode()
    assert html.count("Lindqvist") == 1
    assert "mara@huaxin.example" in html and "mara@nordic.example" not in html
    assert f'type="checkbox" name="contacts" value="{ours.pk}"' in html
    assert "data-filter-input" in html and '<select name="contacts"' not in html
    assert f'data-hx-get="{reverse("projects:stakeholder_choices")}"' in html
    with translation.override(language):
        assert translation.gettext("Search by name, role or e-mail") in html
        assert str(ContactRole.SPONSOR.label) in html
    # The world's contact is a stakeholder already: checked.
    assert f'value="{world.contact.pk}"' in html and "checked" in html


def test_choices_follow_the_client(world):
    ours, theirs, other = _namesakes(world)
    http = world.http(world.manager)
    url = reverse("projects:stakeholder_choices")
    html = http.get(url, {"client": other.pk}, headers={"HX-Request": "true"}).content.decode()
    assert "mara@nordic.example" in html and "mara@huaxin.example" not in html
    assert 'id="stakeholders"' in html and "<html" not in html
    # Another organisation's client lists nothing of it.
    foreign = http.get(url, {"client": world.foreign_client.pk}).content.decode()
    assert world.foreign_contact.email not in foreign
    # No client yet: a hint instead of everyone.
    none = http.get(url).content.decode()
    assert "Lindqvist" not in none and "Choose the client first" in none


def test_create_with_another_clients_contact_is_refused(world):
    ours, theirs, _other = _namesakes(world)
    today = dt.date.today()
    data = {
        "client": world.client.pk,
        "code": "NEW-01",
        "name": "New project",
        "manager": world.manager.pk,
        "start_date": today.isoformat(),
        "end_date": (today + dt.timedelta(days=30)).isoformat(),
        "status": "active",
        "rag": "green",
        "contacts": [theirs.pk],
    }
    response = world.http(world.manager).post(reverse("projects:create"), data)
    assert response.status_code == 422
    assert "Choose stakeholders among the contacts of this project’s client." in response.content.decode()
    assert not Project.objects.filter(code="NEW-01").exists()
    data["contacts"] = [ours.pk]
    response = world.http(world.manager).post(reverse("projects:create"), data)
    assert response.status_code == 302
    assert list(Project.objects.get(code="NEW-01").contacts.all()) == [ours]
