"""A client generated from /api/v1/openapi.json with openapi-python-client builds without schema
warnings and calls a live Accord with a personal token: typed models come back, and another
organisation's client is a 404."""

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client as HttpClient

from accord.tenancy.services import api_token_create
from accord.testing import factories as f

PACKAGE = "accord_api_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory, django_db_blocker):
    """The generated package's directory (on sys.path while the module's tests run)."""
    root = tmp_path_factory.mktemp("generated")
    with django_db_blocker.unblock():
        response = HttpClient().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = root / "schema.json"
    schema.write_text(json.dumps(response.json()), encoding="utf-8")
    # No post-generation hooks (they only format the output), so every warning is about the schema.
    config = root / "config.json"
    config.write_text(json.dumps({"post_hooks": []}), encoding="utf-8")
    tool = Path(sys.executable).with_name("openapi-python-client")
    assert tool.exists(), (
        "openapi-python-client is not installed (pip install -e '.[test]' -c constraints.txt)"
    )
    result = subprocess.run(
        [
            str(tool),
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(root / "out"),
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = f"{result.stdout}\n{result.stderr}"
    print(output)
    assert result.returncode == 0, output
    problems = [line for line in output.splitlines() if line.strip() and not line.startswith("Generating ")]
    assert not problems, output
    assert (root / "out" / PACKAGE / "client.py").exists(), output
    sys.path.insert(0, str(root / "out"))
    yield root / "out"
    sys.path.remove(str(root / "out"))
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def test_the_generated_client_calls_the_api(generated, transactional_db, world, live_server):
    client_module = importlib.import_module(f"{PACKAGE}.client")
    crm = importlib.import_module(f"{PACKAGE}.api.crm")
    models = importlib.import_module(f"{PACKAGE}.models")
    clients_list = importlib.import_module(f"{crm.__name__}.clients_list")
    clients_create = importlib.import_module(f"{crm.__name__}.clients_create")
    clients_get = importlib.import_module(f"{crm.__name__}.clients_get")

    for name in ("Northwind Logistics", "Blue River Foods"):
        f.ClientFactory(organization=world.org, name=name)
    _token, raw = api_token_create(membership=world.memberships[world.admin.pk], name="generated client")
    api = client_module.AuthenticatedClient(
        base_url=live_server.url, token=raw, raise_on_unexpected_status=True
    )

    with api:
        page = clients_list.sync(client=api, limit=50)
        assert isinstance(page, models.ClientPage)
        names = {item.name for item in page.items}
        assert {world.client.name, "Northwind Logistics", "Blue River Foods"} <= names
        assert world.foreign_client.name not in names
        assert all(isinstance(item, models.ClientOut) for item in page.items)

        created = clients_create.sync(
            client=api, body=models.ClientIn(name="Lotus Retail 莲花零售", tags="retail")
        )
        assert isinstance(created, models.ClientOut), created
        assert created.name == "Lotus Retail 莲花零售"
        assert created.tags == "retail"

        again = clients_get.sync(created.id, client=api)
        assert isinstance(again, models.ClientOut)
        assert (again.id, again.name) == (created.id, created.name)

        foreign = clients_get.sync_detailed(world.foreign_client.pk, client=api)
        assert foreign.status_code == 404
        assert isinstance(foreign.parsed, models.Error)
        assert foreign.parsed.message

        unauthenticated = client_module.AuthenticatedClient(base_url=live_server.url, token="not-a-token")
        refused = clients_list.sync_detailed(client=unauthenticated)
        assert refused.status_code == 401
        assert isinstance(refused.parsed, models.Error)
