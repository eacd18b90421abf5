"""Support addresses are the admins': the list checks in its selector and the API asks the
service's own guard (``require_mailbox_admin``) before it looks up the project in the body."""

import pytest

from accord.service.models import SupportMailbox


@pytest.mark.django_db
def test_an_address_for_another_organisations_project_is_refused_to_a_manager_first(world):
    body = {"address": "help@acme.example", "project_id": world.foreign_project.pk}
    assert world.api(world.manager).post("/support-addresses", body).status_code == 403
    response = world.api(world.admin).post("/support-addresses", body)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "project_id"
    assert not SupportMailbox.objects.exists()
    assert world.api(world.manager).get("/support-addresses").status_code == 403
    assert world.api(world.admin).get("/support-addresses").json() == []
