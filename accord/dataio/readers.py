"""Streaming readers for uploaded files: CSV (any common encoding and delimiter), XLSX and vCard.

Each reader yields rows of strings one at a time, so memory stays bounded whatever the file
size; every limit (columns, rows, unpacked size, card size) is checked before or while
reading, and every refusal is a ``ValidationError`` with a message that says what to fix.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_CELL_CHARS = 32_767  # what a spreadsheet cell can hold
SNIFF_BYTES = 64 * 1024
DECODE_CHUNK = 1024 * 1024
MAX_CARD_CHARS = 256 * 1024  # one vCard once photos and sounds are dropped
# vCard properties that carry binary payloads: never needed for a contact record.
VCARD_SKIPPED = {"PHOTO", "LOGO", "SOUND", "KEY"}
ZIP_MAX_RATIO = 200
ZIP_MAX_MEMBERS = 5_000

csv.field_size_limit(MAX_CELL_CHARS * 4)


def max_columns() -> int:
    return getattr(settings, "ACCORD_IMPORT_MAX_COLUMNS", 200)


def max_rows() -> int:
    return getattr(settings, "ACCORD_IMPORT_MAX_ROWS", 200_000)


def max_unpacked_bytes() -> int:
    return getattr(settings, "ACCORD_IMPORT_MAX_UNPACKED_BYTES", 8 * settings.ACCORD_MAX_UPLOAD_BYTES)


@dataclass
class Detected:
    file_format: str
    encoding: str = ""
    delimiter: str = ""
    headers: list[str] = field(default_factory=list)
    total_rows: int = 0


def format_for_name(name: str) -> str:
    suffix = Path(name or "").suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    if suffix == ".xlsx":
        return "xlsx"
    if suffix in (".vcf", ".vcard"):
        return "vcf"
    if suffix == ".xls":
        raise ValidationError(
            _("Old Excel files (.xls) cannot be read: open it in Excel and save it as .xlsx or CSV.")
        )
    raise ValidationError(_("Upload a CSV (.csv), Excel (.xlsx) or vCard (.vcf) file."))


# --- text: encoding ------------------------------------------------------------------------------


def _decode_failure(path: Path, encoding: str) -> int | None:
    """Offset of the first byte ``encoding`` cannot decode, or None when the whole file decodes."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(DECODE_CHUNK):
            try:
                decoder.decode(chunk, final=False)
            except UnicodeDecodeError as exc:
                return offset + max(exc.start, 0)
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return offset
    return None


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (what Chinese Excel writes as GBK)."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        if b"\x00" in head or head.startswith(b"PK\x03\x04"):
            raise ValidationError(
                _(
                    "This file is not a text file (it holds binary data). If it is an Excel workbook, "
                    "name it .xlsx; otherwise save it from your spreadsheet as CSV."
                )
            )
        candidates = ["utf-8-sig"] if head.startswith(codecs.BOM_UTF8) else ["utf-8", "gb18030"]
    first_failure = None
    for encoding in candidates:
        failure = _decode_failure(path, encoding)
        if failure is None:
            return encoding
        first_failure = failure if first_failure is None else first_failure
    raise ValidationError(
        _(
            "The file has bytes that are not valid text (first at byte %(offset)s): it is neither UTF-8 "
            "nor GBK/GB18030. Save it from your spreadsheet as “CSV UTF-8” and upload it again."
        ),
        params={"offset": first_failure},
    )


def detect_delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines() if line.strip()][:20]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t").delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in (",", ";", "\t")}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


# --- CSV ----------------------------------------------------------------------------------------


_NEUTRALISED = ("'=", "'+", "'-", "'@", "'\t", "'\r")


def _clean_cell(value: str) -> str:
    """Trim a cell; undo the apostrophe our exports put before formula-like text (+86 …, =, @)."""
    if value.startswith(_NEUTRALISED):
        value = value[1:]
    return value.strip()


def _csv_raw(path: Path, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    with open(path, encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            for cells in reader:
                if not "".join(cells).strip():
                    continue  # a blank row
                yield reader.line_num, cells
        except csv.Error as exc:
            raise ValidationError(
                _("The CSV file cannot be read near line %(line)s: %(error)s. Check its quotes."),
                params={"line": reader.line_num, "error": str(exc)},
            ) from None
        except UnicodeDecodeError:
            raise ValidationError(
                _("The file has bytes that are not valid %(encoding)s text near line %(line)s."),
                params={"encoding": encoding, "line": reader.line_num},
            ) from None


def _check_columns(count: int) -> None:
    if count > max_columns():
        raise ValidationError(
            _(
                "The file has %(count)s columns; at most %(max)s can be imported. "
                "Remove the columns you do not need."
            ),
            params={"count": count, "max": max_columns()},
        )


def _check_rows(count: int) -> None:
    if count > max_rows():
        raise ValidationError(
            _("The file has more than %(max)s rows: split it into smaller files."),
            params={"max": max_rows()},
        )


def _check_cell(value: str, line: int) -> None:
    if len(value) > MAX_CELL_CHARS:
        raise ValidationError(
            _("A cell near line %(line)s holds more than %(max)s characters."),
            params={"line": line, "max": MAX_CELL_CHARS},
        )


def detect_csv(path: Path) -> Detected:
    encoding = detect_encoding(path)
    with open(path, encoding=encoding, newline="") as fh:
        sample = fh.read(SNIFF_BYTES)
    delimiter = "\t" if Path(path).suffix.lower() == ".tsv" else detect_delimiter(sample)
    headers: list[str] | None = None
    rows = 0
    widest, most = max_columns(), max_rows()
    for line, cells in _csv_raw(path, encoding, delimiter):
        if len(cells) > widest:
            _check_columns(len(cells))
        if max(map(len, cells)) > MAX_CELL_CHARS:
            for cell in cells:
                _check_cell(cell, line)
        if headers is None:
            headers = [_clean_cell(c).lstrip("\ufeff") for c in cells]
            continue
        rows += 1
        if rows > most:
            _check_rows(rows)
    if not headers:
        raise ValidationError(_("The file is empty: it needs a header row and at least one row of data."))
    return Detected("csv", encoding=encoding, delimiter=delimiter, headers=headers, total_rows=rows)


def iter_csv(path: Path, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    rows = _csv_raw(path, encoding, delimiter)
    next(rows, None)  # the header row
    widest, most = max_columns(), max_rows()
    for count, (line, cells) in enumerate(rows, start=1):
        if count > most:
            _check_rows(count)
        if len(cells) > widest:
            _check_columns(len(cells))
        # _clean_cell inlined: this runs for every cell of every row.
        yield line, [_clean_cell(c) if c[:1] == "'" else c.strip() for c in cells]


# --- XLSX ---------------------------------------------------------------------------------------


def _check_zip(path: Path) -> None:
    """Refuse a workbook whose directory promises more than we are willing to unpack (zip bombs)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationError(
            _("This is not a valid Excel workbook (.xlsx): open it in Excel and save it again.")
        ) from None
    if "xl/workbook.xml" not in names:
        raise ValidationError(
            _("This is not a valid Excel workbook (.xlsx): open it in Excel and save it again.")
        )
    total = sum(i.file_size for i in infos)
    suspicious = any(
        i.file_size > 1024 * 1024 and i.file_size > ZIP_MAX_RATIO * max(i.compress_size, 1) for i in infos
    )
    if len(infos) > ZIP_MAX_MEMBERS or total > max_unpacked_bytes() or suspicious:
        raise ValidationError(
            _(
                "This workbook would unpack to %(size)s MB, far more than its file size allows: it is "
                "refused. Save the sheet as CSV and upload that instead."
            ),
            params={"size": total // (1024 * 1024)},
        )


def _xlsx_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time(0) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return str(Decimal(repr(value)))
    if isinstance(value, bool):
        return "true" if value else "false"
    return _clean_cell(str(value))


def _open_sheet(path: Path):
    from openpyxl import load_workbook

    _check_zip(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
        raise ValidationError(
            _("This is not a valid Excel workbook (.xlsx): open it in Excel and save it again.")
        ) from None
    sheet = workbook.worksheets[0] if workbook.worksheets else None
    if sheet is None:
        workbook.close()
        raise ValidationError(_("The workbook has no sheet to import."))
    try:
        declared_columns = sheet.max_column or 0
        declared_rows = sheet.max_row or 0
    except Exception:  # noqa: BLE001 - a sheet without a dimension
        declared_columns = declared_rows = 0
    try:
        _check_columns(declared_columns)
        _check_rows(max(declared_rows - 1, 0))
    except ValidationError:
        workbook.close()
        raise
    return workbook, sheet


def _xlsx_raw(path: Path) -> Iterator[tuple[int, list[str]]]:
    workbook, sheet = _open_sheet(path)
    try:
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            _check_columns(len(values))
            cells = [_xlsx_text(v) for v in values]
            if not any(cells):
                continue
            for cell in cells:
                _check_cell(cell, number)
            yield number, cells
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001 - malformed sheet XML
        raise ValidationError(
            _("This is not a valid Excel workbook (.xlsx): open it in Excel and save it again.")
        ) from None
    finally:
        workbook.close()


def detect_xlsx(path: Path) -> Detected:
    headers: list[str] | None = None
    rows = 0
    for _number, cells in _xlsx_raw(path):
        if headers is None:
            headers = cells
            while headers and not headers[-1]:
                headers.pop()
            continue
        rows += 1
        _check_rows(rows)
    if not headers:
        raise ValidationError(_("The file is empty: it needs a header row and at least one row of data."))
    return Detected("xlsx", headers=headers, total_rows=rows)


def iter_xlsx(path: Path) -> Iterator[tuple[int, list[str]]]:
    rows = _xlsx_raw(path)
    next(rows, None)
    for count, (number, cells) in enumerate(rows, start=1):
        _check_rows(count)
        yield number, cells


# --- vCard --------------------------------------------------------------------------------------

VCARD_HEADERS = [
    "first_name",
    "last_name",
    "name_local",
    "client",
    "title",
    "email",
    "email_secondary",
    "phone",
    "mobile",
    "wechat",
    "notes",
]
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))


# Two-character family names (复姓); every other Chinese family name is its first character.
COMPOUND_FAMILY_NAMES = frozenset(
    {
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "钟离",
        "闻人",
        "端木",
        "南宫",
        "独孤",
        "西门",
        "百里",
        "呼延",
        "澹台",
        "公冶",
        "太史",
        "申屠",
        "赫连",
        "万俟",
        "单于",
        "濮阳",
        "淳于",
        "仲孙",
        "左丘",
        "东郭",
        "梁丘",
    }
)


def cjk_name_parts(name: str) -> tuple[str, str]:
    """(family, given) of a Chinese name written family first (赵晓东 → 赵, 晓东; 欧阳修 → 欧阳, 修)."""
    name = (name or "").strip()
    if " " in name:
        family, given = name.split(" ", 1)
        return family, given.strip()
    if len(name) >= 3 and name[:2] in COMPOUND_FAMILY_NAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def cjk_full_name(family: str, given: str) -> str:
    """A Chinese name as it is written: the family name first, no space (赵 + 晓东 → 赵晓东)."""
    return f"{family.strip()}{given.strip()}"


def _card_texts(path: Path, encoding: str) -> Iterator[tuple[int, str]]:
    """Each card's text with binary properties (PHOTO, LOGO …) dropped while reading."""
    buf: list[str] = []
    size = 0
    skipping = False
    in_card = False
    number = 0
    with open(path, encoding=encoding, newline="") as fh:
        for raw in fh:
            line = raw.rstrip("\r\n")
            if line[:1] in (" ", "\t"):
                if in_card and not skipping:
                    buf.append(line)
                    size += len(line)
                continue
            skipping = False
            upper = line.upper()
            name = re.split(r"[;:]", upper, maxsplit=1)[0]
            name = name.split(".", 1)[-1]
            if upper.startswith("BEGIN:VCARD"):
                in_card, buf, size = True, [line], len(line)
                number += 1
                continue
            if not in_card:
                continue
            if name in VCARD_SKIPPED:
                skipping = True
                continue
            buf.append(line)
            size += len(line)
            if size > MAX_CARD_CHARS:
                raise ValidationError(
                    _("Contact card %(number)s is larger than %(max)s KB even without its photo."),
                    params={"number": number, "max": MAX_CARD_CHARS // 1024},
                )
            if upper.startswith("END:VCARD"):
                in_card = False
                yield number, "\r\n".join(buf) + "\r\n"


def _vcard_row(card) -> list[str]:
    def values(name):
        return list(card.contents.get(name, []))

    row = dict.fromkeys(VCARD_HEADERS, "")
    fn = str(values("fn")[0].value).strip() if values("fn") else ""
    n = values("n")[0].value if values("n") else None
    given = str(getattr(n, "given", "") or "").strip() if n is not None else ""
    family = str(getattr(n, "family", "") or "").strip() if n is not None else ""
    if isinstance(given, list):
        given = " ".join(given)

    def first_text(name):
        found = values(name)
        return str(found[0].value).strip() if found else ""

    phonetic_given, phonetic_family = first_text("x-phonetic-first-name"), first_text("x-phonetic-last-name")
    if has_cjk(given + family):
        # A Chinese name in N: written family first; its pinyin (if any) is the Western name.
        row["name_local"] = fn if has_cjk(fn) else cjk_full_name(family, given)
        row["first_name"], row["last_name"] = phonetic_given, phonetic_family
    elif has_cjk(fn):
        row["name_local"] = fn
        row["first_name"], row["last_name"] = given, family
    elif given or family:
        row["first_name"], row["last_name"] = given, family
    elif fn:
        parts = fn.rsplit(" ", 1)
        row["first_name"], row["last_name"] = (parts[0], parts[1]) if len(parts) == 2 else (fn, "")
    orgs = values("org")
    if orgs:
        org_value = orgs[0].value
        row["client"] = str(org_value[0] if isinstance(org_value, list) and org_value else org_value or "")
    if values("title"):
        row["title"] = str(values("title")[0].value)
    emails = [str(e.value).strip() for e in values("email") if str(e.value).strip()]
    if emails:
        row["email"] = emails[0]
    if len(emails) > 1:
        row["email_secondary"] = emails[1]
    for tel in values("tel"):
        types = ",".join(str(t) for t in tel.params.get("TYPE", [])).lower()
        number = str(tel.value).strip()
        if number.lower().startswith("tel:"):
            number = number[4:]
        if ("cell" in types or "mobile" in types) and not row["mobile"]:
            row["mobile"] = number
        elif not row["phone"]:
            row["phone"] = number
        elif not row["mobile"]:
            row["mobile"] = number
    for key in ("x-wechat", "x-weixin"):
        if values(key):
            row["wechat"] = str(values(key)[0].value)
    if values("note"):
        row["notes"] = str(values("note")[0].value)
    return [row[h].strip() for h in VCARD_HEADERS]


def iter_vcf(path: Path, encoding: str) -> Iterator[tuple[int, list[str]]]:
    import vobject

    for count, (number, text) in enumerate(_card_texts(path, encoding), start=1):
        _check_rows(count)
        try:
            card = vobject.readOne(text)
        except Exception:  # noqa: BLE001 - vobject raises several kinds on bad input
            raise ValidationError(
                _("Contact card %(number)s cannot be read: check that it is a vCard 3.0 or 4.0."),
                params={"number": number},
            ) from None
        yield number, _vcard_row(card)


def detect_vcf(path: Path) -> Detected:
    encoding = detect_encoding(path)
    rows = sum(1 for _ in iter_vcf(path, encoding))
    if not rows:
        raise ValidationError(_("The file has no contact card (BEGIN:VCARD … END:VCARD)."))
    return Detected("vcf", encoding=encoding, headers=list(VCARD_HEADERS), total_rows=rows)


# --- entry points -------------------------------------------------------------------------------


def detect(path: Path, file_format: str) -> Detected:
    if file_format == "xlsx":
        with open(path, "rb") as fh:
            if fh.read(4) != b"PK\x03\x04":
                raise ValidationError(
                    _("This is not a valid Excel workbook (.xlsx): open it in Excel and save it again.")
                )
        return detect_xlsx(path)
    if file_format == "vcf":
        return detect_vcf(path)
    return detect_csv(path)


def iter_rows(path: Path, file_format: str, encoding: str = "", delimiter: str = ","):
    if file_format == "xlsx":
        return iter_xlsx(path)
    if file_format == "vcf":
        return iter_vcf(path, encoding)
    return iter_csv(path, encoding, delimiter)
