"""Keyset pagination: newest first by id; page N costs the same as page 1.

A total is counted only when asked for (``?count=exact`` or ``?count=estimate``), so the default
page stays one query."""

from __future__ import annotations

import base64
import json
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Schema

from accord.core import search

MAX_LIMIT = 200


class PageQuery(Schema):
    cursor: str | None = Field(None, max_length=64, description="The next_cursor of the previous page.")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    count: Literal["exact", "estimate"] | None = Field(
        None,
        description="Also return the number of items the filters match: exact, or estimate "
        "(PostgreSQL's planner estimate, fast on any size; exact on SQLite).",
    )


class ListPage(Schema):
    """What every list page has besides its items and next_cursor."""

    count: int | None = Field(None, description="With ?count=: how many items the filters match.")
    notice: str | None = Field(
        None,
        description="Set when a search term of one or two characters showed recent matches only.",
    )


def _encode(pk: int) -> str:
    return base64.urlsafe_b64encode(str(pk).encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = int(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(
            {"cursor": _("This cursor is not valid: use the next_cursor of a previous page.")}
        ) from None
    if value < 0:
        raise ValidationError(
            {"cursor": _("This cursor is not valid: use the next_cursor of a previous page.")}
        )
    return value


def estimated_count(queryset: QuerySet) -> int:
    """The planner's estimate of the rows of ``queryset`` on PostgreSQL (no rows are read);
    elsewhere the exact count."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return queryset.count()
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


# A page for a search term is looked for among this many of the newest rows first (see _newest).
PROBE_ROWS = 5_000


def _newest(qs: QuerySet, below: int | None, n: int) -> list | None:
    """The ``n`` newest rows of ``qs`` (ordered newest first) if its newest ``PROBE_ROWS`` rows
    hold them all, else None: one cheap read for a term many rows contain.

    A trigram index finds every row that contains a term; for a common one (thousands of rows)
    testing and sorting them all costs far more than reading down the primary key until a page is
    full, which is what PostgreSQL does within a bounded range of ids. The bound is the id of the
    table's newest row below the cursor outside those ``PROBE_ROWS`` (one read of the primary
    key). The answer does not depend on it: when ``n`` rows are found above it, every other row is
    older than all of them. When there is no such row, the window is the whole table and what it
    holds is the answer, however short (5,000 projects: one read of them instead of two)."""
    newest = qs.model._base_manager.order_by("-pk").values_list("pk", flat=True)
    if below is not None:
        newest = newest.filter(pk__lt=below)
    outside = newest[PROBE_ROWS : PROBE_ROWS + 1].first()
    if outside is None:
        return list(qs[:n])
    rows = list(qs.filter(pk__gt=outside)[:n])
    return rows if len(rows) == n else None


def keyset_page(queryset: QuerySet, page: PageQuery, *, q: str | None = None) -> dict:
    """A page of ``queryset`` newest first; ``q``: the search term the list was filtered by
    (a short one is looked for among recent rows only, and the page says so; a longer one among
    the newest rows first)."""
    qs = queryset.order_by("-pk")
    below = _decode(page.cursor) if page.cursor else None
    if below is not None:
        qs = qs.filter(pk__lt=below)
    rows = None
    # SQLite answers a term from its FTS table as a whole first: reading fewer rows gains nothing.
    if (q or "").strip() and not search.is_short(q) and connections[qs.db].vendor == "postgresql":
        rows = _newest(qs, below, page.limit + 1)
        if rows is None:
            # Not a page among the newest rows: the term's matches are few, read through its index.
            rows = list(qs.order_by(*search.unindexed_order("-pk"))[: page.limit + 1])
    if rows is None:
        rows = list(qs[: page.limit + 1])
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    result = {"items": rows, "next_cursor": _encode(rows[-1].pk) if has_more and rows else None}
    count = getattr(page, "count", None)
    if count == "exact":
        result["count"] = queryset.count()
    elif count == "estimate":
        result["count"] = estimated_count(queryset)
    if search.is_short(q):
        result["notice"] = str(search.recent_notice())
    return result
