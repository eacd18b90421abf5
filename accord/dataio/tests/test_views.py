"""The import pages end to end, the upload limits, and the hub's query count."""

import io
import os

import pytest
from django.urls import reverse

from accord.crm.models import Client, Contact
from accord.dataio.models import ImportRun, ImportStatus
from accord.dataio.tests.access_rows import RewindingFile


def test_upload_map_preview_run_and_report(world):
    http = world.http(world.manager)
    assert http.get(reverse("dataio:import_upload", args=["contacts"])).status_code == 200
    text = "姓名,邮箱,公司\n王伟,wang.wei@example.cn,华信制造\n张三,bad-email,华信制造\n"
    response = http.post(
        reverse("dataio:import_upload", args=["contacts"]),
        {"file": RewindingFile("contacts.csv", text.encode("gbk")), "default_client": world.client.pk},
    )
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.organization_id == world.org.pk and run.default_client_id == world.client.pk
    page = http.get(response["Location"])
    assert page.status_code == 200
    assert "姓名" in page.content.decode()
    response = http.post(
        reverse("dataio:import_map", args=[run.pk]),
        {"col_0": "name", "col_1": "email", "col_2": "client", "duplicates": "skip"},
    )
    assert response["Location"] == reverse("dataio:import_preview", args=[run.pk])
    preview = http.get(response["Location"]).content.decode()
    assert "Enter a valid email address" in preview
    assert "New client “华信制造” will be created." in preview
    response = http.post(reverse("dataio:import_execute", args=[run.pk]))
    assert response["Location"] == reverse("dataio:import_result", args=[run.pk])
    result = http.get(response["Location"]).content.decode()
    assert "1 record created" in result and "1 row rejected" in result
    assert Contact.objects.filter(email="wang.wei@example.cn", client__name="华信制造").exists()
    report = http.get(reverse("dataio:import_report", args=[run.pk]))
    assert report.status_code == 200
    body = b"".join(report.streaming_content).decode("utf-8-sig")
    assert "bad-email" in body and "Enter a valid email address" in body


def test_mapping_errors_are_shown(world):
    http = world.http(world.admin)
    http.post(
        reverse("dataio:import_upload", args=["clients"]), {"file": RewindingFile("c.csv", b"a,b\nx,y\n")}
    )
    run = ImportRun.objects.get()
    response = http.post(
        reverse("dataio:import_map", args=[run.pk]), {"col_0": "status", "duplicates": "skip"}
    )
    assert response.status_code == 422
    assert "Choose the column that holds" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary data"),
        ("bad.csv", b"name\nAcme \xff\xfe\xfa\n", "not valid text"),
        (
            "wide.csv",
            (",".join(f"c{i}" for i in range(1000)) + "\n" + "x," * 999 + "x\n").encode(),
            "1000 columns",
        ),
        ("notes.pdf", b"%PDF-1.4", "Upload a CSV"),
    ],
)
def test_bad_files_are_refused_with_a_message(world, name, content, message):
    http = world.http(world.admin)
    response = http.post(
        reverse("dataio:import_upload", args=["clients"]), {"file": RewindingFile(name, content)}
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ImportRun.objects.exists()


class SparseBody(io.RawIOBase):
    """A multipart body around a sparse file on disk, read in chunks, never held in memory."""

    def __init__(self, path, boundary: bytes):
        self.parts = [
            b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="huge.csv"\r\n'
            b"Content-Type: text/csv\r\n\r\n",
            path,
            b"\r\n--" + boundary + b"--\r\n",
        ]
        self.size = len(self.parts[0]) + os.path.getsize(path) + len(self.parts[2])
        self.handle = open(path, "rb")  # noqa: SIM115
        self.index = 0
        self.offset = 0
        self.served = 0

    def readable(self):
        return True

    def read(self, size=-1):
        size = 64 * 1024 if size is None or size < 0 else size
        while self.index < 3:
            part = self.parts[self.index]
            if isinstance(part, bytes):
                chunk = part[self.offset : self.offset + size]
                self.offset += len(chunk)
                if self.offset >= len(part):
                    self.index, self.offset = self.index + 1, 0
            else:
                chunk = self.handle.read(size)
                if not chunk:
                    self.index += 1
                    continue
            if chunk:
                self.served += len(chunk)
                return chunk
        return b""


def test_a_200_mb_upload_is_refused_before_the_body_is_read(world, tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as fh:
        fh.write(b"name\n")
        fh.truncate(200 * 1024 * 1024)  # sparse: no 200 MB written or held
    boundary = b"AccordBoundary"
    body = SparseBody(path, boundary)
    http = world.http(world.admin)
    response = http.generic(
        "POST",
        reverse("dataio:import_upload", args=["clients"]),
        **{
            "wsgi.input": body,
            "CONTENT_LENGTH": str(body.size),
            "CONTENT_TYPE": f"multipart/form-data; boundary={boundary.decode()}",
        },
    )
    assert response.status_code == 413
    assert "larger than 25 MB" in response.content.decode()
    assert body.served == 0
    assert not ImportRun.objects.exists()


def test_an_upload_growing_past_the_cap_is_stopped_while_read(world, settings, tmp_path):
    settings.ACCORD_MAX_UPLOAD_BYTES = 100 * 1024
    path = tmp_path / "big.csv"
    path.write_bytes(b"name\n" + b"Acme\n" * 22_000)  # 110 KB: within the envelope allowance
    body = SparseBody(path, b"B")
    http = world.http(world.admin)
    response = http.generic(
        "POST",
        reverse("dataio:import_upload", args=["clients"]),
        **{
            "wsgi.input": body,
            "CONTENT_LENGTH": str(body.size),
            "CONTENT_TYPE": "multipart/form-data; boundary=B",
        },
    )
    assert response.status_code == 413, response.content.decode()[-3000:]
    assert body.served < body.size
    assert not ImportRun.objects.exists()


def test_other_organisations_run_is_404(world):
    http = world.http(world.outsider)
    http.post(
        reverse("dataio:import_upload", args=["clients"]), {"file": RewindingFile("c.csv", b"name\nA\n")}
    )
    run = ImportRun.objects.get()
    assert run.organization_id == world.other_org.pk
    mine = world.http(world.admin)
    for name in ("import_map", "import_preview", "import_result", "import_progress", "import_report"):
        assert mine.get(reverse(f"dataio:{name}", args=[run.pk])).status_code == 404
    assert mine.post(reverse("dataio:import_execute", args=[run.pk])).status_code == 404
    run.refresh_from_db()
    assert run.status == ImportStatus.UPLOADED


def test_unknown_kind_is_404(world):
    assert world.http(world.admin).get("/data/invoices/import/").status_code == 404
    assert world.http(world.admin).get("/data/invoices/export/").status_code == 404


def test_progress_of_a_queued_run(world, settings):
    settings.ACCORD_IMPORT_SYNC_ROWS = 1
    http = world.http(world.admin)
    http.post(
        reverse("dataio:import_upload", args=["clients"]),
        {"file": RewindingFile("c.csv", b"name\nA\nB\nC\n")},
    )
    run = ImportRun.objects.get()
    http.post(reverse("dataio:import_map", args=[run.pk]), {"col_0": "name", "duplicates": "skip"})
    http.post(reverse("dataio:import_execute", args=[run.pk]))  # queued: the worker runs it after commit
    run.refresh_from_db()
    assert run.status == ImportStatus.QUEUED
    page = http.get(reverse("dataio:import_progress", args=[run.pk]), headers={"HX-Request": "true"})
    assert 'data-hx-trigger="every 2s"' in page.content.decode()
    assert not Client.objects.filter(name="B").exists()


@pytest.mark.parametrize("runs", [2, 50])
def test_hub_query_count_does_not_grow(world, runs, django_assert_num_queries):
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
    http = world.http(world.admin)
    http.get(reverse("dataio:hub"))  # warm the session
    with django_assert_num_queries(5):
        response = http.get(reverse("dataio:hub"))
    assert response.status_code == 200


def test_member_sees_exports_but_not_imports(world):
    page = world.http(world.member).get(reverse("dataio:hub")).content.decode()
    assert reverse("dataio:export", args=["contacts"]) in page
    assert reverse("dataio:import_upload", args=["contacts"]) not in page


def test_pages_in_chinese(world):
    http = world.http(world.admin)
    page = http.get(reverse("dataio:hub"), headers={"Accept-Language": "zh-hans"}).content.decode()
    assert "导入 / 导出" in page and "最近的导入" in page


def test_export_buttons_carry_the_list_filters(world, rf):
    from django.template.loader import render_to_string

    request = rf.get("/contacts/", {"role": "sponsor", "q": "王"})
    request.user = world.manager
    html = render_to_string(
        "dataio/partials/export_buttons.html",
        {"kind": "contacts", "request": request, "membership": world.memberships[world.manager.pk]},
    )
    assert "/data/contacts/export/?format=xlsx&amp;role=sponsor&amp;q=%E7%8E%8B" in html
    assert "/data/contacts/import/" in html


# --- the preview counts what the import will do ---------------------------------------------------

PREVIEW_WORDS = {
    "en": {"create": "2 rows to create", "none": "0 rows to create", "skipped": "2 duplicates skipped"},
    "zh-hans": {"create": "将新建 2 行", "none": "将新建 0 行", "skipped": "跳过 2 条重复记录"},
}


def _preview_page(world, http, text, lang, default_client):
    http.post(
        reverse("dataio:import_upload", args=["contacts"]),
        {"file": RewindingFile("contacts.csv", text.encode()), "default_client": default_client.pk},
    )
    run = ImportRun.objects.latest("id")
    http.post(
        reverse("dataio:import_map", args=[run.pk]),
        {"col_0": "name", "col_1": "phone", "duplicates": "skip"},
    )
    response = http.get(reverse("dataio:import_preview", args=[run.pk]), headers={"Accept-Language": lang})
    assert response.status_code == 200
    return run, response.content.decode()


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_phone_of_another_clients_contact_is_not_a_duplicate(world, lang):
    other = Client.objects.create(organization=world.org, name="Other client")
    for n, phone in enumerate(("+86 138 0013 8000", "010-6552 9988")):
        Contact.objects.create(organization=world.org, client=other, last_name=f"Other {n}", phone=phone)
    http = world.http(world.manager)
    text = "name,phone\nWang Wei,13800138000\nLi Na,+86 10 6552 9988\n"
    run, page = _preview_page(world, http, text, lang, world.client)
    assert PREVIEW_WORDS[lang]["create"] in page
    assert 'id="run-import"' in page and "duplicate-match" not in page
    http.post(reverse("dataio:import_execute", args=[run.pk]))
    assert set(
        Contact.objects.filter(
            client=world.client, phone__in=["13800138000", "+86 10 6552 9988"]
        ).values_list("last_name", flat=True)
    ) == {"Wei", "Na"}
    assert Contact.objects.filter(client=other).count() == 2


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_duplicates_of_the_same_client_are_counted_and_linked(world, lang):
    first = Contact.objects.create(
        organization=world.org, client=world.client, last_name="Zhou", phone="13800138000"
    )
    second = Contact.objects.create(
        organization=world.org, client=world.client, last_name="Qian", mobile="139 1234 5678"
    )
    http = world.http(world.manager)
    text = "name,phone\nZhou Jie,+86 138 0013 8000\nQian Li,13912345678\n"
    run, page = _preview_page(world, http, text, lang, world.client)
    assert PREVIEW_WORDS[lang]["none"] in page and PREVIEW_WORDS[lang]["skipped"] in page
    for contact in (first, second):
        url = reverse("crm:contact_detail", args=[contact.pk])
        link = f'<a class="duplicate-match" href="{url}">{contact}</a>'
        assert link in page
    assert 'id="run-import"' not in page and 'id="nothing-to-import"' in page
