"""Writing checked import rows straight into a table, many at a time.

Rows arrive as ``{attname: value}`` dicts whose values were already checked (see ``kinds``),
so no model instance is built and no value goes through the ORM's per-field preparation
except the few types a driver cannot take as they are. Missing fields get the model's
defaults and ``created_at``/``updated_at`` one timestamp per batch, as ``bulk_create`` would.

* SQLite: multi-row ``INSERT … VALUES (…), (…)`` statements of as many rows as SQLite's limit
  of bound values allows (about 1,300 contacts; inside the caller's transaction); when ids are
  needed they follow from the last one inserted (the transaction holds the database's write
  lock, so nobody else's row comes between ours). Not ``executemany``: a statement per row makes
  SQLite keep a statement journal of every page each row touches (the table, its indexes and,
  through the trigger, the search index), which spills to a temporary file, about 20 writes per
  row; one statement of many rows journals each page once (10,000 contacts: 0.67 → 0.20 s of CPU).
* PostgreSQL: ``COPY … FROM STDIN`` through psycopg 3; when ids are needed they are taken
  from the table's sequence first (one query) and copied with the rows.

Every statement is one entry in Django's query log, so tests can pin the queries per batch.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from contextvars import ContextVar

from django.db import connection, models
from django.utils import timezone

# Field types whose checked Python values every driver takes as they are.
# While set (``recording``), told of every insert: its model and the ids of the rows inserted.
_recorder: ContextVar[Callable | None] = ContextVar("accord_dataio_insert_recorder", default=None)


@contextlib.contextmanager
def recording(record: Callable[[type[models.Model], list[int]], None]):
    """Within the block, every insert reports the ids it made to ``record`` (so an import that
    commits as it goes can take its rows back)."""
    token = _recorder.set(record)
    try:
        yield
    finally:
        _recorder.reset(token)


_AS_IS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
    "URLField",
}


class TableWriter:
    """Inserts dict rows into ``model``'s table; one instance per model and connection vendor."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.table = model._meta.db_table
        self.pk = model._meta.pk
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.position = {f.attname: i for i, f in enumerate(self.fields)}
        self.converters = {i: c for i, f in enumerate(self.fields) if (c := self._converter(f)) is not None}
        self.stamped = [
            i
            for i, f in enumerate(self.fields)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        # Callable defaults (a new token, a uuid) are called per row; the others are fixed.
        self.factories = [
            (i, f.attname, f.default)
            for i, f in enumerate(self.fields)
            if i not in self.stamped and f.has_default() and callable(f.default)
        ]
        self.defaults = [
            None
            if i in self.stamped or (f.has_default() and callable(f.default))
            else self._prepared(i, f.get_default())
            for i, f in enumerate(self.fields)
        ]

    @staticmethod
    def _converter(field) -> Callable | None:
        target = field.target_field if field.is_relation else field
        if target.get_internal_type() in _AS_IS:
            return None
        if connection.vendor == "postgresql" and isinstance(target, models.DateField | models.DecimalField):
            return None  # psycopg copies dates, aware datetimes and decimals as they are

        def convert(value, field=field):
            return field.get_db_prep_save(value, connection)

        return convert

    def _prepared(self, i: int, value):
        convert = self.converters.get(i)
        return convert(value) if convert is not None and value is not None else value

    def _tuples(self, rows: list[dict], ids: list[int] | None = None) -> list[tuple]:
        template = list(self.defaults)
        if self.stamped:
            stamp = self._prepared(self.stamped[0], timezone.now())
            for i in self.stamped:
                template[i] = stamp
        position, converters, factories = self.position, self.converters, self.factories
        out = []
        for n, row in enumerate(rows):
            values = template.copy()
            for key, value in row.items():
                i = position.get(key)
                if i is None:
                    continue  # not a column (something the kind carries along for later)
                if value is not None and i in converters:
                    value = converters[i](value)
                values[i] = value
            for i, attname, factory in factories:
                if attname not in row:
                    values[i] = self._prepared(i, factory())
            if ids is not None:
                values.insert(0, ids[n])
            out.append(tuple(values))
        return out

    def columns(self, with_pk: bool) -> list[str]:
        names = [f.column for f in self.fields]
        return [self.pk.column, *names] if with_pk else names

    def insert(self, rows: list[dict], *, returning: bool = False) -> list[int]:
        """Insert ``rows``; returns their ids (in order) when ``returning``, else []."""
        if not rows:
            return []
        record = _recorder.get()
        wanted = returning or record is not None
        if connection.vendor == "postgresql":
            ids = self._copy(rows, wanted)
        else:
            ids = self._insert(rows, wanted)
        if record is not None:
            record(self.model, ids)
        return ids if returning else []

    def _insert(self, rows: list[dict], returning: bool) -> list[int]:
        quote = connection.ops.quote_name
        head = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608 - only quoted model metadata
            quote(self.table), ", ".join(quote(c) for c in self.columns(False))
        )
        row = "({})".format(", ".join(["%s"] * len(self.fields)))
        values = self._tuples(rows)
        with connection.cursor() as cursor:
            per = _sqlite_rows_per_statement(len(self.fields))
            for start in range(0, len(values), per):
                chunk = values[start : start + per]
                cursor.execute(head + ", ".join([row] * len(chunk)), [v for one in chunk for v in one])
            if not returning:
                return []
            # The transaction holds SQLite's only write lock from its first write on, so the
            # rows just inserted took consecutive ids ending at the last one.
            if not connection.in_atomic_block:
                raise RuntimeError("Inserting rows whose ids are needed must run in a transaction.")
            cursor.execute("SELECT last_insert_rowid()")
            last = cursor.fetchone()[0]
        return list(range(last - len(rows) + 1, last + 1))

    def _copy(self, rows: list[dict], returning: bool) -> list[int]:
        from psycopg import sql

        ids = None
        with connection.cursor() as cursor:
            if returning:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [self.table, self.pk.column, len(rows)],
                )
                ids = [r[0] for r in cursor.fetchall()]
            values = self._tuples(rows, ids)
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(self.table),
                sql.SQL(", ").join(sql.Identifier(c) for c in self.columns(returning)),
            )
            raw = cursor.cursor
            # Recorded in the query log like any statement (the debug cursor of tests).
            logged = (
                cursor.debug_sql(statement.as_string(raw), values, many=True)
                if hasattr(cursor, "debug_sql")
                else contextlib.nullcontext()
            )
            with logged, raw.copy(statement) as copy:
                for row in values:
                    copy.write_row(row)
        return ids or []


def _sqlite_rows_per_statement(columns: int) -> int:
    """How many rows of ``columns`` values one statement may bind: SQLite's own limit (32,766
    values since SQLite 3.32; Django assumes 999), read from the open connection."""
    return max(1, connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // columns)


_WRITERS: dict[tuple[str, str], TableWriter] = {}


def writer_for(model: type[models.Model]) -> TableWriter:
    key = (model._meta.label, connection.vendor)
    if key not in _WRITERS:
        _WRITERS[key] = TableWriter(model)
    return _WRITERS[key]
