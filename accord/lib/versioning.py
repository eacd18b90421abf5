"""Version tokens for optimistic concurrency: what a form, a board card or an ETag carries.

A row's version is its ``updated_at`` (``TimeStamped``: ``auto_now``, bumped by every ``save()``;
the services list ``updated_at`` whenever they save with ``update_fields``), written as whole
microseconds since the epoch. Both SQLite and PostgreSQL keep microseconds, so the token is the
same on every database and changes with every saved edit.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


class Versioned(dict):
    """An API body built by hand from ``obj`` that keeps ``obj``'s version (for its ``ETag``)."""

    def __init__(self, obj, data: dict):
        super().__init__(data)
        self.source = obj


def has_version(obj) -> bool:
    return isinstance(getattr(obj, "updated_at", None), dt.datetime) and getattr(obj, "pk", None) is not None


def version_token(updated_at: dt.datetime) -> str:
    if updated_at.tzinfo is None:
        updated_at = updated_at.replace(tzinfo=dt.UTC)
    return str((updated_at - _EPOCH) // _MICROSECOND)


def version_of(obj) -> str:
    """The version token of a saved ``TimeStamped`` row."""
    return version_token(obj.updated_at)


def token_time(token: str) -> dt.datetime | None:
    """The moment a token stands for (``None`` for a token Accord did not issue)."""
    try:
        return _EPOCH + int(token) * _MICROSECOND
    except (TypeError, ValueError, OverflowError):
        return None


def etag(token: str) -> str:
    """The ``ETag`` header value: a strong validator, the token in quotes."""
    return f'"{token}"'


def parse_tags(header: str) -> list[str]:
    """The tokens of an ``If-Match``/``If-None-Match`` header (``*`` kept as is, ``W/`` dropped)."""
    tags = []
    for part in (header or "").split(","):
        part = part.strip()
        if part.startswith("W/"):
            part = part[2:]
        if part == "*":
            tags.append("*")
        elif part:
            tags.append(part.strip('"'))
    return tags


def normalise(value) -> str:
    """A token as a client may send it back: bare, quoted, weak (``W/"…"``) or a number."""
    tags = parse_tags(str(value))
    return tags[0] if tags else ""


def locked_version(obj) -> str | None:
    """The version of ``obj``'s row as committed now (``None``: deleted), locking the row until
    the surrounding transaction ends, so that the compared version is the one the write replaces."""
    if not transaction.get_connection().in_atomic_block:
        raise ImproperlyConfigured("A version check runs inside the transaction of the write it guards.")
    rows = obj._meta.model._base_manager.select_for_update().filter(pk=obj.pk)  # also request.user
    updated_at = rows.values_list("updated_at", flat=True).first()
    return None if updated_at is None else version_token(updated_at)
