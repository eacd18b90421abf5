"""JSON errors: a message a person can act on, and per-field details."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

# The limit of a 64-bit signed integer: every id and counter column fits in it.
INT64_MAX = 2**63 - 1


class BoundedJSONParser(Parser):
    """JSON bodies whose integers beyond 64 bits become floats.

    A float fails validation of an integer field ("out of range", 422) on every database alike;
    an unbounded Python int would reach the database and fail differently on SQLite and PostgreSQL.
    """

    def parse_body(self, request):
        return json.loads(request.body, parse_int=_bounded_int)


def _bounded_int(text: str):
    value = int(text)
    return value if -INT64_MAX - 1 <= value <= INT64_MAX else float(value)


def _message(error: dict) -> str:
    """The pydantic error in the user's language, for the types a client is likely to meet."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in ("int_parsing_size",):
        return _("This number is out of range.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("float_parsing", "float_type", "decimal_parsing", "decimal_type"):
        return _("Enter a number.")
    if kind == "decimal_max_digits":
        return _("Enter a number with at most %(n)s digits.") % {"n": ctx.get("max_digits")}
    if kind == "decimal_max_places":
        return _("Enter a number with at most %(n)s decimal places.") % {"n": ctx.get("decimal_places")}
    if kind in ("string_too_long", "too_long"):
        return _("Too long: at most %(n)s.") % {"n": ctx.get("max_length")}
    if kind in ("string_too_short", "too_short"):
        return _("Too short: at least %(n)s.") % {"n": ctx.get("min_length")}
    if kind in ("greater_than_equal", "greater_than"):
        return _("Must be at least %(n)s.") % {"n": ctx.get("ge", ctx.get("gt"))}
    if kind in ("less_than_equal", "less_than"):
        return _("Must be at most %(n)s.") % {"n": ctx.get("le", ctx.get("lt"))}
    if kind in ("literal_error", "enum"):
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind.startswith(("date_", "datetime_")):
        return _("Enter a valid date or time (ISO 8601, e.g. 2026-11-26 or 2026-11-26T09:30:00+08:00).")
    if kind in ("bool_parsing", "bool_type"):
        return _("Enter true or false.")
    if kind in ("list_type",):
        return _("Send a list.")
    if kind in ("string_type",):
        return _("Send text.")
    return error.get("msg", "")


def _field_name(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path", "data")]
    return ".".join(parts) or "body"


def install(api) -> None:
    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc):
        errors = [{"field": _field_name(e.get("loc", ())), "message": _message(e)} for e in exc.errors]
        return api.create_response(
            request,
            {"message": _("Some fields are not valid. Fix them and send again."), "errors": errors},
            status=422,
        )

    @api.exception_handler(DjangoValidationError)
    def service_error(request, exc):
        if hasattr(exc, "error_dict"):
            errors = [
                {"field": field, "message": str(m)} for field, msgs in exc.message_dict.items() for m in msgs
            ]
            message = (
                errors[0]["message"]
                if len(errors) == 1
                else _("Some fields are not valid. Fix them and send again.")
            )
        else:
            errors = [{"field": "__all__", "message": str(m)} for m in exc.messages]
            message = " ".join(exc.messages)
        return api.create_response(request, {"message": message, "errors": errors}, status=422)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, {"message": _("Not found.")}, status=404)

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return api.create_response(
            request, {"message": _("You do not have permission to do this.")}, status=403
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return api.create_response(
            request,
            {"message": _("Authentication required: send a valid API token as “Authorization: Bearer …”.")},
            status=401,
        )

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        return api.create_response(request, {"message": _("The request body is too large.")}, status=413)

    @api.exception_handler(MultiPartParserError)
    def bad_multipart(request, exc):
        return api.create_response(
            request,
            {"message": _("The upload could not be read: send it as multipart/form-data with a file field.")},
            status=400,
        )

    @api.exception_handler(OverflowError)
    @api.exception_handler(DataError)
    def out_of_range(request, exc):
        # An id or number beyond what the database stores (e.g. 10**30 in a list of ids): the
        # request is wrong, not the server.
        return api.create_response(
            request,
            {
                "message": _(
                    "A number in the request is out of range: use the ids and amounts Accord gave you."
                )
            },
            status=422,
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return api.create_response(request, {"message": str(exc)}, status=exc.status_code)
