"""Runs the CRM's access-matrix rows for every role on the own, other-project and foreign
objects (the same reading of tests/access/spec.py as the central matrix test)."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.test import Client as HttpClient

from accord.crm.tests.access_rows import ROWS
from tests.access.spec import ROLES


class Rollback(Exception):
    pass


def _expected(row, role, scope):
    own = row.expect[role]
    if scope == "own":
        return own
    if scope == "other_project":
        if role in row.expect_other_project:
            return row.expect_other_project[role]
        if role == "member" or (role == "client" and row.portal):
            return 404
        return own
    if role in row.expect_foreign:
        return row.expect_foreign[role]
    if role == "anonymous":
        return own
    if role == "outsider":
        return row.expect["admin"]
    return 404


def _request(world, row, role, obj, target):
    user = None if role == "anonymous" else getattr(world, "client_user" if role == "client" else role)
    data = row.data(target) if row.data else None
    path = row.path(target)
    if row.route.split(" ")[0] in ("GET", "POST", "PATCH", "PUT", "DELETE") and " /api/" in row.route:
        method = row.route.split(" ")[0].lower()
        api = world.api(user)
        return getattr(api, method)(path, data) if method != "delete" else api.delete(path)
    http = HttpClient()
    if user is not None:
        http.force_login(user)
    if row.method == "POST":
        return http.post(path, data or {})
    return http.get(path)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method if ' ' not in r.route else ''}{r.route}")
def test_row(world, row):
    scopes = ("own", "other_project", "foreign") if row.make else ("own",)
    failures = []
    for scope in scopes:
        project = {
            "own": world.project,
            "other_project": world.other_project,
            "foreign": world.foreign_project,
        }[scope]
        for role in ROLES:
            want = _expected(row, role, scope) if row.make else row.expect[role]
            try:
                with transaction.atomic():
                    obj = row.make(world, project) if row.make else None
                    target = obj if row.make else world
                    response = _request(world, row, role, obj, target)
                    raise Rollback(response)
            except Rollback as done:
                response = done.args[0]
            wanted = want if isinstance(want, tuple) else (want,)
            if response.status_code not in wanted:
                body = response.content[:200].decode(errors="replace")
                failures.append(f"{scope}/{role}: got {response.status_code}, want {want} {json.dumps(body)}")
    assert not failures, "\n".join(failures)
