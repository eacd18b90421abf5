"""The OpenAPI document of /api/v1/: short operation ids and the error responses every operation
declares, worked out in one place from what each operation is (not written out in every app).

* Operation id: the view function's name (``client_list``); a name that more than one app uses
  gets its app in front (``dataio_export``), so ids are unique and only change with the code.
* Errors, all with the shared ``Error`` body (``{"message": …, "errors": [{field, message}]}``):
  401 for an operation behind authentication; 403 where the caller's role is checked (every
  authenticated operation except those in ``OPEN_TO_EVERY_ROLE``); 404 for a path parameter
  (another organisation's object is not found); 422 for parameters or a body that fail
  validation; 413 for a body over the size limit; 429 for an authenticated or throttled operation
  (rate limits per address and token); 412 for a write
  that honours ``If-Match`` (conditional.py), and 409 when its body's ``version`` is stale. What an
  app declares itself (400 for a multipart body …) is kept.
"""

from __future__ import annotations

from http import HTTPStatus

from ninja import NinjaAPI
from ninja.constants import NOT_SET

from accord.core import events as event_catalogue

# Operations any signed-in member may call whatever their role (client contacts included):
# their only refusals are 401 and, with a parameter, 404/422.
OPEN_TO_EVERY_ROLE = frozenset({"me"})

ERROR_DESCRIPTIONS = {
    400: "The request could not be read (a malformed upload).",
    401: "Authentication required: send a valid API token as “Authorization: Bearer …”.",
    403: "Your role does not allow this operation.",
    404: "Not found, or not in your organisation.",
    409: "The object changed state: reload it and try again.",
    412: "The object changed since you read it.",
    413: "The request body is too large.",
    422: "Some fields are not valid; ``errors`` says which and what to fix.",
    429: "Too many requests: wait and try again.",
}
ERROR_REF = "#/components/schemas/Error"


def _operations(api: NinjaAPI):
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                yield bound, operation


def _app(view_func) -> str:
    parts = view_func.__module__.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "accord" else parts[0]


def operation_ids(api: NinjaAPI) -> dict:
    """View function → its operation id (the function's name, with its app when the name is shared)."""
    funcs = [operation.view_func for _bound, operation in _operations(api)]
    counts: dict[str, int] = {}
    for func in set(funcs):
        counts[func.__name__] = counts.get(func.__name__, 0) + 1
    shared = {name for name, count in counts.items() if count > 1}
    return {f: f"{_app(f)}_{f.__name__}" if f.__name__ in shared else f.__name__ for f in funcs}


def _throttled(api: NinjaAPI, bound, operation) -> bool:
    candidates = (operation.throttle_objects, getattr(bound, "throttle", None), api.throttle)
    return any(value not in (NOT_SET, None, []) for value in candidates)


class AccordAPI(NinjaAPI):
    """NinjaAPI whose schema has short operation ids and declares every operation's errors."""

    _ids: dict | None = None

    def create_temporal_response(self, request):
        response = super().create_temporal_response(request)
        request.accord_response = response  # conditional.py puts the object's ETag on it
        return response

    def get_openapi_operation_id(self, operation) -> str:
        if self._ids is None or operation.view_func not in self._ids:
            self._ids = operation_ids(self)
        return self._ids[operation.view_func]

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        self._ids = operation_ids(self)
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        throttled = {
            self._ids[operation.view_func]
            for bound, operation in _operations(self)
            if _throttled(self, bound, operation)
        }
        versioned = {
            self._ids[operation.view_func]
            for _bound, operation in _operations(self)
            if getattr(operation.view_func, "checks_version", False)
        }
        error_schema = schema["components"].get("schemas", {}).get("Error")
        content = {"application/json": {"schema": {"$ref": ERROR_REF} if error_schema else _ERROR_INLINE}}
        for operations in schema["paths"].values():
            for method, details in operations.items():
                if details["operationId"] in versioned:
                    _declare_preconditions(method, details)
                for status in _errors_of(details, throttled, versioned):
                    description = ERROR_DESCRIPTIONS.get(status, HTTPStatus(status).phrase)
                    details["responses"].setdefault(status, {"description": description, "content": content})
                details["responses"] = dict(sorted(details["responses"].items()))
        # What subscribers of event webhooks receive: one schema and one webhook per event.
        event_schemas, webhooks = event_catalogue.openapi_webhooks()
        schema["components"].setdefault("schemas", {}).update(event_schemas)
        schema["webhooks"] = webhooks
        return schema


_ERROR_INLINE = {
    "type": "object",
    "required": ["message"],
    "properties": {
        "message": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


_IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "description": "The ETag you read: if stale, 412 and nothing is written. `*`: any version.",
    "schema": {"type": "string"},
}


def _declare_preconditions(method: str, details: dict) -> None:
    details.setdefault("parameters", []).append(_IF_MATCH)
    if method in ("patch", "put"):
        details["description"] = (
            details.get("description", "")
            + "\n\nSend `If-Match` with the ETag you read, or `version` (the ETag's value) in the body, "
            "to be refused (412, 409) rather than overwrite a change made since."
        ).strip()


def _errors_of(details: dict, throttled: set, versioned: set = frozenset()) -> list[int]:
    """The error statuses an operation can answer, from what it is."""
    errors = []
    authenticated = bool(details.get("security"))
    if authenticated:
        errors.append(401)
        if details["operationId"] not in OPEN_TO_EVERY_ROLE:
            errors.append(403)
    parameters = details.get("parameters") or []
    if any(p.get("in") == "path" for p in parameters):
        errors.append(404)
    if details.get("requestBody"):
        errors.append(413)
    if parameters or details.get("requestBody"):
        errors.append(422)
    # Every authenticated request is counted per client address and per token (accord.api.auth).
    if authenticated or details["operationId"] in throttled:
        errors.append(429)
    if details["operationId"] in versioned:
        errors.append(412)
        if details.get("requestBody"):
            errors.append(409)
    return errors
