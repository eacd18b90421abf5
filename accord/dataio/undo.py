"""Taking back what a failed import wrote, when it wrote in short transactions.

On SQLite an import commits every batch, so other writers are not locked out for the whole
run (SQLite has one write lock for the whole database). Each batch records, in the same
transaction, what it did (``ImportUndo``): the ids of the rows it created, the values it
replaced, the links it removed, the obligations it met. A run that finishes drops its entries
in the transaction that marks it done; a run that fails (or is found dead by the periodic
sweep) is taken back entry by entry, newest first, each in its own short transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from decimal import Decimal

from django.apps import apps
from django.db import models, transaction

from .models import ImportUndo

logger = logging.getLogger("accord.dataio")

CREATED, UPDATED, UNLINKED, MET = "created", "updated", "unlinked", "met"
ACTIONS = (CREATED, UPDATED, UNLINKED, MET)


def _plain(value):
    """A value as JSON keeps it; ``field.to_python`` reads it back."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID | dt.timedelta):
        return str(value)
    return value


def _ranges(ids: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for pk in sorted(ids):
        if out and pk == out[-1][1] + 1:
            out[-1] = (out[-1][0], pk)
        else:
            out.append((pk, pk))
    return out


class UndoLog:
    """What one run has written so far. Entries are gathered while a batch writes and saved by
    ``save()`` at the end of the batch's transaction (one INSERT), so they commit with it."""

    def __init__(self, run_id: int):
        self.run_id = run_id
        self.pending: list[ImportUndo] = []

    def _add(self, model: type[models.Model], action: str, **fields) -> None:
        self.pending.append(ImportUndo(run_id=self.run_id, model=model._meta.label, action=action, **fields))

    def created(self, model: type[models.Model], ids: list[int]) -> None:
        for lo, hi in _ranges(ids):
            self._add(model, CREATED, first_id=lo, last_id=hi)

    def updated(self, model: type[models.Model], fields: list[str], before: dict[int, dict]) -> None:
        """``before``: per id, the values of ``fields`` (by attname) before the update."""
        if not before:
            return
        attnames = [model._meta.get_field(name).attname for name in fields]
        rows = [[pk, *(_plain(values[a]) for a in attnames)] for pk, values in before.items()]
        self._add(model, UPDATED, data={"fields": fields, "rows": rows})

    def unlinked(self, model: type[models.Model], rows: list[dict]) -> None:
        if rows:
            self._add(model, UNLINKED, data={"rows": rows})

    def met(self, model: type[models.Model], ids: list[int]) -> None:
        if ids:
            self._add(model, MET, data={"ids": ids})

    def save(self) -> None:
        if self.pending:
            ImportUndo.objects.bulk_create(self.pending)
        self.pending = []

    def discard(self) -> None:
        """The batch's transaction rolled back: nothing of it needs taking back."""
        self.pending = []


def _take_back(entry: ImportUndo) -> None:
    model = apps.get_model(entry.model)
    if entry.action == CREATED:
        # Through the ORM's delete, so rows that point at them go as their foreign keys say.
        model._base_manager.filter(pk__gte=entry.first_id, pk__lte=entry.last_id).delete()
    elif entry.action == UPDATED:
        fields = [model._meta.get_field(name) for name in entry.data["fields"]]
        objs = []
        for pk, *values in entry.data["rows"]:
            obj = model(pk=pk)
            for field, value in zip(fields, values, strict=True):
                setattr(obj, field.attname, None if value is None else field.to_python(value))
            objs.append(obj)
        existing = set(model._base_manager.filter(pk__in=[o.pk for o in objs]).values_list("pk", flat=True))
        model._base_manager.bulk_update(
            [o for o in objs if o.pk in existing], [f.name for f in fields], batch_size=500
        )
    elif entry.action == UNLINKED:
        from .writer import writer_for

        writer_for(model).insert(entry.data["rows"])
    elif entry.action == MET:
        from accord.comms.services import obligations_reopen

        obligations_reopen(ids=entry.data["ids"])
    else:  # pragma: no cover - entries are written by UndoLog only
        raise ValueError(f"Unknown undo action {entry.action!r}")


def undo_run(run_id: int) -> int:
    """Take back everything the run recorded, newest first, one short transaction per entry;
    returns how many entries were taken back. Safe to call again after an interruption."""
    done = 0
    for entry_id in list(
        ImportUndo.objects.filter(run_id=run_id).order_by("-id").values_list("id", flat=True)
    ):
        with transaction.atomic():
            entry = ImportUndo.objects.select_for_update().filter(pk=entry_id).first()
            if entry is None:  # taken back meanwhile (the sweep and the run itself)
                continue
            _take_back(entry)
            entry.delete()
        done += 1
    if done:
        logger.warning("Took back %s write(s) of failed import %s", done, run_id)
    return done


def forget_run(run_id: int) -> None:
    """The run finished: what it wrote stays (call in the transaction that marks it done)."""
    ImportUndo.objects.filter(run_id=run_id).delete()


def undo_failed_runs() -> int:
    """Take back what failed runs still have recorded (a run whose worker died, or whose own
    undo was interrupted); returns how many runs were taken back."""
    from .models import ImportStatus

    run_ids = list(
        ImportUndo.objects.filter(run__status=ImportStatus.FAILED).values_list("run_id", flat=True).distinct()
    )
    for run_id in run_ids:
        undo_run(run_id)
    return len(run_ids)
