"""Substring search indexes (pg_trgm GIN on PostgreSQL, an FTS5 trigram table on SQLite) for
the text the crm lists search with ``q`` (see accord/core/search.py). The pg_trgm extension is
created there if missing; rolling one of these back leaves it, since other indexes use it."""

from django.db import migrations

from accord.core.search import TextIndex, install


class Migration(migrations.Migration):
    dependencies = [("crm", "0006_contact_mail_opt_out")]

    operations = [
        install(
            TextIndex(
                "crm_client",
                ("name", "tags", "business", "goals", "priorities", "notes"),
                fts="crm_client_search",
            ),
        ),
    ]
