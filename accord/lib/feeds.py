"""Feeds that calendar and address-book clients poll (ICS, vCard): answered with an ETag and a
Last-Modified, and with 304 Not Modified (no body) when the client already has this version.

The ETag is a hash of the document without the lines that change on every request although
nothing else did (an ICS ``DTSTAMP`` is the time the document was made). Last-Modified is the
first time Accord served the current version: kept in the cache next to its ETag, so a version
that removes a row (which no ``updated_at`` shows) still moves it forward. When the cache has
forgotten a feed, Last-Modified becomes now: a client then downloads once more, never misses a
change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

STATE_SECONDS = 30 * 24 * 3600
# Lines whose value is the moment the document was made, not part of what it says.
_VOLATILE = re.compile(rb"^DTSTAMP[;:][^\r\n]*\r?\n", re.MULTILINE)


def feed_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(_VOLATILE.sub(b"", body)).hexdigest()[:32] + '"'


def _last_modified(key: str, etag: str) -> dt.datetime:
    """When this version of the feed was first served (whole seconds, as HTTP dates are)."""
    now = timezone.now().replace(microsecond=0)
    state = cache.get(key)
    if state is not None and state[0] == etag:
        return state[1]
    changed = now
    if state is not None and state[1] >= now:
        changed = state[1] + dt.timedelta(seconds=1)  # two versions within a second: still later
    cache.set(key, (etag, changed), STATE_SECONDS)
    return changed


def feed_response(
    request: HttpRequest,
    body: bytes,
    *,
    key: str,
    content_type: str,
    filename: str = "",
    max_age: int = 300,
) -> HttpResponse:
    """``body`` as a feed: 200 with ETag and Last-Modified, or 304 when ``If-None-Match`` or
    ``If-Modified-Since`` says the client has it. ``key`` names the feed (a token, a project)."""
    etag = feed_etag(body)
    named = f"{key}:{translation.get_language() or ''}".encode()
    state_key = "feed-version:" + hashlib.sha256(named).hexdigest()[:40]
    last_modified = _last_modified(state_key, etag)
    response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = f"private, max-age={max_age}"
    if filename:
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    return get_conditional_response(
        request, etag=etag, last_modified=int(last_modified.timestamp()), response=response
    )
