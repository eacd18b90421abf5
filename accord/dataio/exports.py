"""Exports: CSV (UTF-8 with BOM, so Excel shows Chinese), XLSX and vCard, streamed; ICS feeds.

Rows are read with ``values_list(...).iterator(chunk_size=...)`` so memory stays flat for any
number of rows. In CSV every text cell gets ``safe_cell``'s guard against formula injection (a
spreadsheet evaluates a CSV cell that starts with ``=``). The XLSX sheet is written row by row
straight into its zip member with typed cells: text as inline strings (never evaluated, so no
guard and no apostrophe), dates and times as date cells, numbers as numbers with a format.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.lib.text import safe_cell

from .kinds.base import KindSpec
from .readers import cjk_name_parts, has_cjk

CHUNK = 2000
FORMATS = ("csv", "xlsx", "vcf")
REPORT_FORMATS = ("csv", "xlsx")


def cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, int):
        return value
    return safe_cell(str(value))


# What ``safe_cell`` guards against, as first characters: checked inline for text columns.
_FORMULA_FIRST = frozenset("=+-@\t\r")


def _utc_text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def _final_field(model, path: str):
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return model._meta.get_field(name)


def _column_plan(spec: KindSpec) -> tuple[list[int], list[tuple[int, object]]]:
    """Which export columns are text (only the formula guard applies) and, for the others,
    the function that writes their value; worked out once from the model's fields."""
    text, others = [], []
    for index, (_header, path) in enumerate(spec.export_fields):
        try:
            field = _final_field(spec.model, path)
        except Exception:  # noqa: BLE001 - a column that is not a plain field path
            others.append((index, cell))
            continue
        if isinstance(field, models.CharField | models.TextField):
            text.append(index)
        elif isinstance(field, models.BooleanField):
            others.append((index, cell))
        elif isinstance(field, models.DateTimeField):
            others.append((index, _utc_text))
        elif isinstance(field, models.DateField):
            others.append((index, dt.date.isoformat))
        elif isinstance(field, models.DecimalField):
            others.append((index, str))
        elif not isinstance(field, models.IntegerField):
            others.append((index, cell))
    return text, others


def _typed_plan(spec: KindSpec, zone) -> list[tuple[int, object]]:
    """For XLSX: per column that is not plain text, the function that turns its value into the
    typed cell value (dates as dates, times naive in ``zone``, numbers as numbers)."""

    def local(value: dt.datetime) -> dt.datetime:
        # Whole seconds: what the cell's format shows, and what a spreadsheet keeps exactly.
        return value.astimezone(zone).replace(tzinfo=None, microsecond=0)

    plan = []
    for index, (_header, path) in enumerate(spec.export_fields):
        try:
            field = _final_field(spec.model, path)
        except Exception:  # noqa: BLE001 - a column that is not a plain field path
            plan.append((index, str))
            continue
        if isinstance(field, models.DateTimeField):
            plan.append((index, local))
        elif isinstance(field, models.CharField | models.TextField | models.DateField):
            continue  # text and dates are written as they come
        elif not isinstance(field, models.BooleanField | models.DecimalField | models.IntegerField):
            plan.append((index, str))
    return plan


def export_rows_typed(spec: KindSpec, queryset, zone) -> Iterator[list]:
    """The rows of ``queryset`` as typed values for a workbook: no formula guard (an XLSX text
    cell is never evaluated), date and time values as such, times in ``zone``."""
    paths = [path for _header, path in spec.export_fields]
    plan = _typed_plan(spec, zone)
    for values in queryset.values_list(*paths).iterator(chunk_size=CHUNK):
        row = list(values)
        for i, write in plan:
            value = row[i]
            if value is not None:
                row[i] = write(value)
        yield row


def member_zone(member):
    """The zone a person reads times in (their profile's), UTC when it is not a known zone."""
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(member.user.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def zone_header(header: str, zone) -> str:
    """A date-and-time column's header names the zone of its (naive) values: ``occurred_at (Asia/Shanghai)``;
    the importer reads the zone back from it."""
    return f"{header} ({zone})"


def export_header_typed(spec: KindSpec, zone) -> list[str]:
    header = []
    for name, path in spec.export_fields:
        try:
            field = _final_field(spec.model, path)
        except Exception:  # noqa: BLE001
            field = None
        header.append(zone_header(name, zone) if isinstance(field, models.DateTimeField) else name)
    return header


def export_rows(spec: KindSpec, queryset) -> Iterator[list]:
    """The rows of ``queryset`` as cells (``cell`` for every value, with a fast path per type)."""
    paths = [path for _header, path in spec.export_fields]
    text, others = _column_plan(spec)
    first = _FORMULA_FIRST
    for values in queryset.values_list(*paths).iterator(chunk_size=CHUNK):
        row = list(values)
        for i in text:
            value = row[i]
            if value:
                if value[0] in first:
                    row[i] = "'" + value
            elif value is None:
                row[i] = ""
        for i, write in others:
            value = row[i]
            row[i] = "" if value is None else write(value)
        yield row


def export_header(spec: KindSpec) -> list[str]:
    return [header for header, _path in spec.export_fields]


class _Echo:
    def write(self, value):
        return value


def csv_chunks(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV text of ``header`` (guarded like any cell) and ``rows`` (already guarded)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([safe_cell(h) for h in header])
    buffer: list[str] = []
    for row in rows:
        buffer.append(writer.writerow(row))
        if len(buffer) >= 500:
            yield "".join(buffer)
            buffer = []
    if buffer:
        yield "".join(buffer)


# A workbook of one sheet, as Excel and openpyxl read it; cells are inline strings (or numbers),
# so the sheet is written row by row without a shared-strings table held in memory.
_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/>'
        "</Relationships>"
    ),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="8">'
        '<numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
        '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/>'
        + "".join(f'<numFmt numFmtId="{165 + p}" formatCode="0.{"0" * p}"/>' for p in range(1, 7))
        + "</numFmts>"
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="10"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        + "".join(
            f'<xf numFmtId="{n}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            for n in (164, 165, 1, 166, 167, 168, 169, 170, 171)
        )
        + "</cellXfs>"
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}
_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_END = "</sheetData></worksheet>"
# What XML text cannot hold as it is: markup characters, and control characters XML 1.0 forbids.
_XML_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: str) -> str:
    value = _XML_FORBIDDEN.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _column_letters(count: int) -> list[str]:
    letters = []
    for index in range(1, count + 1):
        name = ""
        while index:
            index, rest = divmod(index - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


# Excel counts days from 1899-12-30 (the 1900 leap-year bug included), fractions for the time.
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
# cellXfs indexes in styles.xml: 1 date, 2 date and time, 3 + n a number with n decimal places.
_STYLE_DATE, _STYLE_DATETIME, _STYLE_DECIMALS = 1, 2, 3


def _typed_cell(ref: str, value) -> str:
    """A non-text cell: a boolean, a number (decimals keep their places as a format), a date."""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - _EXCEL_EPOCH
        serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
        return f'<c r="{ref}" s="{_STYLE_DATETIME}"><v>{serial!r}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{ref}" s="{_STYLE_DATE}"><v>{(value - _EXCEL_EPOCH.date()).days}</v></c>'
    if isinstance(value, Decimal):
        places = min(max(-value.as_tuple().exponent, 0), 6) if value.is_finite() else 0
        return f'<c r="{ref}" s="{_STYLE_DECIMALS + places}"><v>{value:f}</v></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def xlsx_tempfile(header: list[str], rows: Iterable[list]):
    """An .xlsx of ``header`` and ``rows`` in a temporary file, written as the rows come."""
    letters = _column_letters(len(header))
    special = _XML_SPECIAL.search
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to FileResponse, which closes it
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        for name, text in _XLSX_PARTS.items():
            package.writestr(name, text)
        with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            buffer = [_SHEET_START]
            for number, row in enumerate(itertools.chain([header], rows), start=1):
                buffer.append(f'<row r="{number}">')
                for letter, value in zip(letters, row, strict=False):
                    if isinstance(value, str):
                        if value:
                            text = _xml_text(value) if special(value) else value
                            buffer.append(
                                f'<c r="{letter}{number}" t="inlineStr"><is>'
                                f'<t xml:space="preserve">{text}</t></is></c>'
                            )
                    elif value is not None:
                        buffer.append(_typed_cell(f"{letter}{number}", value))
                buffer.append("</row>")
                if len(buffer) > 20_000:
                    sheet.write("".join(buffer).encode())
                    buffer = []
            buffer.append(_SHEET_END)
            sheet.write("".join(buffer).encode())
    handle.seek(0)
    return handle


# RFC 6350 §3.2: a content line is folded so that no line is longer than 75 octets.
VCARD_LINE_OCTETS = 75


def fold_line(line: str, limit: int = VCARD_LINE_OCTETS) -> str:
    """``line`` folded at ``limit`` octets of UTF-8 (a continuation starts with one space, which
    counts), never inside a character; ends with CRLF."""
    data = line.encode()
    if len(data) <= limit:
        return line + "\r\n"
    parts, start, room = [], 0, limit
    while start < len(data):
        end = min(start + room, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1  # back off to the first byte of a character
        parts.append(data[start:end].decode())
        start, room = end, limit - 1
    return "\r\n ".join(parts) + "\r\n"


def _vtext(value: str) -> str:
    """A TEXT value escaped as RFC 6350 §3.4 says (backslash, comma, semicolon, newline)."""
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def vcard_name(row: dict) -> tuple[str, str, str, tuple[str, str]]:
    """(FN, family, given, (phonetic family, phonetic given)) for a contact: N carries the name in
    the script it was entered in; a Chinese name is N's and its pinyin goes to X-PHONETIC-*."""
    first, last, local = row["first_name"].strip(), row["last_name"].strip(), row["name_local"].strip()
    if has_cjk(first + last):
        return local or last + first, last, first, ("", "")
    if has_cjk(local):
        family, given = cjk_name_parts(local)
        return local, family, given, (last, first)
    western = " ".join(p for p in (first, last) if p)
    return local or western or row["email"] or "-", last, first, ("", "")


def _vcard(contact_row: dict) -> str:
    fn, family, given, (phonetic_family, phonetic_given) = vcard_name(contact_row)
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"N:{_vtext(family)};{_vtext(given)};;;", f"FN:{_vtext(fn)}"]
    if phonetic_family:
        lines.append(f"X-PHONETIC-LAST-NAME:{_vtext(phonetic_family)}")
    if phonetic_given:
        lines.append(f"X-PHONETIC-FIRST-NAME:{_vtext(phonetic_given)}")
    if contact_row["client__name"]:
        lines.append(f"ORG:{_vtext(contact_row['client__name'])}")
    if contact_row["title"]:
        lines.append(f"TITLE:{_vtext(contact_row['title'])}")
    for key in ("email", "email_secondary"):
        if contact_row[key]:
            lines.append(f"EMAIL;TYPE=INTERNET:{_vtext(contact_row[key])}")
    if contact_row["phone"]:
        lines.append(f"TEL;TYPE=WORK:{_vtext(contact_row['phone'])}")
    if contact_row["mobile"]:
        lines.append(f"TEL;TYPE=CELL:{_vtext(contact_row['mobile'])}")
    if contact_row["wechat"]:
        lines.append(f"X-WECHAT:{_vtext(contact_row['wechat'])}")
    if contact_row["notes"]:
        lines.append(f"NOTE:{_vtext(contact_row['notes'])}")
    lines.append("END:VCARD")
    return "".join(fold_line(line) for line in lines)


VCARD_FIELDS = (
    "first_name",
    "last_name",
    "name_local",
    "client__name",
    "title",
    "email",
    "email_secondary",
    "phone",
    "mobile",
    "wechat",
    "notes",
)


def vcard_chunks(contacts_queryset) -> Iterator[str]:
    buffer: list[str] = []
    for row in contacts_queryset.values(*VCARD_FIELDS).iterator(chunk_size=CHUNK):
        buffer.append(_vcard(row))
        if len(buffer) >= 200:
            yield "".join(buffer)
            buffer = []
    if buffer:
        yield "".join(buffer)


def _filename(kind: str, ext: str) -> str:
    return f"{kind}-{timezone.localdate().isoformat()}.{ext}"


def export_response(spec: KindSpec, queryset, file_format: str, *, zone=None) -> HttpResponse:
    """The file download for a kind's rows in ``file_format``; a workbook's times are in ``zone``
    (the exporting person's; UTC when not given), a CSV's in UTC with their offset."""
    if file_format not in FORMATS:
        raise ValidationError({"format": _("Choose csv, xlsx or vcf.")})
    if file_format == "vcf":
        if spec.key != "contacts":
            raise ValidationError({"format": _("Only contacts can be exported as vCard.")})
        response = StreamingHttpResponse(vcard_chunks(queryset), content_type="text/vcard; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{_filename(spec.key, "vcf")}"'
        return response
    if file_format == "xlsx":
        zone = zone or dt.UTC
        handle = xlsx_tempfile(export_header_typed(spec, zone), export_rows_typed(spec, queryset, zone))
        return FileResponse(
            handle,
            as_attachment=True,
            filename=_filename(spec.key, "xlsx"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response = StreamingHttpResponse(
        csv_chunks(export_header(spec), export_rows(spec, queryset)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(spec.key, "csv")}"'
    return response


def report_response(run, path, file_format: str) -> HttpResponse:
    """The rejected rows of an import as CSV (every cell, headers included, guarded against
    formulas) or XLSX (every cell a text cell, which a spreadsheet never evaluates)."""
    from .services import import_report_rows

    if file_format not in REPORT_FORMATS:
        raise ValidationError({"format": _("Choose csv or xlsx.")})
    rows = import_report_rows(path)
    header = next(rows, [])
    name = f"rejected-{run.kind}-{run.pk}.{file_format}"
    if file_format == "xlsx":
        numbered = ([int(r[0]) if r[:1] and r[0].isdigit() else r[0], *r[1:]] for r in rows if r)
        return FileResponse(
            xlsx_tempfile(header, numbered),
            as_attachment=True,
            filename=name,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    guarded = ([safe_cell(c) for c in row] for row in rows)
    response = StreamingHttpResponse(csv_chunks(header, guarded), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- calendar feed ------------------------------------------------------------------------------


def project_calendar(project) -> bytes:
    """Milestones (all-day) and meetings of a project as an iCalendar document."""
    from django.conf import settings
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Accord//Project calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{project.code} · {project.name}")
    host = settings.BASE_URL.split("://", 1)[-1].split("/", 1)[0] or "accord"
    now = timezone.now()
    for milestone in project.milestones.all().order_by("due_date", "id"):
        event = Event()
        event.add("uid", f"milestone-{milestone.pk}@{host}")
        event.add("dtstamp", now)
        event.add("summary", f"◆ {milestone.name}")
        event.add("dtstart", milestone.due_date)
        event.add("dtend", milestone.due_date + dt.timedelta(days=1))
        if milestone.description:
            event.add("description", milestone.description)
        event.add("categories", ["milestone"])
        cal.add_component(event)
    for event in _meeting_events(project):
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def _meeting_events(project) -> list:
    """The project's meetings as the meetings area writes them (time zone, recurrence, status)."""
    try:
        from accord.meetings.ics import meeting_event
        from accord.meetings.models import Meeting
    except ImportError:
        return []
    meetings = (
        Meeting.objects.filter(organization_id=project.organization_id, project=project)
        .select_related("organizer")
        .prefetch_related("agenda_items", "attendees")
        .order_by("starts_at", "id")[:2000]
    )
    return [meeting_event(meeting) for meeting in meetings]
