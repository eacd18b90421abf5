"""The published schema is what clients generate code from: it must be valid and unambiguous."""


def test_openapi_document_lists_every_router(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Accord API"
    paths = schema["paths"]
    for path in ("/api/v1/clients", "/api/v1/projects", "/api/v1/me"):
        assert path in paths
    assert "BearerAuth" in str(schema["components"].get("securitySchemes", {})) or schema["components"].get(
        "securitySchemes"
    )


def test_docs_page_is_served(client):
    assert client.get("/api/v1/docs").status_code == 200


def test_a_malformed_multipart_body_is_a_400_not_a_500(world):
    api_client = world.api(world.admin)
    response = api_client.http.post(
        "/api/v1/imports", content_type="multipart/form-data", data=b"--x\r\n", headers=api_client.headers
    )
    assert response.status_code == 400, response.content
    assert "multipart" in response.json()["message"]


def test_unknown_path_is_a_json_404(world):
    response = world.api(world.admin).get("/api/v1/no-such-thing")
    assert response.status_code == 404


def test_ids_beyond_the_database_range_are_a_422(world):
    from accord.needs.models import Need

    need = Need.objects.create(organization=world.org, project=world.project, title="Export to Excel")
    response = world.api(world.manager).patch(f"/needs/{need.pk}", {"task_ids": [10**30, -(10**25), -183]})
    assert response.status_code == 422, response.content
    body = response.json()
    assert {"field": "task_ids.0", "message": "This number is out of range."} in body["errors"]
    assert {"field": "task_ids.1", "message": "This number is out of range."} in body["errors"]
    need.refresh_from_db()
    assert need.tasks.count() == 0


def test_validation_messages_are_translated(world):
    response = world.api(world.manager).post(
        "/projects", {"name": "x" * 500, "client_id": "abc"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 422, response.content
    messages = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert messages["client_id"] == "请输入整数。"
