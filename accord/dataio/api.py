"""REST API for imports (/api/v1/imports …) and exports (/api/v1/exports/{kind}).

Upload a file as multipart (fields ``kind``, ``file``, optional ``default_client_id``), read the
detected columns and the suggested mapping, preview with a mapping and a duplicates policy,
then run. Exports take ``format`` and the same filters as the list pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from accord.core.pagination import ListPage, PageQuery, keyset_page
from accord.core.schemas import Error
from accord.crm.models import Client
from accord.tenancy.access import require_project_manager, require_team

from . import exports, selectors, services
from .kinds import spec_for
from .models import ImportRun, ImportStatus
from .uploads import read_upload

router = Router(tags=["import and export"])

ERRORS = {400: Error, 403: Error, 404: Error, 413: Error, 422: Error}


class ImportRunOut(Schema):
    id: int
    kind: str
    status: str
    file_format: str
    original_name: str
    encoding: str
    delimiter: str
    headers: list[str]
    mapping: dict[str, str]
    duplicates: str
    default_client_id: int | None
    total_rows: int
    processed_rows: int
    created_count: int
    updated_count: int
    skipped_count: int
    rejected_count: int
    error: str
    report_url: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_report_url(obj) -> str | None:
        if not obj.report_path:
            return None
        return reverse("api:dataio_import_report", kwargs={"run_id": obj.pk})

    @staticmethod
    def resolve_processed_rows(obj) -> int:
        return services.read_progress(obj)


class ImportRunPage(ListPage):
    items: list[ImportRunOut]
    next_cursor: str | None


class ImportConfigIn(Schema):
    mapping: dict[str, str] | None = Field(
        None, description="Column index (as a string) → field key; omit to keep the current mapping."
    )
    duplicates: Literal["skip", "update"] = "skip"
    default_client_id: int | None = None


class PreviewRowOut(Schema):
    row: int
    values: dict[str, str]
    problems: list[str]
    notes: list[str]
    duplicate_of: int | None


class PreviewOut(Schema):
    total: int
    valid: int
    invalid: int
    duplicates: int
    new: int
    to_create: int
    to_update: int
    skipped: int
    rows: list[PreviewRowOut]


class ExportQuery(Schema):
    format: Literal["csv", "xlsx", "vcf"] = "csv"
    q: str | None = Field(None, max_length=100)
    status: str | None = Field(None, max_length=20)
    industry: str | None = Field(None, max_length=20)
    tag: str | None = Field(None, max_length=50)
    client: str | None = Field(None, max_length=20)
    role: str | None = Field(None, max_length=20)
    project: str | None = Field(None, max_length=20)
    kind: str | None = Field(None, max_length=20)
    since: str | None = Field(None, max_length=10)
    until: str | None = Field(None, max_length=10)
    assignee: str | None = Field(None, max_length=20)
    category: str | None = Field(None, max_length=20)


def _run(member, run_id: int) -> ImportRun:
    return selectors.import_run_get(member, run_id)


def _client(member, client_id):
    if client_id is None:
        return None
    client = Client.objects.filter(organization_id=member.organization_id, pk=client_id).first()
    if client is None:
        raise ValidationError({"default_client_id": _("Choose a client of your organisation.")})
    return client


_MULTIPART = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["kind", "file"],
                    "properties": {
                        "kind": {
                            "type": "string",
                            "enum": ["clients", "contacts", "interactions", "tasks", "risks"],
                        },
                        "file": {"type": "string", "format": "binary"},
                        "default_client_id": {"type": "integer"},
                    },
                }
            }
        },
    }
}


@router.post("/imports", response={201: ImportRunOut, **ERRORS}, openapi_extra=_MULTIPART)
def import_upload(request):
    """Upload a CSV, XLSX or vCard file; returns what was detected and the suggested column mapping."""
    member = require_project_manager(request.auth)
    upload, too_large = read_upload(request)
    if too_large:
        raise HttpError(413, services.too_large_message())
    kind = request.POST.get("kind", "")
    raw_client = request.POST.get("default_client_id") or None
    try:
        client_id = int(raw_client) if raw_client else None
    except ValueError:
        raise ValidationError({"default_client_id": _("Choose a client of your organisation.")}) from None
    if kind not in ("clients", "contacts", "interactions", "tasks", "risks"):
        raise ValidationError({"kind": _("Choose clients, contacts, interactions, tasks or risks.")})
    try:
        spec_for(kind)
    except Http404:
        raise ValidationError(
            {"kind": _("Choose clients, contacts, interactions, tasks or risks.")}
        ) from None
    run = services.import_run_create(
        actor=member, kind=kind, upload=upload, default_client=_client(member, client_id)
    )
    return Status(201, run)


@router.get("/imports", response={200: ImportRunPage, **ERRORS})
def import_list(request, page: Query[PageQuery]):
    return keyset_page(selectors.import_run_list(request.auth), page)


@router.get("/imports/{run_id}", response={200: ImportRunOut, **ERRORS})
def import_detail(request, run_id: int):
    return _run(request.auth, run_id)


def _configure(member, run, payload: ImportConfigIn):
    if run.status != ImportStatus.UPLOADED:
        return run
    return services.import_run_configure(
        actor=member,
        run=run,
        mapping=payload.mapping if payload.mapping is not None else run.mapping,
        duplicates=payload.duplicates,
        default_client=_client(member, payload.default_client_id)
        if payload.default_client_id is not None
        else run.default_client,
    )


@router.post("/imports/{run_id}/preview", response={200: PreviewOut, **ERRORS})
def import_preview(request, run_id: int, payload: ImportConfigIn):
    """Check every row with this mapping without writing anything."""
    member = request.auth
    run = _run(member, run_id)
    if run.status != ImportStatus.UPLOADED:
        raise ValidationError(_("This import has already run: upload the file again to import it once more."))
    run = _configure(member, run, payload)
    return services.import_preview(actor=member, run=run).as_dict()


@router.post("/imports/{run_id}/run", response={200: ImportRunOut, 202: ImportRunOut, **ERRORS})
def import_execute(request, run_id: int, payload: ImportConfigIn):
    """Import: small files at once (200), larger ones in the background (202; poll the run)."""
    member = request.auth
    run = _run(member, run_id)
    if run.status != ImportStatus.UPLOADED:
        raise ValidationError(_("This import has already run: upload the file again to import it once more."))
    run = _configure(member, run, payload)
    run = services.import_run_start(actor=member, run=run)
    return Status(200 if run.is_finished else 202, run)


@router.get("/imports/{run_id}/report", response={200: None, **ERRORS}, url_name="dataio_import_report")
def import_report(request, run_id: int, format: Literal["csv", "xlsx"] = "csv"):  # noqa: A002
    """The rejected rows with their problems, as CSV or XLSX."""
    run = _run(request.auth, run_id)
    path = services.import_report_path(run)
    if path is None:
        raise Http404
    return exports.report_response(run, path, format)


@router.get("/exports/{kind}", response={200: None, **ERRORS})
def export(request, kind: str, query: Query[ExportQuery]):
    """Clients, contacts, interactions, tasks or risks as CSV, XLSX or (contacts) vCard."""
    member = require_team(request.auth)
    spec = spec_for(kind)
    params = {k: v for k, v in query.dict().items() if v is not None and k != "format"}
    return exports.export_response(
        spec, spec.export_queryset(member, params), query.format, zone=exports.member_zone(member)
    )
