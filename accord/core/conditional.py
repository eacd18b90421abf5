"""Conditional requests on /api/v1/, for every operation at once (installed in api.py).

* Every response that is one object (a ``TimeStamped`` row) carries ``ETag`` — its version
  (``accord.lib.versioning``), a strong validator.
* ``GET`` with ``If-None-Match`` naming the current version: ``304 Not Modified``.
* ``PATCH``/``PUT``/``DELETE`` with ``If-Match``: the object the path names is read through the
  ``GET`` operation of the same path (so the access rules are that operation's) and its row is
  locked; a version other than the current one is ``412 Precondition Failed`` and nothing is
  written. ``If-Match: *`` only asks that the object exists.
* ``PATCH``/``PUT`` without ``If-Match`` but with ``"version"`` in the JSON body: the same
  check, answered with ``409 Conflict`` (the body, not a header, was stale).

The check and the write run in one transaction, so a write cannot slip in between. A part of an
object (``/meetings/{id}/minutes``) is checked against the object (``GET /meetings/{id}``). An
object without a ``GET`` of its own (a risk's contingency action, a survey question) names how it
is read with ``@versioned_by(reader)``; its ``POST``/``PATCH`` answers carry its ``ETag``. A path
with none of these is not checked (its operations are not marked ``checks_version``, and the
OpenAPI document declares 409/412 only for the marked ones).
"""

from __future__ import annotations

import json
import re
from functools import wraps

from django.db import transaction
from django.http import HttpResponseNotModified
from django.utils.translation import gettext as _
from ninja.operation import Status

from accord.lib.versioning import (
    Versioned,
    etag,
    has_version,
    locked_version,
    normalise,
    parse_tags,
    version_of,
)

WRITES = {"PATCH", "PUT", "DELETE"}
_PATH_PARAM = re.compile(r"{(?:\w+:)?(\w+)}")


def versioned_by(reader):
    """Mark a write on an object that has no ``GET`` of its own: ``reader(request, **path_params)``
    returns the object, with the access checks of the operation itself (another organisation's
    object is a 404, a refused role a 403), so that ``If-Match`` is checked against its version.
    Put it below the ``@router.patch``/``@router.delete`` line."""

    def mark(func):
        func.version_reader = reader
        return func

    return mark


# The API object that renders the shared error body, set by install() (the API's assembly sits
# above this module and hands itself down).
_API = None


def install(api) -> None:
    """Wrap every operation of ``api``: reads tag their object, writes check the version sent."""
    global _API
    _API = api
    readers = {
        path: op.view_func
        for bound in api._get_bound_routers()
        for path, path_view in bound.path_operations.items()
        for op in path_view.operations
        if "GET" in op.methods
    }
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            params = _PATH_PARAM.findall(path)
            # A part of an object without a GET of its own (a meeting's minutes) has the object's version.
            parent = path.rsplit("/", 1)[0]
            reader = readers.get(path) or (
                readers.get(parent) if _PATH_PARAM.findall(parent) == params else None
            )
            for operation in path_view.operations:
                own = getattr(operation.view_func, "version_reader", None)
                if "GET" in operation.methods:
                    operation.view_func = _read(operation.view_func)
                elif set(operation.methods) & WRITES and own is not None:
                    operation.view_func = _write(operation.view_func, own, params)
                elif set(operation.methods) & WRITES and reader is not None:
                    # Also a path without parameters that reads one object (/organization).
                    operation.view_func = _write(operation.view_func, reader, params)
                else:
                    operation.view_func = _tagging(operation.view_func)


def _object_of(result):
    if isinstance(result, Status):
        result = result.value
    elif isinstance(result, tuple) and len(result) == 2:
        result = result[1]
    return result.source if isinstance(result, Versioned) else result


def _tag(request, result) -> None:
    obj = _object_of(result)
    response = getattr(request, "accord_response", None)
    if response is not None and has_version(obj):
        response["ETag"] = etag(version_of(obj))


def _tagging(func):
    @wraps(func)
    def view(request, **kwargs):
        result = func(request, **kwargs)
        _tag(request, result)
        return result

    return view


def _read(func):
    @wraps(func)
    def view(request, **kwargs):
        result = func(request, **kwargs)
        obj = _object_of(result)
        if has_version(obj):
            current = version_of(obj)
            wanted = parse_tags(request.headers.get("If-None-Match", ""))
            if current in wanted or "*" in wanted:
                not_modified = HttpResponseNotModified()
                not_modified["ETag"] = etag(current)
                return not_modified
        _tag(request, result)
        return result

    return view


def _body_version(request) -> str:
    if request.method not in ("PATCH", "PUT") or "json" not in (request.content_type or ""):
        return ""
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return ""  # the operation answers the malformed body with its own 422
    value = body.get("version") if isinstance(body, dict) else None
    return normalise(value) if value not in (None, "") else ""


def _write(func, reader, params: list[str]):
    @wraps(func)
    def view(request, **kwargs):
        if_match = request.headers.get("If-Match")
        sent = _body_version(request) if if_match is None else ""
        if if_match is None and not sent:
            result = func(request, **kwargs)
            _tag(request, result)
            return result
        with transaction.atomic():
            target = _object_of(reader(request, **{name: kwargs[name] for name in params}))
            if has_version(target):
                current = locked_version(target)
                refusal = _refusal(request, if_match, sent, current)
                if refusal is not None:
                    return refusal
            result = func(request, **kwargs)
        _tag(request, result)
        return result

    view.checks_version = True  # read by the OpenAPI document (412, and 409 for a body version)
    return view


def _refusal(request, if_match: str | None, sent: str, current: str | None):
    api = _API
    if current is None:
        return None  # deleted meanwhile: the operation answers 404 itself
    if if_match is not None:
        tags = parse_tags(if_match)
        if "*" in tags or current in tags:
            return None
        response = api.create_response(
            request,
            {
                "message": _(
                    "This object changed since you read it (If-Match does not match its ETag). "
                    "Read it again, apply your change to the current version and send it with the new ETag."
                ),
                "errors": [
                    {
                        "field": "If-Match",
                        "message": _("The current version is %(etag)s.") % {"etag": etag(current)},
                    }
                ],
            },
            status=412,
        )
    elif sent != current:
        response = api.create_response(
            request,
            {
                "message": _(
                    "This object changed since you read it (the version sent is not the current one). "
                    "Read it again, apply your change to the current version and send that version."
                ),
                "errors": [
                    {"field": "version", "message": _("The current version is %(etag)s.") % {"etag": current}}
                ],
            },
            status=409,
        )
    else:
        return None
    response["ETag"] = etag(current)
    return response
