"""Online backups and restores.

A backup is one tar file: the database (a consistent snapshot taken while users keep writing —
``VACUUM INTO`` on SQLite, ``pg_dump -Fc`` on PostgreSQL), the uploaded files (media), and
``manifest.json`` with the SHA-256 of every other member and the fingerprint of the
field-encryption key (never the key itself).

A restore goes only into an empty database and media folder, verifies every checksum before
it writes anything, and leaves outgoing delivery paused so the copy re-sends nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_NAME = "database.sqlite3"
PG_NAME = "database.pgdump"


class BackupError(Exception):
    pass


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = {**os.environ}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    env["PGDATABASE"] = db["NAME"]
    return env


def _dump_database(target_dir: Path) -> str:
    if _engine() == "sqlite":
        out = target_dir / SQLITE_NAME
        # One read transaction: a consistent snapshot; in WAL mode writers carry on meanwhile.
        source = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=60)
        try:
            source.execute("PRAGMA busy_timeout=60000")
            source.execute("VACUUM INTO ?", (str(out),))
        finally:
            source.close()
        return SQLITE_NAME
    out = target_dir / PG_NAME
    subprocess.run(  # noqa: S603 - fixed program, arguments from settings
        ["pg_dump", "-Fc", "--no-owner", "--no-privileges", "-f", str(out)], env=_pg_env(), check=True
    )
    return PG_NAME


def _copy_media(target_dir: Path) -> None:
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir():
        shutil.copytree(media, target_dir / "media", symlinks=False, dirs_exist_ok=True)


def backup_create(destination: Path) -> dict:
    """Write a backup tar to ``destination`` (atomically: a partial file never has the name)."""
    from .services import key_fingerprint

    destination = Path(destination)
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".accord-backup-") as tmp:
        work = Path(tmp) / "backup"
        work.mkdir()
        database = _dump_database(work)
        _copy_media(work)
        files = {
            path.relative_to(work).as_posix(): sha256_file(path)
            for path in sorted(work.rglob("*"))
            if path.is_file()
        }
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "engine": connection.vendor,
            "database": database,
            "key_fingerprint": key_fingerprint(),
            "files": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        partial = Path(tmp) / "backup.tar"
        with tarfile.open(partial, "w") as tar:
            tar.add(work / MANIFEST, arcname=MANIFEST)
            for name in files:
                tar.add(work / name, arcname=name)
        os.replace(partial, destination)
    return manifest


def _safe_extract(archive: Path, into: Path) -> None:
    with tarfile.open(archive, "r") as tar:
        for member in tar.getmembers():
            if not (member.isfile() or member.isdir()):
                raise BackupError(f"Unexpected entry in the backup: {member.name}")
        tar.extractall(into, filter="data")


def backup_verify(archive: Path, into: Path) -> dict:
    """Extract ``archive`` into ``into`` and check every checksum. Returns the manifest."""
    try:
        _safe_extract(archive, into)
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"Cannot read the backup {archive}: {exc}") from exc
    manifest_path = into / MANIFEST
    if not manifest_path.is_file():
        raise BackupError("The backup has no manifest.json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}")
    present = {
        p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file() and p.name != MANIFEST
    } - {MANIFEST}
    expected = set(manifest["files"])
    if present != expected:
        raise BackupError(
            f"The backup's files differ from its manifest (missing: {sorted(expected - present)[:5]}, "
            f"unexpected: {sorted(present - expected)[:5]})"
        )
    for name, digest in manifest["files"].items():
        if sha256_file(into / name) != digest:
            raise BackupError(f"Checksum mismatch for {name}: the backup is damaged")
    if manifest["database"] not in expected:
        raise BackupError("The backup holds no database")
    return manifest


def _database_is_empty() -> bool:
    if connection.vendor == "sqlite":
        path = Path(settings.DATABASES["default"]["NAME"])
        if not path.exists() or path.stat().st_size == 0:
            return True
    return not connection.introspection.table_names()


def _media_is_empty() -> bool:
    media = Path(settings.MEDIA_ROOT)
    return not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def backup_restore(archive: Path) -> dict:
    """Restore ``archive`` into this installation's empty database and media folder."""
    engine = _engine()
    if not _database_is_empty():
        raise BackupError("The database is not empty: restore only into a new, empty installation")
    if not _media_is_empty():
        raise BackupError(f"The media folder {settings.MEDIA_ROOT} is not empty")
    with tempfile.TemporaryDirectory(dir=settings.DATA_DIR, prefix=".accord-restore-") as tmp:
        work = Path(tmp)
        manifest = backup_verify(Path(archive), work)
        if manifest["engine"] != engine:
            raise BackupError(f"The backup is of a {manifest['engine']} database; this one is {engine}")
        connections.close_all()
        if engine == "sqlite":
            target = Path(settings.DATABASES["default"]["NAME"])
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            staged = target.with_name(f".{target.name}.restoring")
            shutil.copyfile(work / manifest["database"], staged)
            os.replace(staged, target)
        else:
            subprocess.run(  # noqa: S603 - fixed program, arguments from settings
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "-d",
                    _pg_env()["PGDATABASE"],
                    str(work / manifest["database"]),
                ],
                env=_pg_env(),
                check=True,
            )
        if (work / "media").is_dir():
            shutil.copytree(work / "media", settings.MEDIA_ROOT, dirs_exist_ok=True)
    from .services import delivery_pause

    delivery_pause(reason=f"restored from a backup of {manifest['created_at']}")
    return manifest
