"""Substring search indexes (pg_trgm GIN on PostgreSQL, an FTS5 trigram table on SQLite) for
the text the projects lists search with ``q`` (see accord/core/search.py). The pg_trgm extension is
created there if missing; rolling one of these back leaves it, since other indexes use it."""

from django.db import migrations

from accord.core.search import TextIndex, install


class Migration(migrations.Migration):
    dependencies = [("projects", "0004_action_item_partial_index")]

    operations = [
        install(
            TextIndex("projects_project", ("name", "code", "description"), fts="projects_project_search"),
            TextIndex("projects_task", ("title", "description"), fts="projects_task_search"),
        ),
    ]
