"""Files with the quirks of real exports, and files that must be refused."""

import codecs
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from accord.dataio import readers


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rows_of(path, detected):
    return [
        cells
        for _n, cells in readers.iter_rows(path, detected.file_format, detected.encoding, detected.delimiter)
    ]


def test_utf8_with_bom_semicolon_and_quoted_newline(tmp_path):
    text = '姓名;邮箱;备注\n王伟;wang@example.cn;"第一行\n第二行; 仍在引号里"\n'
    path = write(tmp_path, "a.csv", codecs.BOM_UTF8 + text.encode())
    detected = readers.detect(path, "csv")
    assert detected.encoding == "utf-8-sig"
    assert detected.delimiter == ";"
    assert detected.headers == ["姓名", "邮箱", "备注"]
    assert detected.total_rows == 1
    assert rows_of(path, detected) == [["王伟", "wang@example.cn", "第一行\n第二行; 仍在引号里"]]


def test_gbk_as_written_by_chinese_excel(tmp_path):
    text = "姓名,手机,公司\r\n张三,13800000000,华信制造\r\n"
    path = write(tmp_path, "gbk.csv", text.encode("gbk"))
    detected = readers.detect(path, "csv")
    assert detected.encoding == "gb18030"
    assert rows_of(path, detected) == [["张三", "13800000000", "华信制造"]]


def test_tab_delimited_and_extra_blank_lines(tmp_path):
    path = write(tmp_path, "t.csv", b"name\temail\n\nAcme\ta@b.example\n\n")
    detected = readers.detect(path, "csv")
    assert detected.delimiter == "\t"
    assert detected.total_rows == 1


def test_utf16_with_bom(tmp_path):
    path = write(tmp_path, "u.csv", "name\tcity\nAcme\t上海\n".encode("utf-16"))
    detected = readers.detect(path, "csv")
    assert rows_of(path, detected) == [["Acme", "上海"]]


def test_invalid_bytes_are_refused_with_their_position(tmp_path):
    path = write(tmp_path, "bad.csv", b"name,email\nAcme,\xff\xfe\xfa\n")
    with pytest.raises(ValidationError) as exc:
        readers.detect(path, "csv")
    assert "not valid text" in exc.value.messages[0]
    assert "byte 16" in exc.value.messages[0]


def test_binary_file_named_csv_is_refused(tmp_path):
    path = write(tmp_path, "photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(ValidationError) as exc:
        readers.detect(path, "csv")
    assert "binary" in exc.value.messages[0]


def test_workbook_named_csv_is_refused(tmp_path):
    buf = io.BytesIO()
    wb = Workbook()
    wb.active.append(["name"])
    wb.save(buf)
    path = write(tmp_path, "book.csv", buf.getvalue())
    with pytest.raises(ValidationError, match="xlsx"):
        readers.detect(path, "csv")


def test_thousand_columns_are_refused(tmp_path):
    header = ",".join(f"c{i}" for i in range(1000))
    path = write(tmp_path, "wide.csv", (header + "\n" + ",".join("x" * 1000) + "\n").encode())
    with pytest.raises(ValidationError) as exc:
        readers.detect(path, "csv")
    assert "1000 columns" in exc.value.messages[0]


def test_row_cap(tmp_path, settings):
    settings.ACCORD_IMPORT_MAX_ROWS = 3
    path = write(tmp_path, "long.csv", ("name\n" + "x\n" * 4).encode())
    with pytest.raises(ValidationError, match="more than 3 rows"):
        readers.detect(path, "csv")


def test_unclosed_quote_gives_a_line(tmp_path):
    path = write(tmp_path, "q.csv", b'name,notes\nA,"' + b"x" * 200_000 + b"\n")
    with pytest.raises(ValidationError) as exc:
        readers.detect(path, "csv")
    assert "line" in exc.value.messages[0]


def test_xlsx_written_by_openpyxl(tmp_path):
    import datetime as dt

    wb = Workbook()
    ws = wb.active
    ws.append(["Company", "Due", "Hours", "Visible"])
    ws.append(["华信制造", dt.date(2026, 3, 31), 7.5, True])
    ws.append([None, None, None, None])
    ws.append(["Acme", dt.datetime(2026, 4, 1, 9, 30), 8.0, False])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    detected = readers.detect(path, "xlsx")
    assert detected.headers == ["Company", "Due", "Hours", "Visible"]
    assert detected.total_rows == 2
    assert rows_of(path, detected) == [
        ["华信制造", "2026-03-31", "7.5", "true"],
        ["Acme", "2026-04-01 09:30:00", "8", "false"],
    ]


def test_xlsx_zip_bomb_is_refused_before_unpacking(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        # 20 MB of zeros packs into about 20 KB: a ratio no real sheet has.
        with zf.open("xl/worksheets/sheet1.xml", "w") as member:
            block = b"\0" * (1024 * 1024)
            for _ in range(20):
                member.write(block)
    assert path.stat().st_size < 100 * 1024
    with pytest.raises(ValidationError, match="unpack"):
        readers.detect(path, "xlsx")


def test_xlsx_over_the_unpacked_limit_is_refused(tmp_path, settings):
    settings.ACCORD_IMPORT_MAX_UNPACKED_BYTES = 10_000
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    for i in range(500):
        ws.append([f"row {i}", "some text to unpack"])
    path = tmp_path / "big.xlsx"
    wb.save(path)
    with pytest.raises(ValidationError, match="unpack"):
        readers.detect(path, "xlsx")


def test_damaged_xlsx(tmp_path):
    path = write(tmp_path, "broken.xlsx", b"PK\x03\x04 this is not a zip")
    with pytest.raises(ValidationError, match="not a valid Excel"):
        readers.detect(path, "xlsx")


def test_xlsx_with_too_many_columns(tmp_path):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append([f"c{i}" for i in range(300)])
    path = tmp_path / "wide.xlsx"
    wb.save(path)
    with pytest.raises(ValidationError, match="300 columns"):
        readers.detect(path, "xlsx")


def test_vcard_from_vobject_with_a_10_mb_photo(tmp_path):
    import base64

    import vobject

    card = vobject.vCard()
    card.add("n").value = vobject.vcard.Name(family="王", given="伟")
    card.add("fn").value = "王伟"
    card.add("org").value = ["华信制造"]
    card.add("email").value = "wang.wei@example.cn"
    tel = card.add("tel")
    tel.value = "+86 138 0000 0001"
    tel.type_param = "CELL"
    text = card.serialize()
    photo = base64.b64encode(b"\xff" * (10 * 1024 * 1024)).decode()
    folded = "\r\n ".join(photo[i : i + 74] for i in range(0, len(photo), 74))
    text = text.replace("END:VCARD", f"PHOTO;ENCODING=b;TYPE=JPEG:{folded}\r\nEND:VCARD")
    second = (
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:John Smith\r\nN:Smith;John;;;\r\n"
        "EMAIL:john@example.com\r\nTEL;TYPE=work,voice:tel:+1-555-0100\r\nEND:VCARD\r\n"
    )
    path = write(tmp_path, "people.vcf", (text + second).encode())
    detected = readers.detect(path, "vcf")
    assert detected.total_rows == 2
    rows = [dict(zip(detected.headers, cells, strict=True)) for cells in rows_of(path, detected)]
    assert rows[0]["name_local"] == "王伟"
    assert rows[0]["client"] == "华信制造"
    assert rows[0]["mobile"] == "+86 138 0000 0001"
    assert rows[1]["first_name"] == "John" and rows[1]["last_name"] == "Smith"
    assert rows[1]["phone"] == "+1-555-0100"


def test_vcard_without_cards(tmp_path):
    path = write(tmp_path, "empty.vcf", b"hello\n")
    with pytest.raises(ValidationError, match="no contact card"):
        readers.detect(path, "vcf")


def test_file_names():
    assert readers.format_for_name("A.CSV") == "csv"
    assert readers.format_for_name("x.vcf") == "vcf"
    with pytest.raises(ValidationError, match="xlsx"):
        readers.format_for_name("old.xls")
    with pytest.raises(ValidationError):
        readers.format_for_name("virus.exe")
