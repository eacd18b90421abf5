"""The organisation's settings are the admins': the service refuses anyone else with a 403
(``require_settings_editor``), which the API asks before it checks an uploaded logo."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.tenancy.services import organization_update


@pytest.mark.django_db
def test_a_manager_is_refused_before_the_logo_is_checked(world):
    disguised = SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png")
    assert world.api(world.manager).post("/organization/logo", {"logo": disguised}).status_code == 403
    assert world.api(world.admin).post("/organization/logo", {"logo": disguised}).status_code == 422
    world.org.refresh_from_db()
    assert not world.org.logo


@pytest.mark.django_db
def test_the_service_refuses_a_manager_with_a_403_not_a_form_error(world):
    with pytest.raises(PermissionDenied):
        organization_update(actor=world.as_member(world.manager), organization=world.org, name="Taken over")
    assert world.api(world.manager).patch("/organization", {"brand_color": "blue"}).status_code == 403
    world.org.refresh_from_db()
    assert world.org.name == "Acme Delivery"
