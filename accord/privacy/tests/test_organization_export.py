"""The organisation's export: `accord export-organization` then `accord import-organization`
into a fresh installation (real processes, real databases), and the owner's background export
on the data-protection page."""

import io
import json
import shutil
import sqlite3
import zipfile

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from accord.audit.models import AuditEntry
from accord.ops.tests.conftest import run_accord, sql
from accord.privacy.models import ExportStatus, OrganizationExport
from accord.privacy.orgdata import tenant_models
from accord.service.models import SupportAttachment, SupportRequest

SAMPLES = {
    "crm_contact": "first_name, last_name, name_local, email, phone, client_id",
    "crm_interaction": "summary, body, occurred_at, client_id",
    "audit_auditentry": "action, verb, object_id, object_repr, changes",
    "projects_task": "title, status, project_id",
    "tenancy_user": "email, full_name, language",
}


def _count(data_dir, table, org_id=None):
    where = f" WHERE organization_id = {int(org_id)}" if org_id is not None else ""
    return sql(data_dir, f"SELECT count(*) FROM {table}{where}")[0][0]  # noqa: S608 - table names from models


def test_demo_organisation_round_trips_into_a_fresh_installation(data_dir, migrated_template, tmp_path):
    source = data_dir
    result = run_accord(source, "demo")
    assert result.returncode == 0, result.stderr
    org_id, slug = sql(source, "SELECT id, slug FROM tenancy_organization ORDER BY id")[0]
    archive = tmp_path / "org.zip"
    result = run_accord(source, "export-organization", slug, "--output", str(archive))
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["organization"] == slug and manifest["counts"]["crm.contact"] > 0

    target = tmp_path / "fresh"
    shutil.copytree(migrated_template, target)
    result = run_accord(target, "import-organization", str(archive))
    assert result.returncode == 0, result.stderr
    # Every model of the organisation has as many rows there as here.
    for model in tenant_models():
        table = model._meta.db_table
        assert _count(target, table, org_id) == _count(source, table, org_id), table
        for m2m in model._meta.many_to_many:
            through = m2m.remote_field.through._meta.db_table
            column = m2m.m2m_column_name()
            query = f"SELECT count(*) FROM {through} WHERE {column} IN (SELECT id FROM {table} WHERE organization_id = ?)"  # noqa: S608,E501
            assert sql(target, query, (org_id,)) == sql(source, query, (org_id,)), through
    assert _count(target, "tenancy_organization") == 1
    members = f"SELECT user_id FROM tenancy_membership WHERE organization_id = {int(org_id)}"
    for table, columns in SAMPLES.items():
        where = f"id IN ({members})" if table == "tenancy_user" else f"organization_id = {int(org_id)}"
        query = f"SELECT id, {columns} FROM {table} WHERE {where} ORDER BY id LIMIT 20"  # noqa: S608
        assert sql(target, query) == sql(source, query), table
    # Imported accounts have no password until they reset it; content types matched by name.
    assert {row[0] for row in sql(target, "SELECT substr(password, 1, 1) FROM tenancy_user")} == {"!"}
    # A second import is refused: the installation is not empty any more.
    again = run_accord(target, "import-organization", str(archive))
    assert again.returncode != 0 and "empty installation" in again.stderr

    # The person commands as an operator runs them, on the demo data.
    email = sql(
        source,
        "SELECT email FROM crm_contact WHERE organization_id = ? AND email != '' ORDER BY id",
        (org_id,),
    )[0][0]
    person = tmp_path / "person.zip"
    result = run_accord(source, "export-person", email, "--organization", slug, "--output", str(person))
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(person) as zf:
        assert email in zf.read("contacts.json").decode()
        assert zf.read("README.txt")
    result = run_accord(source, "erase-person", email, "--organization", slug, "--yes")
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(source / "accord.sqlite3")
    try:
        dump = "\n".join(conn.iterdump()).casefold()
    finally:
        conn.close()
    assert email.casefold() not in dump


@pytest.mark.django_db
def test_files_and_checksums_travel_and_a_changed_archive_is_refused(world, tmp_path):
    support = SupportRequest.objects.create(
        organization=world.org,
        project=world.project,
        title="Printer",
        description="Jammed",
        first_response_due_at="2030-01-01T00:00:00Z",
    )
    attachment = SupportAttachment(
        organization=world.org, request=support, filename="log.txt", content_type="text/plain", size=5
    )
    attachment.file.save("log.txt", ContentFile(b"hello"), save=True)
    out = tmp_path / "org.zip"
    call_command("export_organization", world.org.slug, "--output", str(out))
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert zf.read(f"files/{attachment.file.name}") == b"hello"
        members = {name: zf.read(name) for name in zf.namelist()}
    assert f"files/{attachment.file.name}" in manifest["sha256"]
    assert "data/audit.auditentry.json" in manifest["sha256"]
    # Foreign organisation's rows never travel.
    contacts = json.loads(members["data/crm.contact.json"])
    assert {row["fields"]["organization"] for row in contacts} == {world.org.pk}
    # Tampered: the checksum catches it, before the installation is even looked at.
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as zf:
        for name, data in members.items():
            zf.writestr(
                name, data.replace(b"Jammed", b"Broken") if name.endswith("supportrequest.json") else data
            )
    with pytest.raises(CommandError, match="checksum"):
        call_command("import_organization", str(tampered))
    with pytest.raises(CommandError, match="empty installation"):
        call_command("import_organization", str(out))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_owner_queues_an_export_and_downloads_it(world, django_capture_on_commit_callbacks, language):
    owner = world.http(world.owner)
    page = owner.get("/privacy/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert ("Prepare an export" if language == "en" else "准备导出") in page
    # The organisation's settings page has the button too (owners only) and the way here.
    settings_page = owner.get("/accounts/organization/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert 'action="/privacy/export/"' in settings_page and 'href="/privacy/"' in settings_page
    admin_page = world.http(world.admin).get("/accounts/organization/").content.decode()
    assert 'action="/privacy/export/"' not in admin_page and 'href="/privacy/"' in admin_page
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post("/privacy/export/")
    assert response.status_code == 302
    export = OrganizationExport.objects.get(organization=world.org)
    assert export.status == ExportStatus.READY and export.size_bytes > 0
    page = owner.get("/privacy/").content.decode()
    assert f"/privacy/export/{export.pk}/download/" in page
    download = owner.get(f"/privacy/export/{export.pk}/download/")
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))) as zf:
        assert json.loads(zf.read("manifest.json"))["organization"] == world.org.slug
    assert AuditEntry.objects.filter(organization=world.org, verb="organisation export requested").exists()
    # Admins see the page but neither export nor download; another organisation gets a 404.
    admin = world.http(world.admin)
    assert admin.post("/privacy/export/").status_code == 403
    assert admin.get(f"/privacy/export/{export.pk}/download/").status_code == 403
    assert world.http(world.outsider).get(f"/privacy/export/{export.pk}/download/").status_code == 404
    assert OrganizationExport.objects.count() == 1


def test_every_tenant_model_is_exported():
    labels = {m._meta.label_lower for m in tenant_models()}
    everything = {
        m._meta.label_lower
        for m in apps.get_models()
        if any(fl.name == "organization" and fl.is_relation for fl in m._meta.concrete_fields)
    }
    assert everything - labels == {"privacy.organizationexport", "privacy.organizationdeletion"}
