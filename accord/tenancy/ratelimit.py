"""Fixed-window request counters in Django's cache (shared by every process that shares the cache)."""

from __future__ import annotations

import time

from django.core.cache import cache


def hit(key: str, *, limit: int, window: int) -> int | None:
    """Count one request against ``key``; the seconds to wait when over ``limit``, else None.

    ``limit`` 0 means no limit. ``cache.add`` + ``cache.incr`` are atomic on the local-memory,
    Redis and database caches, so concurrent requests are counted once each.
    """
    if limit <= 0:
        return None
    now = time.time()
    start = int(now // window) * window
    name = f"rl:{key}:{start}"
    cache.add(name, 0, window + 5)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, window + 5)
        count = 1
    if count > limit:
        return max(1, int(start + window - now + 0.999))
    return None


def peek(key: str, *, limit: int, window: int) -> int | None:
    """Like :func:`hit` when ``key`` has used up ``limit`` already, but counts nothing."""
    if limit <= 0:
        return None
    now = time.time()
    start = int(now // window) * window
    if (cache.get(f"rl:{key}:{start}") or 0) >= limit:
        return max(1, int(start + window - now + 0.999))
    return None
