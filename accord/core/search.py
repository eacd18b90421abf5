"""Text search through substring indexes, for every list that takes a ``q``.

A term of three characters or more is narrowed by an index and then tested with the same
``icontains`` a plain scan uses, so the answer is the one the scan gives:

- PostgreSQL (pg_trgm): GIN trigram indexes on exactly the expressions ``icontains`` compares
  (``UPPER(col::text)``), one per searched column, so the unchanged condition uses them; or one
  index over a document of several columns joined by spaces (contacts), matched as well.
- SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34+) that reads its text from the
  table it indexes and is kept in step by triggers; ``pk IN (its MATCH)`` narrows.

A trigram index cannot narrow a term of one or two characters (a two-character Chinese word),
and a scan for a rare one reads the whole table. Such a term searches only the newest
``RECENT_WINDOW`` rows instead (newest by id): the list says it shows recent matches.

Indexes are made by migrations (``install``). If a later migration has SQLite rebuild an
indexed table (an ALTER it cannot do in place), the triggers go with the old table and must be
created again; the search tests fail until they are.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib import messages
from django.db import connection, migrations
from django.db.models import Expression, F, Func, Lookup, Q, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, StrIndex, Upper
from django.db.models.lookups import GreaterThan, IContains
from django.utils.translation import gettext_lazy as _

# Trigram indexes (pg_trgm, FTS5 trigram) can only narrow a search for this many characters or more.
MIN_INDEXED_CHARS = 3
# The newest rows a one- or two-character term is looked for in.
RECENT_WINDOW = 5_000
# The largest id a row can have (ids are 64-bit).
LARGEST_ID = 2**63 - 1
RECENT_NOTICE = _(
    "Showing recent matches: a term of one or two characters is looked for in the newest "
    "%(window)s entries only. Type three characters or more to search everything."
)


@dataclass(frozen=True)
class TextIndex:
    """The substring index of some text columns of one table."""

    table: str
    columns: tuple[str, ...]
    # The SQLite FTS5 table.
    fts: str
    # PostgreSQL: the name of one index over the columns joined by spaces (``Document``); without
    # it, one index per column named ``<table>_<column>_trgm``.
    pg_document: str = ""
    # PostgreSQL: a column the table keeps that document in, upper-cased (a trigger fills it; the
    # model does not declare it), which ``pg_document`` then indexes: a row is tested against it
    # without joining and upper-casing the columns again.
    pg_column: str = ""

    def pg_indexes(self) -> dict[str, str]:
        if self.pg_column:
            return {self.pg_document: f'"{self.pg_column}"'}
        if self.pg_document:
            return {self.pg_document: "UPPER(" + " || ' ' || ".join(f'"{c}"' for c in self.columns) + ")"}
        return {f"{self.table}_{c}_trgm": f'UPPER("{c}"::text)' for c in self.columns}

    def sqlite_statements(self) -> list[str]:
        # Names are constants of the migrations, no input: plain SQL text.
        fts, table = self.fts, self.table
        names = ", ".join(self.columns)
        new = ", ".join(f"new.{c}" for c in self.columns)
        old = ", ".join(f"old.{c}" for c in self.columns)
        insert = f"INSERT INTO {fts} (rowid, {names}) VALUES (new.id, {new});"  # noqa: S608
        delete = f"INSERT INTO {fts} ({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"  # noqa: S608
        return [
            f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', content_rowid='id', "
            "tokenize='trigram')",
            f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END",
            f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END",
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} BEGIN {delete} {insert} END",
            f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')",  # noqa: S608
        ]


def compact_indexes() -> None:
    """Merge SQLite's full-text segments, so that text deleted or redacted (an erasure) leaves no
    old entries in the search indexes; PostgreSQL's own vacuum does this for its indexes."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%USING fts5%'")
        for (name,) in cursor.fetchall():
            cursor.execute(f"INSERT INTO {name} ({name}) VALUES ('optimize')")  # noqa: S608 - a table name


class Document(Func):
    """Columns joined by spaces, ``a || ' ' || b``, as a document index spells them: a field that
    contains a term means the document contains it, so matching the document only narrows."""

    template = "%(expressions)s"
    arg_joiner = " || ' ' || "
    output_field = TextField()


class KeptColumn(Expression):
    """A column of the query's own table that the database keeps and the model does not declare
    (``TextIndex.pg_column``), under the alias the table has in this query (a subquery's ``U0``)."""

    output_field = TextField()

    def __init__(self, column: str):
        super().__init__()
        self.column = column
        self.pk = F("pk")

    def get_source_expressions(self):
        return [self.pk]

    def set_source_expressions(self, exprs):
        (self.pk,) = exprs

    def as_sql(self, compiler, connection):
        pk, params = compiler.compile(self.pk)
        table = pk.rsplit(".", 1)[0]
        return f"{table}.{connection.ops.quote_name(self.column)}", params


class UpperContains(Lookup):
    """An upper-cased ``lhs`` contains the term in any case: ``lhs LIKE UPPER('%term%')``, the
    term's ``%``, ``_`` and ``\\`` matched as themselves (as ``icontains`` does)."""

    lookup_name = "upper_contains"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        pattern = "%" + connection.ops.prep_for_like_query(self.rhs) + "%"
        return f"{lhs} LIKE UPPER(%s)", [*params, pattern]


def _document_contains(index: TextIndex, query: str):
    if index.pg_column:
        return UpperContains(KeptColumn(index.pg_column), query)
    return IContains(Document(*index.columns), query)


@functools.cache
def sqlite_trigram() -> bool:
    """Whether this SQLite has FTS5 with the trigram tokenizer (the FTS tables exist only then)."""
    if sqlite3.sqlite_version_info < (3, 34):
        return False
    probe = sqlite3.connect(":memory:")
    try:
        return any(row[0] == "ENABLE_FTS5" for row in probe.execute("PRAGMA compile_options"))
    finally:
        probe.close()


def install(*indexes: TextIndex) -> migrations.RunPython:
    """The migration operation that makes (and on the way back drops) ``indexes``."""

    def forwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        with schema_editor.connection.cursor() as cursor:
            if vendor == "postgresql":
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                for index in indexes:
                    for name, expression in index.pg_indexes().items():
                        cursor.execute(
                            f'CREATE INDEX IF NOT EXISTS {name} ON "{index.table}" '
                            f"USING gin ({expression} gin_trgm_ops)"
                        )
            elif vendor == "sqlite" and sqlite_trigram():
                for index in indexes:
                    for statement in index.sqlite_statements():
                        cursor.execute(statement)

    def backwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        with schema_editor.connection.cursor() as cursor:
            for index in indexes:
                if vendor == "postgresql":
                    for name in index.pg_indexes():
                        cursor.execute(f"DROP INDEX IF EXISTS {name}")
                elif vendor == "sqlite":
                    for suffix in ("insert", "delete", "update"):
                        cursor.execute(f"DROP TRIGGER IF EXISTS {index.fts}_{suffix}")
                    cursor.execute(f"DROP TABLE IF EXISTS {index.fts}")

    return migrations.RunPython(forwards, backwards, elidable=False)


def keep_document(
    table: str, columns: Iterable[str], *, column: str, index: str, replaces: str = ""
) -> migrations.RunPython:
    """The migration operation that keeps, on PostgreSQL, ``table``'s search document (its
    ``columns`` joined by spaces, upper-cased) in ``column``, written by a trigger on every insert
    and on every update of one of them, and indexes it (trigram GIN ``index``). ``replaces``: an
    index over the document as an expression, dropped (and made again on the way back).

    A trigger, not a generated column: PostgreSQL refuses to change the type of a column a
    generated column reads, which would stop a later migration that changes one of these fields'
    length. The model does not declare the column (``TextIndex.pg_column`` reads it)."""
    columns = list(columns)

    def document(row: str) -> str:
        return "UPPER(" + " || ' ' || ".join(f'{row}."{name}"' for name in columns) + ")"

    function = f"{table}_{column}"
    forwards = [
        f"ALTER TABLE {table} ADD COLUMN {column} text NOT NULL DEFAULT ''",
        f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN NEW.{column} := {document('NEW')}; RETURN NEW; END $$",
        f"CREATE TRIGGER {function} BEFORE INSERT OR UPDATE OF "
        + ", ".join(f'"{name}"' for name in columns)
        + f" ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()",
        f"UPDATE {table} SET {column} = {document(table)}",  # noqa: S608 - names of a migration
        f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin ({column} gin_trgm_ops)",
    ]
    backwards = [
        f"DROP TRIGGER IF EXISTS {function} ON {table}",
        f"DROP FUNCTION IF EXISTS {function}()",
        f"ALTER TABLE {table} DROP COLUMN IF EXISTS {column}",
    ]
    if replaces:
        forwards.append(f"DROP INDEX IF EXISTS {replaces}")
        backwards.insert(
            0, f"CREATE INDEX IF NOT EXISTS {replaces} ON {table} USING gin ({document(table)} gin_trgm_ops)"
        )

    def run(statements):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor != "postgresql":
                return
            with schema_editor.connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)

        return apply

    operation = migrations.RunPython(run(forwards), run(backwards), elidable=False)
    operation.statements = (forwards, backwards)  # what it runs, for a reader (and a test)
    return operation


def clean(query: str | None, max_chars: int = 100) -> str:
    return (query or "").strip()[:max_chars]


def is_short(query: str | None) -> bool:
    """A term searched among recent rows only (the list then says so)."""
    return 0 < len((query or "").strip()) < MIN_INDEXED_CHARS


def recent_notice() -> str:
    return RECENT_NOTICE % {"window": f"{RECENT_WINDOW:,}"}


def flag_recent(request, query: str | None) -> None:
    """Tell the reader of a page that a short term showed recent matches only."""
    if is_short(query):
        messages.info(request, recent_notice())


def contains(index: TextIndex, fields: Iterable[str], query: str) -> Q:
    """Rows whose ``fields`` (columns of ``index``'s table) contain ``query`` in any case —
    exactly ``field__icontains`` OR-ed — narrowed through the index for a term long enough.

    A short term is tested row by row (``_short_match``), within the window ``text_filter`` sets."""
    fields = list(fields)
    # No stored text holds a NUL (PostgreSQL refuses it; SQLite's FTS query parser stops at it):
    # a term made of nothing else matches nothing.
    query = query.replace("\x00", "")
    if not query:
        return Q(pk__in=[])
    if len(query) < MIN_INDEXED_CHARS:
        return _short_match(index, fields, query)
    matches = Q()
    for name in fields:
        matches |= Q(**{f"{name}__icontains": query})
    if connection.vendor == "sqlite" and sqlite_trigram():
        phrase = '"' + query.replace('"', '""') + '"'
        # The table name is a constant of an index; the term goes as a parameter.
        sql = f"SELECT rowid FROM {index.fts} WHERE {index.fts} MATCH %s"  # noqa: S608
        return matches & Q(pk__in=RawSQL(sql, [phrase]))  # noqa: S611
    if connection.vendor == "postgresql" and index.pg_document:
        document = Q(_document_contains(index, query))
        if " " not in query and set(fields) == set(index.columns):
            # A term without a space cannot span the space between two columns: the document
            # contains it exactly where one of the columns does, and the test of each column
            # (14 for contacts: 39 → 23 ms for a name in 13,799 of 100,000) adds nothing.
            return document
        return matches & document
    return matches


def _short_match(index: TextIndex, fields: list[str], query: str) -> Q:
    """``fields`` contain a one- or two-character ``query`` in any case (as ``icontains``): a test
    of each row of a bounded window, since no trigram index serves such a term.

    A term with no letter that has a case (Chinese, digits, most punctuation) is looked for as it
    is (STRPOS, INSTR): upper-casing or LIKE-matching every row would change nothing it could match,
    and cost most of the read. Otherwise PostgreSQL compares upper-cased text with STRPOS (the
    same answer as ``icontains``, but a condition its trigram indexes do not try to serve) and
    SQLite uses ``icontains`` itself. On PostgreSQL, when the fields are all of a document's
    columns, one test of the document answers for them all: a short term has no space (it is
    stripped), so it cannot span the space between two columns."""
    caseless = query.upper() == query.lower()
    vendor = connection.vendor
    kept = False
    if vendor == "postgresql" and index.pg_document and set(fields) == set(index.columns):
        fields = [Document(*index.columns)]
        # The document kept upper-cased: read, not made from 14 columns a row.
        kept = bool(index.pg_column)
        if kept:
            fields = [KeptColumn(index.pg_column)]
    matches = Q()
    for field in fields:
        if caseless and vendor in ("postgresql", "sqlite"):
            matches |= Q(GreaterThan(StrIndex(field, Value(query)), 0))
        elif vendor == "postgresql":
            matches |= Q(GreaterThan(StrIndex(field if kept else Upper(field), Upper(Value(query))), 0))
        else:
            matches |= Q(**{f"{field}__icontains": query})
    return matches


def recent(qs: QuerySet) -> QuerySet:
    """``qs`` limited to its newest ``RECENT_WINDOW`` rows (by id): a bounded read.

    The id of the window's oldest row is read first (one short query down the primary key) and
    the window is then "id at least that": a constant both databases plan as a range read of the
    primary key. Both earlier forms let PostgreSQL misjudge the window: ``pk IN (the newest
    ids)`` tested the term on every one of 100,000 contacts before joining the window (87 ms);
    ``pk >= (a subquery)`` was estimated at a third of the table and read 1,000,000 interactions
    in date order (150 ms)."""
    oldest = qs.order_by("-pk").values_list("pk", flat=True)[RECENT_WINDOW - 1 : RECENT_WINDOW].first()
    # Closed at the largest id there can be: SQLite keeps no histogram of ids and takes an open
    # range for a quarter of the table, a closed one for a short read, which it then prefers to
    # an organisation's date index (1,000,000 interactions read in date order: 100-250 ms).
    return qs if oldest is None else qs.filter(pk__range=(oldest, LARGEST_ID))


def unindexed_order(*fields: str) -> list:
    """The ordering ``fields`` (``"-occurred_at"``: descending) in a form no index can serve (each
    value wrapped in a COALESCE with itself: the same order).

    For the matches of a term that the newest rows did not hold a page of: PostgreSQL then reads
    the term's matches through its trigram index and sorts them, whatever its estimate of their
    number. With the plain ordering an estimate too high (its statistics sample the text: one
    ANALYZE in six here took a term in 1,004 of 1,000,000 interactions for one in a hundred)
    made it walk the date index from the newest row, testing every row until a page was full:
    4 ms became 17-140 ms from one ANALYZE to the next."""
    order = []
    for field in fields:
        name = field.lstrip("-")
        value = Coalesce(name, name)
        order.append(value.desc() if field.startswith("-") else value.asc())
    return order


def text_filter(qs: QuerySet, query: str, match: Callable[[str], Q]) -> QuerySet:
    """``qs`` filtered by ``match(term)`` for the term ``query``; a short term among recent rows."""
    query = (query or "").strip()
    if not query:
        return qs
    if len(query) < MIN_INDEXED_CHARS:
        qs = recent(qs)
    return qs.filter(match(query))
