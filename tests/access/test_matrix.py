"""The access matrix: every URL pattern and every API operation, for every role, on an object
of the caller's own project, of another project in the same organisation and of another
organisation. The vocabulary and defaults are in spec.py; the rows live beside each app."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accord.api.api import api

from .spec import ROLES, SCOPES, Row

API_PREFIX = "/api/v1"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def _web_routes(patterns=None, namespace: str = "") -> Iterator[str]:
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _web_routes(pattern.url_patterns, full)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or "")
            if not name:
                name = f"<unnamed {pattern.pattern}>"
            if name.startswith("api:") and name not in ("api:openapi-json", "api:openapi-view"):
                continue  # API operations are enumerated from the OpenAPI schema
            yield name


def web_routes() -> set[str]:
    return set(_web_routes())


def api_routes() -> set[str]:
    schema = api.get_openapi_schema()
    found = set()
    for path, operations in schema["paths"].items():
        for method in operations:
            if method in HTTP_METHODS:
                found.add(f"{method.upper()} {path}")
    return found


def all_rows() -> list[Row]:
    rows: list[Row] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("accord."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.access_rows")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"{config.name}.tests.access_rows", f"{config.name}.tests"):
                raise
            continue
        rows.extend(module.ROWS)
    return rows


ROWS = all_rows()


def _row_id(row: Row) -> str:
    return f"{row.route}|{row.method}" if not _is_api(row) else row.route


def _is_api(row: Row) -> bool:
    return row.route.split(" ", 1)[0] in {m.upper() for m in HTTP_METHODS} and " /" in row.route


def test_every_endpoint_has_a_row(capsys):
    web, api_ops = web_routes(), api_routes()
    covered = {row.route for row in ROWS}
    missing = sorted((web | api_ops) - covered)
    unknown = sorted(covered - web - api_ops)
    total = len(web) + len(api_ops)
    with capsys.disabled():
        print(
            f"\naccess matrix: {total - len(missing)}/{total} endpoints covered "
            f"({len(web)} web routes, {len(api_ops)} API operations, {len(ROWS)} rows)"
        )
    assert not missing, "endpoints without a row in an access_rows.py:\n  " + "\n  ".join(missing)
    assert not unknown, "rows for endpoints that do not exist:\n  " + "\n  ".join(unknown)


def expected_status(row: Row, role: str, scope: str, standalone: bool):
    base = row.expect.get(role)
    if scope == "own" or standalone:
        return base
    if scope == "other_project":
        if role in row.expect_other_project:
            return row.expect_other_project[role]
        if role == "member" or (role == "client" and row.portal):
            return 404
        return base
    if role in row.expect_foreign:
        return row.expect_foreign[role]
    if role == "anonymous" or (role == "client" and not row.portal and not _is_api(row)):
        return base  # turned away (to sign-in or to the portal) before anything is looked up
    if role == "outsider":
        return row.expect.get("admin")
    return 404


def _snapshot(tables: tuple[str, ...]) -> dict:
    state = {}
    for label in tables:
        model = apps.get_model(label)
        state[label] = list(model.objects.order_by("pk").values())
    return state


def _is_denial(response) -> bool:
    if response.status_code in (401, 403, 404, 405):
        return True
    if response.status_code in (301, 302):
        location = response.get("Location", "")
        return "/accounts/signin/" in location or location.rstrip("/").endswith("/portal")
    return False


class Callers:
    def __init__(self, world):
        self.world = world
        self.users = {
            "anonymous": None,
            "client": world.client_user,
            "member": world.member,
            "manager": world.manager,
            "admin": world.admin,
            "outsider": world.outsider,
        }
        self._web: dict[str, HttpClient] = {}
        self._api: dict[str, object] = {}

    def web(self, role: str) -> HttpClient:
        if role not in self._web:
            self._web[role] = self.world.http(self.users[role])
        return self._web[role]

    def api(self, role: str):
        if role not in self._api:
            self._api[role] = self.world.api(self.users[role])
        return self._api[role]


def _request(callers: Callers, row: Row, role: str, path: str, data):
    if _is_api(row):
        method = row.route.split(" ", 1)[0].lower()
        client = callers.api(role)
        if method == "delete":
            return client.delete(path)
        if method == "get":
            return client.get(path, data)
        return getattr(client, method)(path, data)
    client = callers.web(role)
    method = row.method.lower()
    if method == "get":
        return client.get(path, data or None)
    return getattr(client, method)(path, data or {})


def _path_for(row: Row, obj) -> str:
    if row.path is not None:
        return row.path(obj)
    if _is_api(row):
        return row.route.split(" ", 1)[1]
    return reverse(row.route)


@pytest.mark.parametrize("row", ROWS, ids=[_row_id(r) for r in ROWS])
def test_access(row: Row, world):
    callers = Callers(world)
    # Sign everyone in (sessions, tokens) before any request: each request's writes are rolled
    # back, and a session created inside that transaction would vanish with them.
    for role in ROLES:
        if _is_api(row):
            callers.api(role)
        else:
            callers.web(role)
    standalone = row.make is None
    scopes = ("own",) if standalone else SCOPES
    projects = {"own": world.project, "other_project": world.other_project, "foreign": world.foreign_project}
    failures = []
    for scope in scopes:
        obj = row.make(world, projects[scope]) if row.make else world
        path = _path_for(row, obj)
        data = row.data(obj) if row.data else None
        for role in ROLES:
            want = expected_status(row, role, scope, standalone)
            if want is None:
                failures.append(f"{scope}/{role}: no expectation in the row")
                continue
            with transaction.atomic():
                before = _snapshot(row.tables) if row.tables else None
                response = _request(callers, row, role, path, data)
                denied = _is_denial(response)
                after = _snapshot(row.tables) if row.tables and denied else None
                transaction.set_rollback(True)
            allowed = want if isinstance(want, tuple) else (want,)
            if response.status_code not in allowed:
                failures.append(
                    f"{scope}/{role}: {response.status_code}, expected {want} ({row.method} {path})"
                )
            if denied and before is not None and before != after:
                failures.append(f"{scope}/{role}: a refused request changed {', '.join(row.tables)}")
    assert not failures, f"{row.route}:\n  " + "\n  ".join(failures)
