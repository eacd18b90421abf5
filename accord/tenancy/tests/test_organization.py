import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accord.audit.models import AuditEntry
from accord.lib.colour import contrast_with_white


def _png(size=(40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (41, 82, 204)).save(buffer, format="PNG")
    return buffer.getvalue()


def _form(**extra):
    return {
        "name": "Acme Delivery 交付",
        "default_language": "zh-hans",
        "default_timezone": "Asia/Shanghai",
        "default_currency": "CNY",
        "brand_color": "#aa3300",
        **extra,
    }


def test_admin_changes_branding_with_a_logo_and_it_is_audited(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    http = world.http(world.admin)
    logo = SimpleUploadedFile("logo.png", _png(), content_type="image/png")
    response = http.post("/accounts/organization/", _form(logo=logo))
    assert response.status_code == 302
    world.org.refresh_from_db()
    assert world.org.default_currency == "CNY" and world.org.brand_color == "#aa3300"
    assert world.org.logo.name.startswith("logos/")
    # every member (and client contact) of the organisation can load the logo; the colour brands pages
    served = world.http(world.client_user).get("/accounts/organization/logo/")
    assert served.status_code == 200 and b"".join(served.streaming_content).startswith(b"\x89PNG")
    assert "--brand: #aa3300" in world.http(world.member).get("/dashboard/").content.decode()
    entry = AuditEntry.objects.get(organization=world.org, object_repr="Acme Delivery 交付", action="update")
    # the entry says what changed (the form works on a copy, so the service sees the saved values)
    assert entry.changes["brand_color"] == ["#2952cc", "#aa3300"]
    assert entry.changes["default_currency"] == ["EUR", "CNY"]


def test_bad_settings_are_refused_beside_their_fields(world):
    http = world.http(world.admin)
    response = http.post(
        "/accounts/organization/",
        _form(default_currency="ABC", default_timezone="Mars/Olympus", brand_color="blue"),
    )
    assert response.status_code == 422
    body = response.content.decode()
    for field in ("default_currency", "default_timezone", "brand_color"):
        assert f'id="id_{field}_errors"' in body
    world.org.refresh_from_db()
    assert world.org.name == "Acme Delivery"


def test_a_file_that_is_not_an_image_is_refused(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("logo.png", b"MZ\x90\x00 not an image", content_type="image/png")
    response = world.http(world.admin).post("/accounts/organization/", _form(logo=fake))
    assert response.status_code == 422
    assert 'id="id_logo_errors"' in response.content.decode()
    world.org.refresh_from_db()
    assert not world.org.logo


def test_members_cannot_change_settings(world):
    assert world.http(world.member).post("/accounts/organization/", _form()).status_code == 403
    world.org.refresh_from_db()
    assert world.org.default_currency == "EUR"


@pytest.mark.parametrize(("language", "words"), [("en", "too light to read"), ("zh-hans", "颜色太浅")])
def test_a_brand_colour_too_light_to_read_is_refused_on_the_page_and_in_the_api(world, language, words):
    http = world.http(world.admin)
    http.cookies["django_language"] = language
    response = http.post("/accounts/organization/", _form(brand_color="#ffcc00"))  # 1.5:1 on white
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_brand_color_errors"' in body and words in body and "1.5:1" in body
    world.org.refresh_from_db()
    assert world.org.brand_color == "#2952cc" and world.org.name == "Acme Delivery"

    api = world.api(world.admin)
    response = api.patch("/organization", {"brand_color": "#d64545"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 422  # 4.4:1, just short of AA
    assert response.json()["errors"][0]["field"] == "brand_color"
    assert api.patch("/organization", {"brand_color": "#b83232"}).status_code == 200  # 5.9:1


def test_contrast_follows_wcag():
    assert round(contrast_with_white("#000000"), 1) == 21.0
    assert round(contrast_with_white("#ffffff"), 1) == 1.0
    assert round(contrast_with_white("#2952cc"), 1) == 6.6
    assert contrast_with_white("#d64545") < 4.5 < contrast_with_white("#b83232")


def test_the_logo_is_kept_when_other_settings_change_and_removed_when_cleared(world, settings, tmp_path):
    # Ticking "Clear" answered 500 ('bool' object has no attribute 'name').
    settings.MEDIA_ROOT = tmp_path
    http = world.http(world.admin)
    logo = SimpleUploadedFile("logo.png", _png(), content_type="image/png")
    assert http.post("/accounts/organization/", _form(logo=logo)).status_code == 302
    assert http.post("/accounts/organization/", _form(name="Acme 2")).status_code == 302
    world.org.refresh_from_db()
    assert world.org.logo and world.org.name == "Acme 2"
    assert http.post("/accounts/organization/", _form(**{"logo-clear": "on"})).status_code == 302
    world.org.refresh_from_db()
    assert not world.org.logo
    assert world.http(world.member).get("/accounts/organization/logo/").status_code == 404
