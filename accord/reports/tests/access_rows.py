"""Access matrix rows for every status-report URL and API operation."""

from tests.access.spec import API_READ, TEAM_READ, Row

from .factories import StatusReportFactory

TABLES = ("reports.StatusReport", "projects.Project", "comms.OutboxMessage")
MANAGE_FORM = {"anonymous": 302, "client": 302, "member": 403, "manager": 302, "admin": 302, "outsider": 404}
MANAGE_PAGE = {"anonymous": 302, "client": 302, "member": 403, "manager": 200, "admin": 200, "outsider": 404}
PORTAL_READ = {"anonymous": 302, "client": 200, "member": 302, "manager": 302, "admin": 302, "outsider": 404}
API_MANAGE = {"anonymous": 401, "client": 403, "member": 403, "manager": 200, "admin": 200, "outsider": 404}
API_MANAGE_CREATE = {**API_MANAGE, "manager": 201, "admin": 201}


def _project(world, project):
    return project


def _draft(world, project):
    return StatusReportFactory(project=project)


def _published(world, project):
    return StatusReportFactory(project=project, status="published", rag="amber")


ROWS = [
    Row("reports:list", make=_project, path=lambda p: f"/projects/{p.pk}/reports/", expect=TEAM_READ),
    Row(
        "reports:create",
        method="POST",
        make=_project,
        path=lambda p: f"/projects/{p.pk}/reports/new/",
        data=lambda p: {},
        expect=MANAGE_FORM,
        tables=TABLES,
    ),
    Row("reports:detail", make=_draft, path=lambda r: f"/reports/{r.pk}/", expect=TEAM_READ),
    Row("reports:edit", make=_draft, path=lambda r: f"/reports/{r.pk}/edit/", expect=MANAGE_PAGE),
    Row(
        "reports:edit",
        method="POST",
        make=_draft,
        path=lambda r: f"/reports/{r.pk}/edit/",
        data=lambda r: {"title": "Edited", "rag": "red", "summary": "Edited"},
        expect=MANAGE_FORM,
        tables=TABLES,
        note="a refused edit changes nothing",
    ),
    Row(
        "reports:preview",
        method="POST",
        make=_draft,
        path=lambda r: f"/reports/{r.pk}/preview/",
        data=lambda r: {"summary": "**x**"},
        expect=MANAGE_PAGE,
    ),
    Row(
        "reports:publish",
        method="POST",
        make=_draft,
        path=lambda r: f"/reports/{r.pk}/publish/",
        data=lambda r: {"rag": "red"},
        expect=MANAGE_FORM,
        tables=TABLES,
    ),
    Row(
        "reports:revise",
        method="POST",
        make=_published,
        path=lambda r: f"/reports/{r.pk}/revise/",
        expect=MANAGE_FORM,
        tables=TABLES,
    ),
    Row("reports:pdf", make=_draft, path=lambda r: f"/reports/{r.pk}/pdf/", expect=TEAM_READ),
    Row(
        "reports:portal_list",
        make=_project,
        path=lambda p: f"/portal/projects/{p.pk}/reports/",
        expect=PORTAL_READ,
        portal=True,
    ),
    Row(
        "reports:portal_detail",
        make=_published,
        path=lambda r: f"/portal/reports/{r.pk}/",
        expect=PORTAL_READ,
        portal=True,
    ),
    Row(
        "reports:portal_pdf",
        make=_published,
        path=lambda r: f"/portal/reports/{r.pk}/pdf/",
        expect=PORTAL_READ,
        portal=True,
    ),
    # API
    Row(
        "GET /api/v1/projects/{project_id}/reports",
        make=_project,
        path=lambda p: f"/api/v1/projects/{p.pk}/reports",
        expect=API_READ,
    ),
    Row(
        "POST /api/v1/projects/{project_id}/reports",
        make=_project,
        path=lambda p: f"/api/v1/projects/{p.pk}/reports",
        data=lambda p: {},
        expect=API_MANAGE_CREATE,
        tables=TABLES,
    ),
    Row(
        "GET /api/v1/reports/{report_id}",
        make=_draft,
        path=lambda r: f"/api/v1/reports/{r.pk}",
        expect=API_READ,
    ),
    Row(
        "PATCH /api/v1/reports/{report_id}",
        make=_draft,
        path=lambda r: f"/api/v1/reports/{r.pk}",
        data=lambda r: {"summary": "Changed"},
        expect=API_MANAGE,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/reports/{report_id}/publish",
        make=_draft,
        path=lambda r: f"/api/v1/reports/{r.pk}/publish",
        data=lambda r: {},
        expect=API_MANAGE,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/reports/{report_id}/revise",
        make=_published,
        path=lambda r: f"/api/v1/reports/{r.pk}/revise",
        data=lambda r: {},
        expect=API_MANAGE_CREATE,
        tables=TABLES,
    ),
    Row(
        "GET /api/v1/reports/{report_id}/audience",
        make=_draft,
        path=lambda r: f"/api/v1/reports/{r.pk}/audience",
        expect=API_READ,
    ),
    Row(
        "GET /api/v1/reports/{report_id}/pdf",
        make=_draft,
        path=lambda r: f"/api/v1/reports/{r.pk}/pdf",
        expect=API_READ,
    ),
]

# A client contact is turned away from team pages (to the portal) and from project-level API
# operations (403) before anything is looked up, in any organisation; an object of another
# organisation is a 404 to them like to everyone.
for _row in ROWS:
    is_api = _row.route.startswith(("GET ", "POST ", "PUT ", "PATCH ", "DELETE "))
    if not _row.portal and (not is_api or "{project_id}" in _row.route):
        _row.expect_foreign.setdefault("client", _row.expect["client"])
