import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from accord.core.pagination import ListPage, PageQuery, keyset_page
from accord.core.schemas import Error
from accord.tenancy.access import project_for_user, project_object_for_user

from . import selectors, services
from .models import MAX_SECTION_CHARS, StatusReport
from .pdf import pdf_download, report_language
from .texts import reason_text

router = Router(tags=["reports"])


class ReportOut(Schema):
    id: int
    project_id: int
    version: int
    revised_from_id: int | None
    title: str
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date | None
    status: str
    rag: str
    suggested_rag: str
    rag_reasons: list[str]
    summary: str
    progress: str
    milestones: str
    completed: str
    challenges: str
    next_steps: str
    budget: str
    snapshot: dict
    published_at: dt.datetime | None

    @staticmethod
    def resolve_rag_reasons(obj):
        return [reason_text(r) for r in (obj.snapshot or {}).get("rag_reasons", [])]


class ReportListItem(Schema):
    id: int
    project_id: int
    version: int
    title: str
    period_start: dt.date
    period_end: dt.date
    status: str
    rag: str
    published_at: dt.datetime | None


class ReportPage(ListPage):
    items: list[ReportListItem]
    next_cursor: str | None


class ReportCreate(Schema):
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    language: str | None = Field(None, max_length=10, description="en or zh-hans; default: the client's")


class ReportPatch(Schema):
    title: str | None = Field(None, max_length=200)
    rag: str | None = None
    summary: str | None = Field(None, max_length=MAX_SECTION_CHARS)
    progress: str | None = Field(None, max_length=MAX_SECTION_CHARS)
    milestones: str | None = Field(None, max_length=MAX_SECTION_CHARS)
    completed: str | None = Field(None, max_length=MAX_SECTION_CHARS)
    challenges: str | None = Field(None, max_length=MAX_SECTION_CHARS)
    next_steps: str | None = Field(None, max_length=MAX_SECTION_CHARS)
    budget: str | None = Field(None, max_length=MAX_SECTION_CHARS)


class PublishIn(Schema):
    rag: str | None = None
    audience: str | None = Field(
        None,
        max_length=64,
        description="The fingerprint from GET …/audience: refused if the list changed since",
    )


class AudienceContact(Schema):
    contact_id: int
    name: str
    email: str
    language: str


class AudienceSkipped(Schema):
    contact_id: int
    name: str
    reason: str


class AudienceOut(Schema):
    plan_item_id: int | None
    plan_item_purpose: str
    recipients: list[AudienceContact]
    skipped: list[AudienceSkipped]
    fingerprint: str


@router.get("/projects/{project_id}/reports", response={200: ReportPage, 404: Error})
def list_reports(request, project_id: int, page: Query[PageQuery]):
    project = project_for_user(request.auth, project_id)
    return keyset_page(selectors.report_list(project.status_reports.all()), page)


@router.post("/projects/{project_id}/reports", response={201: ReportOut, 403: Error, 404: Error, 422: Error})
def create_report(request, project_id: int, payload: ReportCreate):
    project = project_for_user(request.auth, project_id)
    report = services.status_report_draft(
        actor=request.auth,
        project=project,
        period_start=payload.period_start,
        period_end=payload.period_end,
        language=payload.language,
    )
    return Status(201, report)


def _report(request, report_id, **kwargs) -> StatusReport:
    return project_object_for_user(request.auth, StatusReport.objects.all(), report_id, **kwargs)


@router.get("/reports/{report_id}", response={200: ReportOut, 404: Error})
def get_report(request, report_id: int):
    return _report(request, report_id)


@router.patch("/reports/{report_id}", response={200: ReportOut, 403: Error, 404: Error, 422: Error})
def patch_report(request, report_id: int, payload: ReportPatch):
    report = _report(request, report_id)
    return services.status_report_update(
        actor=request.auth, report=report, data=payload.model_dump(exclude_unset=True)
    )


@router.post("/reports/{report_id}/publish", response={200: ReportOut, 403: Error, 404: Error, 422: Error})
def publish_report(request, report_id: int, payload: PublishIn):
    report = _report(request, report_id)
    return services.status_report_publish(
        actor=request.auth, report=report, rag=payload.rag, audience=payload.audience
    )


@router.get("/reports/{report_id}/audience", response={200: AudienceOut, 404: Error})
def report_audience(request, report_id: int):
    """Who publishing the report now would e-mail, and who not (and why)."""
    report = _report(request, report_id)
    audience = selectors.report_audience(report.project)
    item = audience.plan_item
    return {
        "plan_item_id": item.pk if item else None,
        "plan_item_purpose": item.purpose if item else "",
        "recipients": [
            {"contact_id": c.pk, "name": c.display_name, "email": c.email, "language": c.language}
            for c in audience.recipients
        ],
        "skipped": [
            {"contact_id": c.pk, "name": c.display_name, "reason": str(reason)}
            for c, reason in audience.skipped
        ],
        "fingerprint": audience.fingerprint,
    }


@router.post("/reports/{report_id}/revise", response={201: ReportOut, 403: Error, 404: Error, 422: Error})
def revise_report(request, report_id: int):
    report = _report(request, report_id)
    return Status(201, services.status_report_revise(actor=request.auth, report=report))


@router.get("/reports/{report_id}/pdf", response={200: None, 404: Error})
def report_pdf_download(request, report_id: int, lang: Literal["en", "zh-hans", "zh"] | None = None):
    """The report as a PDF in one language: ``lang`` (``zh`` stands for ``zh-hans``), else the
    report's own. Content-Language and the file name say which."""
    report = _report(request, report_id)
    language = "zh-hans" if lang == "zh" else lang
    return pdf_download(report, language or report_language(report))
