"""PostgreSQL: the contacts' search document kept in a column, ``search_document``, instead of
computed from 14 columns for every row a search tests.

A term in thousands of contacts (a common surname) is found through the trigram index and then
each of its rows is tested again; with the document as an expression that meant joining and
upper-casing 14 columns per row (23 ms for 13,799 of 100,000 contacts, 10 ms from the column).

The column is filled by a trigger, not declared as a generated column: PostgreSQL refuses to
change the type of a column a generated column reads, which would stop a later migration that
changes one of these fields' length. The model does not declare it; nothing but the search reads
it (``accord.core.search.TextIndex.pg_column``). SQLite keeps its FTS5 table (migration 0003).
"""

from django.db import migrations

FIELDS = [
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


def _document(row: str) -> str:
    return "UPPER(" + " || ' ' || ".join(f'{row}."{name}"' for name in FIELDS) + ")"


FORWARDS = [
    "ALTER TABLE crm_contact ADD COLUMN search_document text NOT NULL DEFAULT ''",
    "CREATE FUNCTION crm_contact_search_document() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN NEW.search_document := {_document('NEW')}; RETURN NEW; END $$",
    "CREATE TRIGGER crm_contact_search_document BEFORE INSERT OR UPDATE OF "
    + ", ".join(f'"{name}"' for name in FIELDS)
    + " ON crm_contact FOR EACH ROW EXECUTE FUNCTION crm_contact_search_document()",
    f"UPDATE crm_contact SET search_document = {_document('crm_contact')}",
    "CREATE INDEX IF NOT EXISTS contact_document_trgm_idx ON crm_contact USING gin "
    "(search_document gin_trgm_ops)",
    "DROP INDEX IF EXISTS contact_search_trgm_idx",
]

BACKWARDS = [
    "CREATE INDEX IF NOT EXISTS contact_search_trgm_idx ON crm_contact USING gin "
    f"({_document('crm_contact')} gin_trgm_ops)",
    "DROP TRIGGER IF EXISTS crm_contact_search_document ON crm_contact",
    "DROP FUNCTION IF EXISTS crm_contact_search_document()",
    "ALTER TABLE crm_contact DROP COLUMN IF EXISTS search_document",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("crm", "0007_client_search_index")]

    operations = [migrations.RunPython(_run(FORWARDS), _run(BACKWARDS), elidable=False)]
