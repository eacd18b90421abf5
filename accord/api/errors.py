"""JSON errors: a message a person can act on, and per-field details."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError


def _field_name(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path", "data")]
    return ".".join(parts) or "body"


def install(api) -> None:
    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc):
        errors = [{"field": _field_name(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors]
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
