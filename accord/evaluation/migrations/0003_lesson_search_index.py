"""Substring search indexes (pg_trgm GIN on PostgreSQL, an FTS5 trigram table on SQLite) for
the text the evaluation lists search with ``q`` (see accord/core/search.py). The pg_trgm extension is
created there if missing; rolling one of these back leaves it, since other indexes use it."""

from django.db import migrations

from accord.core.search import TextIndex, install


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0002_lesson_use")]

    operations = [
        install(
            TextIndex(
                "evaluation_lesson",
                ("title", "description", "recommendation", "tags"),
                fts="evaluation_lesson_search",
            ),
        ),
    ]
