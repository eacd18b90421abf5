"""PostgreSQL: the clients' search document kept in a column, ``search_document``, as the
contacts' is (migration 0008).

The web search looks for a term in all six text columns of the organisation's clients. PostgreSQL
judged the six trigram indexes dearer than reading 2,000 clients, and upper-cased their notes,
goals and business on every row instead (1.6 ms for a term no client holds); one indexed column
is both what it reads through and, when it does read every row, a column already upper-cased.
SQLite keeps its FTS5 table (migration 0007)."""

from django.db import migrations

from accord.core.search import keep_document

FIELDS = ["name", "tags", "business", "goals", "priorities", "notes"]


class Migration(migrations.Migration):
    dependencies = [("crm", "0009_contact_name_index")]

    operations = [
        keep_document("crm_client", FIELDS, column="search_document", index="client_document_trgm_idx")
    ]
