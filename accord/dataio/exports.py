"""Exports: CSV (UTF-8 with BOM, so Excel shows Chinese), XLSX and vCard, streamed; ICS feeds.

Rows are read with ``values_list(...).iterator(chunk_size=...)`` so memory stays flat for any
number of rows, and every text cell gets ``safe_cell``'s guard against formula injection. The
XLSX sheet is written row by row straight into its zip member (inline strings, no shared
strings table), as fast as the CSV.
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

from .kinds import KindSpec

CHUNK = 2000
FORMATS = ("csv", "xlsx", "vcf")


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
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
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
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
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
                        buffer.append(f'<c r="{letter}{number}"><v>{value}</v></c>')
                buffer.append("</row>")
                if len(buffer) > 20_000:
                    sheet.write("".join(buffer).encode())
                    buffer = []
            buffer.append(_SHEET_END)
            sheet.write("".join(buffer).encode())
    handle.seek(0)
    return handle


def _vcard(contact_row: dict) -> str:
    import vobject

    card = vobject.vCard()
    western = " ".join(p for p in (contact_row["first_name"], contact_row["last_name"]) if p)
    card.add("n").value = vobject.vcard.Name(family=contact_row["last_name"], given=contact_row["first_name"])
    card.add("fn").value = contact_row["name_local"] or western or contact_row["email"] or "-"
    if contact_row["client__name"]:
        card.add("org").value = [contact_row["client__name"]]
    if contact_row["title"]:
        card.add("title").value = contact_row["title"]
    for key in ("email", "email_secondary"):
        if contact_row[key]:
            email = card.add("email")
            email.value = contact_row[key]
            email.type_param = "INTERNET"
    if contact_row["phone"]:
        tel = card.add("tel")
        tel.value = contact_row["phone"]
        tel.type_param = "WORK"
    if contact_row["mobile"]:
        tel = card.add("tel")
        tel.value = contact_row["mobile"]
        tel.type_param = "CELL"
    if contact_row["wechat"]:
        card.add("x-wechat").value = contact_row["wechat"]
    if contact_row["notes"]:
        card.add("note").value = contact_row["notes"]
    return card.serialize()


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


def export_response(spec: KindSpec, queryset, file_format: str) -> HttpResponse:
    """The file download for a kind's rows in ``file_format``."""
    if file_format not in FORMATS:
        raise ValidationError({"format": _("Choose csv, xlsx or vcf.")})
    if file_format == "vcf":
        if spec.key != "contacts":
            raise ValidationError({"format": _("Only contacts can be exported as vCard.")})
        response = StreamingHttpResponse(vcard_chunks(queryset), content_type="text/vcard; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{_filename(spec.key, "vcf")}"'
        return response
    header = export_header(spec)
    if file_format == "xlsx":
        handle = xlsx_tempfile(header, export_rows(spec, queryset))
        return FileResponse(
            handle,
            as_attachment=True,
            filename=_filename(spec.key, "xlsx"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response = StreamingHttpResponse(
        csv_chunks(header, export_rows(spec, queryset)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(spec.key, "csv")}"'
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
