"""Import and export: upload → detect → map → preview → run, and the exports and feeds.

A run is all or nothing: every accepted row is written, or none is. Rows are written in batches
of ``batch_rows()`` rows built straight from the checked values (``writer``: one COPY per batch,
on SQLite a multi-row INSERT per ~1,300 contacts) and ``bulk_update`` for duplicates being
updated; rows with problems are left out and listed in a downloadable report. One summary
audit event records each run (with its counts), not one per row.

On PostgreSQL the whole run is one transaction (it locks only the rows it writes). On SQLite,
whose single write lock would keep every other writer waiting until the run ends, each batch is
its own short transaction, its rows checked before it outside any transaction, and records what
it wrote (``undo``); a final short transaction audits the run and marks it done. A run that
fails takes back what its earlier batches committed, so it still leaves nothing behind; while
it runs, the rows of the batches written so far are visible to others.
"""

from __future__ import annotations

import csv
import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.audit.services import audit_event
from accord.ops.storage import storage_error_message, write_file_atomically
from accord.tenancy.access import require_project_manager
from accord.tenancy.models import Membership

from . import readers
from .kinds import spec_for
from .kinds.base import KindSpec
from .kinds.batch import Batch
from .kinds.values import header_zone
from .models import DuplicatePolicy, ImportRun, ImportStatus, ProjectFeed, new_feed_token
from .undo import UndoLog, forget_run, undo_failed_runs, undo_run
from .writer import recording, writer_for

logger = logging.getLogger("accord.dataio")

BATCH_SIZE = 2000
PREVIEW_ROWS = 200
UPLOAD_CHUNK = 64 * 1024


def sync_row_limit() -> int:
    """Files up to this many rows import during the request; larger ones in the background."""
    return getattr(settings, "ACCORD_IMPORT_SYNC_ROWS", 1000)


def storage_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def run_path(run: ImportRun) -> Path:
    return storage_dir() / run.stored_path


def progress_path(run: ImportRun) -> Path:
    return storage_dir() / f"{run.stored_path}.progress"


def too_large_message() -> str:
    return _("The file is larger than %(max)s MB: split it into smaller files.") % {
        "max": settings.ACCORD_MAX_UPLOAD_BYTES // (1024 * 1024)
    }


# --- upload and detect --------------------------------------------------------------------------


@transaction.atomic
def import_run_create(*, actor: Membership, kind: str, upload, default_client=None) -> ImportRun:
    """Store an uploaded file, detect its format, encoding, delimiter and columns, and suggest a mapping."""
    require_project_manager(actor)
    spec = spec_for(kind)
    if upload is None:
        raise ValidationError({"file": _("Choose a file to import.")})
    name = (getattr(upload, "name", "") or "upload")[-255:]
    if upload.size > settings.ACCORD_MAX_UPLOAD_BYTES:
        raise ValidationError({"file": too_large_message()})
    if upload.size == 0:
        raise ValidationError(
            {"file": _("The file is empty: it needs a header row and at least one row of data.")}
        )
    try:
        file_format = readers.format_for_name(name)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    if file_format == "vcf" and spec.key != "contacts":
        raise ValidationError({"file": _("vCard files hold contacts: import them as contacts.")})
    if default_client is not None and default_client.organization_id != actor.organization_id:
        raise ValidationError({"default_client": _("Choose a client of your organisation.")})
    org_dir = storage_dir() / str(actor.organization_id)
    org_dir.mkdir(parents=True, exist_ok=True)
    stored = f"{actor.organization_id}/{uuid.uuid4().hex}.{file_format}"
    path = storage_dir() / stored
    # Written under a temporary name and moved into place whole: a full disk or an oversized
    # upload never leaves a partial file under the real name.
    written = 0

    def limited_chunks():
        nonlocal written
        for chunk in upload.chunks(UPLOAD_CHUNK):
            written += len(chunk)
            if written > settings.ACCORD_MAX_UPLOAD_BYTES:
                raise ValidationError({"file": too_large_message()})
            yield chunk

    try:
        write_file_atomically(path, limited_chunks())
    except OSError as exc:
        logger.error("Storing an import upload failed: %s", exc)
        raise ValidationError({"file": storage_error_message(exc)}) from None
    try:
        detected = readers.detect(path, file_format)
    except ValidationError as exc:
        path.unlink(missing_ok=True)
        raise ValidationError({"file": exc.messages}) from None
    return ImportRun.objects.create(
        organization_id=actor.organization_id,
        kind=spec.key,
        file_format=file_format,
        original_name=name,
        stored_path=stored,
        size_bytes=written,
        encoding=detected.encoding,
        delimiter=detected.delimiter,
        headers=detected.headers,
        mapping=spec.suggest_mapping(detected.headers),
        total_rows=detected.total_rows,
        default_client=default_client,
        created_by=actor.user,
    )


@transaction.atomic
def import_run_configure(
    *, actor: Membership, run: ImportRun, mapping: dict, duplicates: str, default_client=None
) -> ImportRun:
    """Set which column holds which field and what to do with duplicates; required fields must be mapped."""
    require_project_manager(actor)
    _require_open(run)
    spec = spec_for(run.kind)
    keys = {c.key for c in spec.columns}
    clean: dict[str, str] = {}
    used: set[str] = set()
    for index, key in (mapping or {}).items():
        if not key:
            continue
        try:
            position = int(index)
        except (TypeError, ValueError):
            raise ValidationError({"mapping": _("The column mapping is not valid.")}) from None
        if key not in keys or not 0 <= position < len(run.headers):
            raise ValidationError({"mapping": _("The column mapping is not valid.")})
        if key in used:
            raise ValidationError(
                {
                    "mapping": _("Two columns are mapped to “%(field)s”: keep one.")
                    % {"field": spec.column_labels()[key]}
                }
            )
        used.add(key)
        clean[str(position)] = key
    if duplicates not in DuplicatePolicy.values:
        raise ValidationError({"duplicates": _("Choose to skip or to update duplicates.")})
    if default_client is not None and default_client.organization_id != actor.organization_id:
        raise ValidationError({"default_client": _("Choose a client of your organisation.")})
    labels = spec.column_labels()
    for col in spec.columns:
        if col.required and col.key not in used:
            fallback = col.key == "client" and default_client is not None
            if not fallback:
                raise ValidationError(
                    {"mapping": _("Choose the column that holds “%(field)s”.") % {"field": labels[col.key]}}
                )
    run.mapping = clean
    run.duplicates = duplicates
    run.default_client = default_client
    run.save(update_fields=["mapping", "duplicates", "default_client", "updated_at"])
    return run


def _require_open(run: ImportRun) -> None:
    if run.status != ImportStatus.UPLOADED:
        raise ValidationError(_("This import has already run: upload the file again to import it once more."))


def _row_reader(mapping: dict[str, str]):
    """A function from a row's cells to ``{field key: cell}`` for the mapped columns."""
    positions = [(int(index), key) for index, key in mapping.items()]

    def values(cells: list[str]) -> dict[str, str]:
        width = len(cells)
        return {key: cells[position] if position < width else "" for position, key in positions}

    return values


def _member_of_run(run: ImportRun) -> Membership:
    member = (
        Membership.objects.select_related("organization", "user")
        .filter(organization_id=run.organization_id, user_id=run.created_by_id, is_active=True)
        .first()
    )
    if member is None or not member.can_manage_projects:
        raise ValidationError(_("The person who started this import may no longer import data."))
    return member


# --- preview ------------------------------------------------------------------------------------


@dataclass
class Preview:
    total: int = 0
    valid: int = 0
    invalid: int = 0
    duplicates: int = 0
    new: int = 0
    # What running the import will do: rows created, records updated, duplicates skipped.
    to_create: int = 0
    to_update: int = 0
    skipped: int = 0
    rows: list[dict] = field(default_factory=list)

    @property
    def to_write(self) -> int:
        return self.to_create + self.to_update

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "valid": self.valid,
            "invalid": self.invalid,
            "duplicates": self.duplicates,
            "new": self.new,
            "to_create": self.to_create,
            "to_update": self.to_update,
            "skipped": self.skipped,
            "rows": self.rows,
        }


def _batch(spec, member: Membership, run: ImportRun) -> Batch:
    """The run's lookups, with the zones its headers name for their columns (a workbook
    Accord exported states the zone of its times in the header)."""
    batch = Batch(spec, member, run.default_client)
    for index, key in run.mapping.items():
        position = int(index)
        if position < len(run.headers):
            zone = header_zone(run.headers[position])[1]
            if zone is not None:
                batch.zones[key] = zone
    return batch


def import_preview(*, actor: Membership, run: ImportRun, limit: int = PREVIEW_ROWS) -> Preview:
    """Check every row without writing: counts, and the first rows with their problems."""
    require_project_manager(actor)
    spec = spec_for(run.kind)
    if not run_path(run).exists():
        raise ValidationError(_("The uploaded file is no longer available: upload it again."))
    batch = _batch(spec, actor, run)
    preview = Preview()
    labels = spec.column_labels()
    shown_ok = 0
    row_values = _row_reader(run.mapping)
    clean_row = spec.row_cleaner(run.mapping, batch)
    for number, cells in readers.iter_rows(run_path(run), run.file_format, run.encoding, run.delimiter):
        result = clean_row(number, cells)
        preview.total += 1
        if not result.ok:
            preview.invalid += 1
        elif result.duplicate_of:
            preview.duplicates += 1
            preview.valid += 1
            if run.duplicates == DuplicatePolicy.UPDATE:
                preview.to_update += 1
            else:
                preview.skipped += 1
        else:
            preview.new += 1
            preview.valid += 1
            preview.to_create += 1
        # Every row with a problem is shown (up to the limit); the first rows without one too.
        if len(preview.rows) < limit and (not result.ok or shown_ok < 20):
            if result.ok:
                shown_ok += 1
            preview.rows.append(
                {
                    "row": number,
                    "values": {labels[k]: v for k, v in row_values(cells).items()},
                    "problems": result.problems,
                    "notes": result.notes if result.ok else [],
                    "duplicate_of": result.duplicate_of,
                }
            )
    matched = spec.matches(
        run.organization_id, [row["duplicate_of"] for row in preview.rows if row["duplicate_of"]]
    )
    for row in preview.rows:
        row["match"] = matched.get(row["duplicate_of"])
    return preview


# --- run ----------------------------------------------------------------------------------------


class _Report:
    """The rejected rows, kept as they were uploaded (a CSV file on disk); the download guards
    every cell for the format asked for (``report_rows``)."""

    def __init__(self, run: ImportRun):
        self.run = run
        self.path = storage_dir() / f"{run.stored_path}.rejected.csv"
        self.fh = None
        self.writer = None

    def write(self, number: int, cells: list[str], problems: list[str]) -> None:
        if self.fh is None:
            self.fh = open(self.path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
            self.writer = csv.writer(self.fh)
            self.writer.writerow([_("row"), _("problems"), *self.run.headers])
        self.writer.writerow([number, " ".join(problems), *cells])

    def close(self) -> str:
        if self.fh is None:
            return ""
        self.fh.close()
        return f"{self.run.stored_path}.rejected.csv"


@dataclass
class Counts:
    processed: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    clients_created: int = 0


def batch_rows() -> int:
    """Rows written per batch (one COPY, or multi-row INSERTs on SQLite): the most held in memory
    at once. What grows with the file is only the set of keys that finds duplicates within it."""
    return getattr(settings, "ACCORD_IMPORT_BATCH_ROWS", BATCH_SIZE)


def _flush_creates(spec: KindSpec, batch: Batch, rows: list[dict], counts: Counts) -> None:
    if not rows:
        return
    spec.before_create(rows, batch)
    ids = writer_for(spec.model).insert(rows, returning=spec.needs_ids)
    spec.after_create(rows, ids, batch)
    counts.created += len(rows)
    rows.clear()


def _flush_updates(spec: KindSpec, batch: Batch, results: list, counts: Counts) -> None:
    if not results:
        return
    existing = spec.existing(batch, [r.duplicate_of for r in results])
    changed_objs, fields = [], set()
    before: dict[int, dict] = {}
    now = timezone.now()
    for result in results:
        obj = existing.get(result.duplicate_of)
        if obj is None:
            continue
        values = obj.__dict__.copy() if batch.undo is not None else None
        changed = spec.apply(obj, result)
        if changed:
            obj.updated_at = now
            changed_objs.append(obj)
            fields.update(changed)
            if values is not None:
                before[obj.pk] = values
    if changed_objs:
        spec.before_update(changed_objs, batch)
        columns = {name for name in fields if not spec.model._meta.get_field(name).many_to_many}
        names = sorted(columns | {"updated_at"})
        if batch.undo is not None:
            batch.undo.updated(spec.model, names, before)
        spec.model.objects.bulk_update(changed_objs, names, batch_size=BATCH_SIZE)
        spec.after_update(changed_objs, batch)
    counts.updated += len(changed_objs)
    counts.skipped += len(results) - len(changed_objs)
    results.clear()


def _write_progress(run: ImportRun, processed: int) -> None:
    try:
        progress_path(run).write_text(json.dumps({"processed": processed, "total": run.total_rows}))
    except OSError:
        logger.warning("Could not write the progress of import %s", run.pk)


def read_progress(run: ImportRun) -> int:
    if run.status != ImportStatus.RUNNING:
        return run.processed_rows
    try:
        return int(json.loads(progress_path(run).read_text()).get("processed", 0))
    except (OSError, ValueError):
        return 0


def short_transactions() -> bool:
    """Whether runs commit batch by batch (undoing what they wrote if they fail, see ``undo``).
    By default on SQLite only: its one write lock would keep every other writer waiting for the
    whole of a run held in one transaction; PostgreSQL locks only the rows written."""
    value = getattr(settings, "ACCORD_IMPORT_SHORT_TRANSACTIONS", None)
    return connection.vendor == "sqlite" if value is None else bool(value)


class ImportAbandoned(Exception):
    """The run was marked failed while it was writing (the sweep took it for dead)."""


def _claim_batch(run: ImportRun) -> None:
    """At the start of each batch's transaction: the run is still this worker's to write."""
    if not ImportRun.objects.filter(pk=run.pk, status=ImportStatus.RUNNING).update(updated_at=timezone.now()):
        raise ImportAbandoned


def _execute(
    run: ImportRun, member: Membership, progress=None, undo: UndoLog | None = None
) -> tuple[Counts, str]:
    """Check every row and write the accepted ones a batch at a time. Without ``undo`` the
    caller's transaction holds the whole run; with it each batch is written in its own short
    transaction (rows are checked between them, outside any), recording what it did in ``undo``."""
    spec = spec_for(run.kind)
    batch = _batch(spec, member, run)
    batch.undo = undo
    update = run.duplicates == DuplicatePolicy.UPDATE
    counts = Counts()
    creates: list[dict] = []
    updates: list = []
    report = _Report(run)
    size = batch_rows()
    clean_row, build = spec.row_cleaner(run.mapping, batch), spec.build

    def flush(write, pending: list) -> None:
        if not pending:
            return
        if undo is None:
            write(spec, batch, pending, counts)
            return
        try:
            with transaction.atomic(), recording(undo.created):
                _claim_batch(run)
                write(spec, batch, pending, counts)
                undo.save()
        finally:
            undo.discard()

    try:
        for number, cells in readers.iter_rows(run_path(run), run.file_format, run.encoding, run.delimiter):
            result = clean_row(number, cells)
            counts.processed += 1
            if result.problems:
                counts.rejected += 1
                report.write(number, cells, result.problems)
            elif result.duplicate_of:
                if update:
                    updates.append(result)
                else:
                    counts.skipped += 1
            else:
                creates.append(build(result, batch))
            if len(creates) >= size:
                flush(_flush_creates, creates)
            if len(updates) >= size:
                flush(_flush_updates, updates)
            if counts.processed % size == 0:
                _write_progress(run, counts.processed)
                if progress:
                    progress(counts.processed, run.total_rows)
        flush(_flush_creates, creates)
        flush(_flush_updates, updates)
    finally:
        report_path = report.close()
    counts.clients_created = batch.cache.get("created_clients", 0)
    if progress:
        progress(counts.processed, run.total_rows)
    return counts, report_path


def import_run_execute(*, run_id: int, dry_run: bool = False, progress=None) -> ImportRun:
    """Run a configured import (claimed once); all rows are written, or none on failure.

    In one transaction, or (``short_transactions()``, and not a dry run) a batch per
    transaction with a final short one that audits the run and marks it done; a failure then
    takes back what the batches before it committed (``undo``) before the run is marked failed."""
    claimed = ImportRun.objects.filter(
        pk=run_id, status__in=[ImportStatus.UPLOADED, ImportStatus.QUEUED]
    ).update(status=ImportStatus.RUNNING, started_at=timezone.now(), processed_rows=0)
    run = ImportRun.objects.select_related("organization", "created_by", "default_client").get(pk=run_id)
    if not claimed:
        return run
    undo = UndoLog(run.pk) if short_transactions() and not dry_run else None
    counts, report_path, error = Counts(), "", ""
    try:
        member = _member_of_run(run)
        if not run_path(run).exists():
            raise ValidationError(_("The uploaded file is no longer available: upload it again."))
        if undo is None:
            with transaction.atomic():
                counts, report_path = _execute(run, member, progress)
                if dry_run:
                    transaction.set_rollback(True)
                else:
                    _audit_run(member, run, counts)
        else:
            counts, report_path = _execute(run, member, progress, undo)
            with transaction.atomic():
                _claim_batch(run)
                _audit_run(member, run, counts)
                forget_run(run.pk)
                _finish(run, counts, report_path, "")
    except ImportAbandoned:
        # The sweep marked the run failed (and will take back what it wrote, as is done here).
        logger.warning("Import %s was marked failed while it ran; taking back its writes", run_id)
        _take_back(run)
        run.refresh_from_db()
        progress_path(run).unlink(missing_ok=True)
        return run
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except DatabaseError as exc:
        logger.exception("Import %s failed", run_id)
        error = _("The import failed and nothing was saved: %(error)s") % {"error": str(exc)[:300]}
    except OSError as exc:
        # A full disk (or a file that vanished) while reading the upload or writing the report.
        logger.exception("Import %s failed", run_id)
        error = _("The import failed and nothing was saved: %(error)s") % {
            "error": storage_error_message(exc)
        }
    except Exception:
        logger.exception("Import %s failed", run_id)
        error = _("The import failed and nothing was saved: an unexpected error, recorded in the server log.")
    if error:
        if undo is not None:
            _take_back(run)
        counts = Counts(processed=counts.processed)
    if error or undo is None:
        _finish(run, counts, report_path, error)
    progress_path(run).unlink(missing_ok=True)
    if not error and not dry_run:
        # The source is no longer needed once the run is committed; the report stays.
        source = run_path(run)
        transaction.on_commit(lambda: source.unlink(missing_ok=True))
    return run


def _audit_run(member: Membership, run: ImportRun, counts: Counts) -> None:
    audit_event(
        member.user,
        run,
        "import.completed",
        {
            "kind": run.kind,
            "file": run.original_name,
            "rows": counts.processed,
            "created": counts.created,
            "updated": counts.updated,
            "skipped": counts.skipped,
            "rejected": counts.rejected,
            "clients_created": counts.clients_created,
        },
    )


def _finish(run: ImportRun, counts: Counts, report_path: str, error: str) -> None:
    run.status = ImportStatus.FAILED if error else ImportStatus.DONE
    run.error = error
    run.processed_rows = min(counts.processed, run.total_rows)
    run.created_count = counts.created
    run.updated_count = counts.updated
    run.skipped_count = counts.skipped
    run.rejected_count = counts.rejected
    run.report_path = "" if error else report_path
    run.finished_at = timezone.now()
    run.save()


def _take_back(run: ImportRun) -> None:
    """Undo the committed batches of a failed run; an interrupted undo is finished by the sweep."""
    try:
        undo_run(run.pk)
    except DatabaseError:
        logger.exception("Taking back failed import %s stopped; the periodic sweep finishes it", run.pk)


def import_runs_fail_stuck(now=None) -> int:
    """Mark imports "running" past ACCORD_IMPORT_TIMEOUT_SECONDS as failed (their worker died or
    the disk filled; the run's transaction saved nothing) and queue again those whose enqueue
    was lost. A periodic job; returns how many runs were failed."""
    from .tasks import import_run_task

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.ACCORD_IMPORT_TIMEOUT_SECONDS)
    failed = ImportRun.objects.filter(status=ImportStatus.RUNNING, started_at__lt=cutoff).update(
        status=ImportStatus.FAILED,
        finished_at=now,
        error=_(
            "The import stopped without finishing (the server restarted or ran out of disk space); "
            "nothing was saved. Start it again."
        ),
    )
    if failed:
        logger.warning("Marked %s stuck import(s) as failed", failed)
    # What failed runs committed batch by batch and did not take back themselves.
    undo_failed_runs()
    for run_id in ImportRun.objects.filter(
        status=ImportStatus.QUEUED, updated_at__lt=now - timedelta(minutes=10)
    ).values_list("pk", flat=True)[:100]:
        import_run_task.enqueue(run_id)  # claiming is conditional: a second copy does nothing
    return failed


def import_run_start(*, actor: Membership, run: ImportRun) -> ImportRun:
    """Run now when the file is small, otherwise queue it for the worker (after commit)."""
    require_project_manager(actor)
    _require_open(run)
    if run.total_rows <= sync_row_limit():
        return import_run_execute(run_id=run.pk)
    from .tasks import import_run_task

    with transaction.atomic():
        ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.QUEUED)
        run_id = run.pk
        transaction.on_commit(lambda: import_run_task.enqueue(run_id), robust=True)
    run.refresh_from_db()
    return run


def import_report_path(run: ImportRun) -> Path | None:
    if not run.report_path:
        return None
    path = storage_dir() / run.report_path
    return path if path.exists() else None


def import_report_rows(path: Path) -> Iterator[list[str]]:
    """The stored report's rows (its header row first), as they were uploaded: unguarded, so
    whoever writes them out must neutralise them for their format."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        yield from csv.reader(fh)


# --- feeds --------------------------------------------------------------------------------------


def project_feed_get(*, project) -> ProjectFeed:
    feed, _created = ProjectFeed.objects.get_or_create(
        project=project, defaults={"organization_id": project.organization_id}
    )
    return feed


@transaction.atomic
def project_feed_rotate(*, actor: Membership, project) -> ProjectFeed:
    """A new secret calendar address for the project; the old one stops working at once."""
    feed = project_feed_get(project=project)
    feed.token = new_feed_token()
    feed.rotated_at = timezone.now()
    feed.save(update_fields=["token", "rotated_at", "updated_at"])
    audit_event(actor.user, project, "calendar_feed.rotated", {})
    return feed
