"""Substring indexes for search over interactions and contacts, in Chinese and English.

PostgreSQL (pg_trgm): GIN trigram indexes on exactly the expressions Django's ``icontains``
compares for interactions (``UPPER(col::text) LIKE UPPER(pattern)``), so the unchanged query
uses them; for contacts one index over all searched fields joined by spaces, the document
``selectors.CONTACT_SEARCH_DOCUMENT`` spells the same way.

SQLite: FTS5 tables with the trigram tokenizer (SQLite 3.34+) that read their text from the
tables they index and are kept in step by triggers.

In both, terms of three characters or more are narrowed by the index and ``selectors.search``
keeps its ``icontains`` filter, so the answer is the same as without the indexes.
If a later migration has SQLite rebuild crm_interaction or crm_contact (an ALTER it cannot do
in place), the triggers go with the old table and must be created again there; the search
tests fail until they are.
"""

import sqlite3

from django.db import migrations

CONTACT_FIELDS = [
    "first_name",
    "last_name",
    "name_local",
    "email",
    "email_secondary",
    "title",
    "phone",
    "mobile",
    "wechat",
    "wecom",
    "dingtalk",
    "feishu",
    "slack",
    "teams",
]

PG_INDEXES = {
    "inter_summary_trgm_idx": ("crm_interaction", 'UPPER("summary"::text)'),
    "inter_body_trgm_idx": ("crm_interaction", 'UPPER("body"::text)'),
    "contact_search_trgm_idx": (
        "crm_contact",
        "UPPER(" + " || ' ' || ".join(f'"crm_contact"."{name}"' for name in CONTACT_FIELDS) + ")",
    ),
}

# FTS5 table -> (the table it indexes, its columns)
SQLITE_INDEXES = {
    "crm_interaction_search": ("crm_interaction", ["summary", "body"]),
    "crm_contact_search": ("crm_contact", CONTACT_FIELDS),
}


def sqlite_statements(fts: str, table: str, columns: list[str]) -> list[str]:
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    insert = f"INSERT INTO {fts} (rowid, {names}) VALUES (new.id, {new});"
    delete = f"INSERT INTO {fts} ({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', content_rowid='id', "
        "tokenize='trigram')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} BEGIN {delete} {insert} END",
        f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')",
    ]


def sqlite_has_trigram(connection) -> bool:
    if sqlite3.sqlite_version_info < (3, 34):
        return False
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA compile_options")
        return any(row[0] == "ENABLE_FTS5" for row in cursor.fetchall())


def create(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for name, (table, expression) in PG_INDEXES.items():
                cursor.execute(
                    f'CREATE INDEX IF NOT EXISTS {name} ON "{table}" USING gin ({expression} gin_trgm_ops)'
                )
        elif connection.vendor == "sqlite" and sqlite_has_trigram(connection):
            for fts, (table, columns) in SQLITE_INDEXES.items():
                for statement in sqlite_statements(fts, table, columns):
                    cursor.execute(statement)


def drop(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in PG_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        elif connection.vendor == "sqlite":
            for fts in SQLITE_INDEXES:
                for suffix in ("insert", "delete", "update"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
                cursor.execute(f"DROP TABLE IF EXISTS {fts}")


class Migration(migrations.Migration):
    dependencies = [("crm", "0002_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
