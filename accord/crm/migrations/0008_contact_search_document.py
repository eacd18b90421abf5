"""PostgreSQL: the contacts' search document kept in a column, ``search_document``, instead of
computed from 14 columns for every row a search tests.

A term in thousands of contacts (a common surname) is found through the trigram index and then
each of its rows is tested again; with the document as an expression that meant joining and
upper-casing 14 columns per row (23 ms for 13,799 of 100,000 contacts, 10 ms from the column).

The column is filled by a trigger (``accord.core.search.keep_document``); nothing but the search
reads it. SQLite keeps its FTS5 table (migration 0003).
"""

from django.db import migrations

from accord.core.search import keep_document

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


class Migration(migrations.Migration):
    dependencies = [("crm", "0007_client_search_index")]

    operations = [
        keep_document(
            "crm_contact",
            FIELDS,
            column="search_document",
            index="contact_document_trgm_idx",
            replaces="contact_search_trgm_idx",
        )
    ]
