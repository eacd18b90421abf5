"""A wrong or missing encryption key is detected (fingerprint in the database vs the current
key): channels say "secret unreadable — re-enter" instead of "secret set", /readyz says why,
and `accord rotate-keys` re-encrypts the secrets with the new key. Before: the badge still
said "secret set" and delivery failed with an empty password."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from accord.comms.models import ChannelConfig
from accord.lib import crypto
from accord.ops import services
from accord.ops.models import SiteState

OLD_KEY = "the key the secrets were written with"
NEW_KEY = "a new key after a careless restore"


@pytest.fixture
def channel(world, settings):
    settings.FIELD_ENCRYPTION_KEY = OLD_KEY
    config = ChannelConfig.objects.create(
        organization=world.org,
        kind="webhook",
        name="Team hook",
        url="https://hooks.example/abc",
        secret_encrypted=crypto.encrypt("hook-token"),
    )
    assert services.key_check() is True  # the first run records the fingerprint
    return config


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_wrong_key_shows_unreadable_secret_and_rotate_keys_repairs_it(
    world, channel, settings, tmp_path, language
):
    world.admin.language = language
    world.admin.save(update_fields=["language"])
    http = world.http(world.admin)
    with translation.override(language):
        unreadable, secret_set = gettext("secret unreadable — re-enter"), gettext("secret set")
    page = http.get("/communication/channels/").content.decode()
    assert secret_set in page and unreadable not in page

    settings.FIELD_ENCRYPTION_KEY = NEW_KEY
    assert services.key_check() is False
    page = http.get("/communication/channels/").content.decode()
    assert unreadable in page
    body = Client().get("/readyz").json()
    assert body["checks"]["encryption_key"]["ok"] is False

    old_key_file = tmp_path / "old.key"
    old_key_file.write_text(OLD_KEY)
    call_command("rotate_keys", old_key_file=str(old_key_file))
    channel.refresh_from_db()
    assert channel.secret == "hook-token"
    page = http.get("/communication/channels/").content.decode()
    assert secret_set in page and unreadable not in page
    assert services.key_check() is True
    assert SiteState.objects.get().key_fingerprint == services.key_fingerprint(NEW_KEY)


def test_fingerprint_never_holds_the_key(channel):
    stored = SiteState.objects.get().key_fingerprint
    assert OLD_KEY not in stored and len(stored) == 64


def test_operator_resumes_delivery_from_the_channels_page(world, channel):
    services.delivery_pause(reason="restored from a backup")
    world.admin.is_staff = True
    world.admin.save(update_fields=["is_staff"])
    http = world.http(world.admin)
    page = http.get("/communication/channels/").content.decode()
    assert "/ops/delivery/resume/" in page
    response = http.post("/ops/delivery/resume/")
    assert response.status_code == 302
    assert services.delivery_paused() is False
    from accord.audit.models import AuditEntry

    assert AuditEntry.objects.filter(verb="delivery_resumed", organization=world.org).exists()


def test_admin_who_is_not_an_operator_cannot_resume(world, channel):
    services.delivery_pause(reason="restored from a backup")
    http = world.http(world.admin)
    assert "accord delivery resume" in http.get("/communication/channels/").content.decode()
    assert http.post("/ops/delivery/resume/").status_code == 403
    assert services.delivery_paused() is True
