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


def keyset_page(queryset: QuerySet, page: PageQuery, *, q: str | None = None) -> dict:
    """A page of ``queryset`` newest first; ``q``: the search term the list was filtered by
    (a short one is looked for among recent rows only, and the page says so)."""
    qs = queryset.order_by("-pk")
    if page.cursor:
        qs = qs.filter(pk__lt=_decode(page.cursor))
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
