"""The import / export API: multipart upload → preview JSON → run, exports with filters."""

import pytest
from django.test import Client as HttpClient

from accord.crm.models import Client, Contact
from accord.dataio.models import ImportRun
from accord.dataio.tests.access_rows import RewindingFile
from accord.tenancy.services import api_token_create


def bearer(world, user):
    _token, raw = api_token_create(membership=world.memberships[user.pk], name="test")
    return {"Authorization": f"Bearer {raw}"}


def upload(world, user, kind, name, content, **fields):
    return HttpClient().post(
        "/api/v1/imports",
        {"kind": kind, "file": RewindingFile(name, content), **fields},
        headers=bearer(world, user),
    )


def test_upload_preview_run_report(world):
    text = "Company,Name,Email\nHuaxin Manufacturing 华信制造,Wei Wang,wang@example.cn\n,Nobody,broken\n"
    response = upload(
        world, world.admin, "contacts", "c.csv", text.encode(), default_client_id=str(world.client.pk)
    )
    assert response.status_code == 201, response.content
    run = response.json()
    assert run["headers"] == ["Company", "Name", "Email"]
    assert run["mapping"] == {"0": "client", "1": "name", "2": "email"}
    api = world.api(world.admin)
    preview = api.post(f"/imports/{run['id']}/preview", {"duplicates": "skip"})
    assert preview.status_code == 200
    body = preview.json()
    assert (body["total"], body["new"], body["invalid"]) == (2, 1, 1)
    assert "Enter a valid email address" in body["rows"][1]["problems"][0]
    result = api.post(f"/imports/{run['id']}/run", {"duplicates": "skip"})
    assert result.status_code == 200
    done = result.json()
    assert (done["status"], done["created_count"], done["rejected_count"]) == ("done", 1, 1)
    report = api.get(done["report_url"].removeprefix("/api/v1"))
    assert report.status_code == 200
    assert "broken" in b"".join(report.streaming_content).decode("utf-8-sig")
    assert api.post(f"/imports/{run['id']}/run", {}).status_code == 422  # once only


def test_large_run_is_accepted_for_the_background(world, settings):
    settings.ACCORD_IMPORT_SYNC_ROWS = 1
    response = upload(world, world.manager, "clients", "c.csv", b"name\nA\nB\n")
    run_id = response.json()["id"]
    result = world.api(world.manager).post(f"/imports/{run_id}/run", {"mapping": {"0": "name"}})
    assert result.status_code == 202
    assert result.json()["status"] == "queued"


def test_upload_problems_are_422_with_a_message(world):
    response = upload(world, world.admin, "clients", "x.csv", b"\x00\x01\x02binary")
    assert response.status_code == 422
    assert "binary" in response.json()["message"]
    response = upload(world, world.admin, "invoices", "x.csv", b"name\nA\n")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "kind"
    response = upload(
        world, world.admin, "contacts", "x.csv", b"name\nA\n", default_client_id=str(world.foreign_client.pk)
    )
    assert response.status_code == 422
    assert not ImportRun.objects.exists()


def test_upload_over_the_cap_is_413(world, settings):
    settings.ACCORD_MAX_UPLOAD_BYTES = 1000
    response = upload(world, world.admin, "clients", "big.csv", b"name\n" + b"x" * 40_000)
    assert response.status_code == 413
    assert "larger than" in response.json()["message"]


def test_bad_mapping_is_422(world):
    run_id = upload(world, world.admin, "clients", "c.csv", b"name\nA\n").json()["id"]
    api = world.api(world.admin)
    response = api.post(f"/imports/{run_id}/preview", {"mapping": {"0": "nonsense"}})
    assert response.status_code == 422
    response = api.post(f"/imports/{run_id}/preview", {"mapping": {"7": "name"}})
    assert response.status_code == 422


def test_other_organisations_run_is_404(world):
    run_id = upload(world, world.outsider, "clients", "c.csv", b"name\nA\n").json()["id"]
    api = world.api(world.admin)
    assert api.get(f"/imports/{run_id}").status_code == 404
    assert api.post(f"/imports/{run_id}/preview", {}).status_code == 404
    assert api.post(f"/imports/{run_id}/run", {}).status_code == 404
    assert api.get(f"/imports/{run_id}/report").status_code == 404
    assert not Client.objects.filter(name="A").exists()


@pytest.mark.parametrize("runs", [2, 50])
def test_import_list_query_count(world, runs, django_assert_num_queries):
    ImportRun.objects.bulk_create(
        [
            ImportRun(
                organization=world.org,
                kind="clients",
                file_format="csv",
                original_name=f"f{i}.csv",
                stored_path=f"x{i}",
                created_by=world.admin,
            )
            for i in range(runs)
        ]
    )
    api = world.api(world.admin)
    with django_assert_num_queries(4):
        response = api.get("/imports", {"limit": 100})
    assert len(response.json()["items"]) == runs


def test_export_contacts_with_filters(world):
    Contact.objects.create(
        organization=world.org, client=world.client, last_name='=HYPERLINK("x")', role="sponsor"
    )
    api = world.api(world.member)
    response = api.get("/exports/contacts", {"format": "csv", "role": "sponsor"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    assert "'=HYPERLINK" in text
    assert "li.na@client.example" not in text  # a key user, filtered out
    assert api.get("/exports/contacts", {"role": "emperor"}).status_code == 422
    assert api.get("/exports/clients", {"format": "vcf"}).status_code == 422
    assert world.api(world.client_user).get("/exports/contacts").status_code == 403
