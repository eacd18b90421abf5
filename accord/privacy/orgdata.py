"""An organisation's whole data as one zip, and back.

    manifest.json               format, organisation, counts per model, SHA-256 of every member
    data/<app.model>.json       Django's JSON serialisation (ids kept; users and content types
                                by natural key, so the archive loads into another installation)
    files/<name>                the uploaded files, under their stored names

Passwords, two-factor secrets and operator flags are not exported: imported accounts sign in
after a password reset. Encrypted channel secrets travel as they are and read only under the
same ACCORD_FIELD_ENCRYPTION_KEY.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.tenancy.models import Organization, User

FORMAT = "accord-organization-export"
VERSION = 1
# Rows about the installation's handling of the organisation, not the organisation's data.
NOT_EXPORTED = {"privacy.organizationexport", "privacy.organizationdeletion"}
USER_FIELDS = (
    "email",
    "full_name",
    "language",
    "timezone",
    "is_active",
    "date_joined",
    "last_login",
    "updated_at",
)


class ImportRefused(Exception):
    """The archive cannot be imported here; the message says why."""


def storage_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def export_dir(organization_id: int, *, create: bool = True) -> Path:
    path = storage_root() / "privacy" / "exports" / str(organization_id)
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def tenant_models() -> list[type[models.Model]]:
    found = []
    for model in apps.get_models():
        field = next((f for f in model._meta.concrete_fields if f.name == "organization"), None)
        if field is None or not field.is_relation or field.related_model is not Organization:
            continue
        if model._meta.label_lower not in NOT_EXPORTED:
            found.append(model)
    return found


def _users(organization: Organization, querysets) -> models.QuerySet:
    """Members, and every account a row of the organisation refers to."""
    from accord.tenancy.models import Membership

    ids = set(Membership.objects.filter(organization=organization).values_list("user_id", flat=True))
    for model, qs in querysets:
        for f in model._meta.get_fields():
            if f.is_relation and f.related_model is User and (f.many_to_one or f.one_to_one) and f.concrete:
                ids |= set(qs.exclude(**{f"{f.attname}__isnull": True}).values_list(f.attname, flat=True))
            elif f.is_relation and f.related_model is User and f.many_to_many and f.concrete:
                ids |= set(qs.exclude(**{f"{f.name}__isnull": True}).values_list(f.name, flat=True))
    return User.objects.filter(pk__in=ids).order_by("pk")


def _querysets(organization: Organization):
    return [(m, m._default_manager.filter(organization=organization).order_by("pk")) for m in tenant_models()]


def organization_files(organization: Organization) -> list[tuple[str, object]]:
    """(name, storage) of every uploaded file of the organisation."""
    found = []
    if organization.logo:
        found.append((organization.logo.name, organization.logo.storage))
    for model, qs in _querysets(organization):
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                for name in qs.exclude(**{f.attname: ""}).values_list(f.attname, flat=True):
                    if name:
                        found.append((name, f.storage))
    return found


def organization_export_to(organization: Organization, path: Path) -> int:
    """Write the organisation's archive to ``path`` (replaced whole). Returns its size."""
    querysets = _querysets(organization)
    checksums: dict[str, str] = {}
    counts: dict[str, int] = {}
    tmp = path.with_name(f".{path.name}.part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:

        def put(name: str, data: bytes) -> None:
            archive.writestr(name, data)
            checksums[name] = hashlib.sha256(data).hexdigest()

        users = _users(organization, querysets)
        counts["tenancy.user"] = users.count()
        put(
            "data/tenancy.user.json",
            serializers.serialize("json", users, fields=USER_FIELDS, indent=1).encode(),
        )
        org_qs = Organization.objects.filter(pk=organization.pk)
        counts["tenancy.organization"] = 1
        put("data/tenancy.organization.json", serializers.serialize("json", org_qs, indent=1).encode())
        for model, qs in querysets:
            label = model._meta.label_lower
            counts[label] = qs.count()
            data = serializers.serialize("json", qs, use_natural_foreign_keys=True, indent=1)
            put(f"data/{label}.json", data.encode())
        for name, storage in organization_files(organization):
            try:
                with storage.open(name, "rb") as fh:
                    put(f"files/{name}", fh.read())
            except FileNotFoundError:
                continue  # a file already gone from the disk is left out, not invented
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "organization": organization.slug,
            "created_at": timezone.now().isoformat(),
            "counts": counts,
            "sha256": checksums,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=1))
    tmp.replace(path)
    return path.stat().st_size


def _read_verified(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except (KeyError, ValueError):
        raise ImportRefused(
            _("This is not an Accord organisation export (manifest.json is missing).")
        ) from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise ImportRefused(_("This archive is of a format this version of Accord cannot read."))
    names = set(archive.namelist()) - {"manifest.json"}
    if names != set(manifest["sha256"]):
        raise ImportRefused(
            _("The archive's files do not match its manifest: it is incomplete or was changed.")
        )
    for name in names:
        if hashlib.sha256(archive.read(name)).hexdigest() != manifest["sha256"][name]:
            raise ImportRefused(
                _("The file %(name)s does not match its checksum: the archive is damaged.") % {"name": name}
            )
    return manifest


def organization_import(path: Path) -> Organization:
    """Load an archive into an installation that has no organisation yet. All or nothing."""
    with zipfile.ZipFile(path) as archive:
        manifest = _read_verified(archive)
        if Organization.objects.exists():
            raise ImportRefused(
                _("This installation already has organisations; import into an empty installation.")
            )
        user_rows = json.loads(archive.read("data/tenancy.user.json"))
        emails = [row["fields"]["email"] for row in user_rows]
        if (
            User.objects.filter(email__in=emails).exists()
            or User.objects.filter(pk__in=[row["pk"] for row in user_rows]).exists()
        ):
            raise ImportRefused(_("Accounts of the archive already exist in this installation."))
        order = ["data/tenancy.user.json", "data/tenancy.organization.json"]
        order += sorted(n for n in manifest["sha256"] if n.startswith("data/") and n not in order)
        rows = []
        for name in order:
            rows.extend(json.loads(archive.read(name)))
        for row in rows:
            if row["model"] == "tenancy.user":
                # archives made before accounts had a version: their version starts at joining
                row["fields"].setdefault("updated_at", row["fields"].get("date_joined"))
        with tempfile.TemporaryDirectory() as tmp:
            fixture = Path(tmp) / "organization.json"
            fixture.write_text(json.dumps(rows))
            with transaction.atomic():
                call_command("loaddata", str(fixture), verbosity=0)
                User.objects.filter(pk__in=[row["pk"] for row in user_rows]).update(
                    password=make_password(None)
                )
                written = []
                try:
                    for name in manifest["sha256"]:
                        if name.startswith("files/"):
                            stored = name.removeprefix("files/")
                            default_storage.delete(stored)
                            written.append(default_storage.save(stored, ContentFile(archive.read(name))))
                except Exception:
                    for stored in written:
                        default_storage.delete(stored)
                    raise
    return Organization.objects.get(slug=manifest["organization"])
