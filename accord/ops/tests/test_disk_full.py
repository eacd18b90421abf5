"""A full disk (ENOSPC, injected at the OS boundary: the write system call for files under the
media folder) leaves no partial file and no import stuck "running": uploads are written to a
temporary file and moved into place whole, the failure is a translated message on the form,
a failing import run is marked failed with its reason, and a sweeper fails runs left running.
Before: a half-written file stayed in media/ and the import stayed "running" forever."""

from __future__ import annotations

import errno
import io
import os
from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.utils import timezone, translation
from django.utils.translation import gettext

from accord.crm.models import Contact
from accord.dataio.models import ImportRun, ImportStatus
from accord.dataio.services import import_runs_fail_stuck
from accord.dataio.tests.access_rows import RewindingFile
from accord.tenancy.services import api_token_create

DISK_FULL = (
    "The server's disk is full, so the file was not stored. "
    "Ask your administrator to free space, then try again."
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def disk_full(media, monkeypatch):
    """Writes to files under the media folder store 100 bytes, then fail with ENOSPC."""
    real_write = os.write
    seen: set[int] = set()

    def write(fd, data):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = ""
        if target.startswith(str(media)):
            if fd not in seen:
                seen.add(fd)
                return real_write(fd, bytes(data[:100]))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    return media


def _files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (41, 82, 204)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_logo_upload_on_a_full_disk_leaves_no_file_and_says_why(world, disk_full, language):
    world.admin.language = language
    world.admin.save(update_fields=["language"])
    http = world.http(world.admin)
    logo = RewindingFile("logo.png", _png() * 3)
    response = http.post(
        "/accounts/organization/",
        {
            "name": world.org.name,
            "default_language": "en",
            "default_timezone": "UTC",
            "default_currency": "EUR",
            "brand_color": "#2952cc",
            "logo": logo,
        },
    )
    assert response.status_code in {200, 422}
    with translation.override(language):
        expected = gettext(DISK_FULL)
    assert expected.replace("'", "&#x27;") in response.content.decode()
    assert _files(disk_full) == []
    world.org.refresh_from_db()
    assert not world.org.logo


def test_logo_upload_with_space_is_stored_whole(world, media):
    http = world.http(world.admin)
    png = _png()
    response = http.post(
        "/accounts/organization/",
        {
            "name": world.org.name,
            "default_language": "en",
            "default_timezone": "UTC",
            "default_currency": "EUR",
            "brand_color": "#2952cc",
            "logo": RewindingFile("logo.png", png),
        },
    )
    assert response.status_code == 302
    world.org.refresh_from_db()
    assert (media / world.org.logo.name).read_bytes() == png
    assert _files(media) == [world.org.logo.name]  # no temporary file left beside it
    assert oct((media / world.org.logo.name).stat().st_mode & 0o777) == "0o644"


def _bearer(world):
    _token, raw = api_token_create(membership=world.memberships[world.admin.pk], name="test")
    return {"Authorization": f"Bearer {raw}"}


CSV = "Company,Name,Email\nHuaxin,Wei Wang,wang@example.cn\n,Nobody,broken\n" * 40


def test_import_upload_on_a_full_disk_is_a_422_and_leaves_no_file(world, disk_full):
    response = HttpClient().post(
        "/api/v1/imports",
        {"kind": "contacts", "file": RewindingFile("c.csv", CSV.encode())},
        headers=_bearer(world),
    )
    assert response.status_code == 422, response.content
    assert "disk is full" in response.content.decode()
    assert _files(disk_full) == []
    assert not ImportRun.objects.exists()


def test_import_run_failing_on_a_full_disk_is_marked_failed(world, media, monkeypatch):
    response = HttpClient().post(
        "/api/v1/imports",
        {"kind": "contacts", "file": RewindingFile("c.csv", CSV.encode())},
        headers=_bearer(world),
    )
    assert response.status_code == 201, response.content
    run_id = response.json()["id"]
    # The disk fills up before the rejected-rows report is written.
    import builtins

    real_open = builtins.open

    def full_disk_open(file, mode="r", *args, **kwargs):
        if str(file).endswith(".rejected.csv") and "w" in mode:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", full_disk_open)
    api = world.api(world.admin)
    result = api.post(f"/imports/{run_id}/run", {"duplicates": "skip"})
    monkeypatch.setattr(builtins, "open", real_open)
    assert result.status_code == 200, result.content
    run = ImportRun.objects.get(pk=run_id)
    assert run.status == ImportStatus.FAILED
    assert "disk is full" in run.error and "nothing was saved" in run.error
    assert not Contact.objects.filter(email="wang@example.cn").exists()


def test_sweeper_fails_imports_left_running(world, media, settings):
    settings.ACCORD_IMPORT_TIMEOUT_SECONDS = 3600
    response = HttpClient().post(
        "/api/v1/imports",
        {"kind": "contacts", "file": RewindingFile("c.csv", CSV.encode())},
        headers=_bearer(world),
    )
    run_id = response.json()["id"]
    ImportRun.objects.filter(pk=run_id).update(
        status=ImportStatus.RUNNING, started_at=timezone.now() - timedelta(hours=2)
    )
    assert import_runs_fail_stuck() == 1
    run = ImportRun.objects.get(pk=run_id)
    assert run.status == ImportStatus.FAILED and "Start it again" in run.error
    ImportRun.objects.filter(pk=run_id).update(status=ImportStatus.RUNNING, started_at=timezone.now())
    assert import_runs_fail_stuck() == 0  # a run still within its time is left alone
