"""Keyset pagination: newest first by id; page N costs the same as page 1."""

from __future__ import annotations

import base64

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Schema

MAX_LIMIT = 200


class PageQuery(Schema):
    cursor: str | None = Field(None, max_length=64, description="The next_cursor of the previous page.")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


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


def keyset_page(queryset: QuerySet, page: PageQuery) -> dict:
    qs = queryset.order_by("-pk")
    if page.cursor:
        qs = qs.filter(pk__lt=_decode(page.cursor))
    rows = list(qs[: page.limit + 1])
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    return {"items": rows, "next_cursor": _encode(rows[-1].pk) if has_more and rows else None}
