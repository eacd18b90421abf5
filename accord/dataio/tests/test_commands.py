"""accord import / accord export on the command line."""

import io

import pytest
from django.core.management import CommandError, call_command

from accord.crm.models import Client, Contact
from accord.dataio.models import ImportRun


def test_import_and_export_commands(world, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text("客户名称,行业\n东方物流,logistics\nBad,unknown-industry\n", encoding="utf-8-sig")
    out = io.StringIO()
    call_command("import", "clients", str(path), "--organization", world.org.slug, stdout=out)
    text = out.getvalue()
    assert "1 created, 0 updated, 0 skipped, 1 rejected" in text
    assert "Rejected rows:" in text
    assert Client.objects.filter(organization=world.org, name="东方物流").exists()
    target = tmp_path / "out.csv"
    call_command(
        "export",
        "clients",
        "--organization",
        world.org.slug,
        "--output",
        str(target),
        "--filter",
        "industry=logistics",
    )
    exported = target.read_text(encoding="utf-8-sig").splitlines()
    assert len(exported) == 2 and exported[1].startswith("东方物流")
    xlsx = tmp_path / "out.xlsx"
    call_command(
        "export", "contacts", "--organization", world.org.slug, "--format", "xlsx", "--output", str(xlsx)
    )
    assert xlsx.read_bytes().startswith(b"PK")


def test_dry_run_saves_nothing(world, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("name,email\nDry Person,dry@example.com\n")
    out = io.StringIO()
    call_command(
        "import",
        "contacts",
        str(path),
        "--organization",
        world.org.slug,
        "--dry-run",
        "--default-client",
        world.client.name,
        stdout=out,
    )
    assert "Dry run (nothing saved): 1 created" in out.getvalue()
    assert not Contact.objects.filter(email="dry@example.com").exists()
    assert not ImportRun.objects.exists()


def test_update_duplicates(world, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(f"email,job title\n{world.contact.email},Head of IT\n")
    call_command(
        "import",
        "contacts",
        str(path),
        "--organization",
        world.org.slug,
        "--update-duplicates",
        stdout=io.StringIO(),
    )
    world.contact.refresh_from_db()
    assert world.contact.title == "Head of IT"


def test_clear_errors(world, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import", "clients", str(tmp_path / "missing.csv"), "--organization", world.org.slug)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"name\n\xff\xfe\xfa\n")
    with pytest.raises(CommandError, match="not valid text"):
        call_command("import", "clients", str(bad), "--organization", world.org.slug)
    with pytest.raises(CommandError, match="--organization"):
        call_command("export", "clients")
    unmapped = tmp_path / "u.csv"
    unmapped.write_text("foo,bar\n1,2\n")
    with pytest.raises(CommandError, match="No column was recognised for: name"):
        call_command("import", "clients", str(unmapped), "--organization", world.org.slug)
