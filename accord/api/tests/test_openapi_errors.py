"""Every operation of /api/v1/openapi.json declares its errors with the shared error body and has a
short, unique id; the document is valid OpenAPI (checked by openapi-spec-validator)."""

import re

import pytest
from openapi_spec_validator import validate

SHORT_ID = re.compile(r"[a-z][a-z0-9_]{1,39}")
ERROR_REF = "#/components/schemas/Error"


@pytest.fixture(scope="module")
def document(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_the_document_is_valid_openapi(document):
    validate(document)


def test_operation_ids_are_short_and_unique(document):
    ids = [operation["operationId"] for _route, operation in _operations(document)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    bad = [i for i in ids if not SHORT_ID.fullmatch(i) or i.startswith("accord_") or "_api_" in i]
    assert not bad, bad


def test_every_operation_declares_its_errors(document):
    missing = {}
    for route, operation in _operations(document):
        responses = {int(code): value for code, value in operation["responses"].items()}
        errors = {code for code in responses if 400 <= code < 500}
        wanted = set()
        if operation.get("security"):
            wanted.add(401)
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            wanted.add(404)
        if operation.get("parameters") or operation.get("requestBody"):
            wanted.add(422)
        if not errors or wanted - errors:
            missing[route] = sorted(wanted - errors) or "no 4xx"
        for code in errors:
            schema = responses[code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERROR_REF}, (route, code, schema)
    assert not missing, missing


def test_declared_errors_are_answered_as_declared(world, client, document):
    """401, 403, 404 and 422 as the document says, with the shared error body."""
    operation = document["paths"]["/api/v1/clients/{client_id}"]["get"]
    assert {"401", "403", "404", "422"} <= set(operation["responses"])
    assert client.get(f"/api/v1/clients/{world.client.pk}").json()["message"]
    assert client.get(f"/api/v1/clients/{world.client.pk}").status_code == 401
    api = world.api(world.client_user)
    assert api.get(f"/clients/{world.client.pk}").status_code == 403
    api = world.api(world.member)
    assert api.get(f"/clients/{world.foreign_client.pk}").status_code == 404
    assert api.get("/clients/not-a-number").status_code == 422
    me = document["paths"]["/api/v1/me"]["get"]
    assert set(me["responses"]) == {"200", "401", "429"}
