"""Access matrix rows for the import / export pages, project feeds and API (tests/access/spec.py).

Import runs belong to the organisation, not to a project: the member is refused (403) on every
project alike, and owners, admins and managers reach every run of their organisation.
"""

from __future__ import annotations

import io

from django.urls import reverse

from accord.dataio import services
from accord.dataio.models import ImportRun, ProjectFeed
from tests.access.spec import API_READ, TEAM_READ, Row

IMPORT_TABLES = ("dataio.ImportRun", "crm.Client")
ORG_PAGE = {"anonymous": 302, "client": 302, "member": 200, "manager": 200, "admin": 200, "outsider": 200}
MANAGERS_PAGE = {
    "anonymous": 302,
    "client": 302,
    "member": 403,
    "manager": 200,
    "admin": 200,
    "outsider": 200,
}
MANAGERS_POST = {
    "anonymous": 302,
    "client": 302,
    "member": 403,
    "manager": 302,
    "admin": 302,
    "outsider": 302,
}
RUN_PAGE = {"anonymous": 302, "client": 302, "member": 403, "manager": 200, "admin": 200, "outsider": 404}
RUN_POST = {"anonymous": 302, "client": 302, "member": 403, "manager": 302, "admin": 302, "outsider": 404}
ORG_WIDE = {"member": 403}

API_MANAGERS = {"anonymous": 401, "client": 403, "member": 403, "manager": 200, "admin": 200, "outsider": 200}
API_RUN = {"anonymous": 401, "client": 403, "member": 403, "manager": 200, "admin": 200, "outsider": 404}
# The matrix sends JSON, so the upload has no file: a 422 that says so, after the access check.
API_UPLOAD = {"anonymous": 401, "client": 403, "member": 403, "manager": 422, "admin": 422, "outsider": 422}


class RewindingFile(io.BytesIO):
    """An upload the test client can send once per role (it is read again from the start)."""

    def __init__(self, name: str, content: bytes):
        super().__init__(content)
        self.name = name

    def read(self, *args):
        self.seek(0)
        return super().read(*args)


def _admin_of(world, project):
    user = world.admin if project.organization_id == world.org.pk else world.outsider
    return world.memberships[user.pk]


def _run(world, project, *, report: bool = False) -> ImportRun:
    from django.core.files.uploadedfile import SimpleUploadedFile

    member = _admin_of(world, project)
    content = "name,currency\nMatrix client,EUR\n" + ("Rejected client,XXXX\n" if report else "")
    run = services.import_run_create(
        actor=member, kind="clients", upload=SimpleUploadedFile("matrix.csv", content.encode())
    )
    run = services.import_run_configure(actor=member, run=run, mapping=run.mapping, duplicates="skip")
    if report:
        run = services.import_run_execute(run_id=run.pk)
    return run


def _run_with_report(world, project):
    return _run(world, project, report=True)


def _feed(world, project) -> ProjectFeed:
    return services.project_feed_get(project=project)


def _project(world, project):
    return project


ROWS = [
    Row("dataio:hub", expect=ORG_PAGE),
    Row(
        "dataio:import_upload",
        path=lambda w: reverse("dataio:import_upload", args=["contacts"]),
        expect=MANAGERS_PAGE,
    ),
    Row(
        "dataio:import_upload",
        method="POST",
        path=lambda w: reverse("dataio:import_upload", args=["clients"]),
        data=lambda w: {"file": RewindingFile("clients.csv", b"name\nMatrix upload\n")},
        expect=MANAGERS_POST,
        tables=("dataio.ImportRun",),
    ),
    Row(
        "dataio:export",
        path=lambda w: reverse("dataio:export", args=["clients"]) + "?format=csv",
        expect=ORG_PAGE,
    ),
    Row(
        "dataio:import_map",
        make=_run,
        path=lambda run: reverse("dataio:import_map", args=[run.pk]),
        expect=RUN_PAGE,
        expect_other_project=ORG_WIDE,
    ),
    Row(
        "dataio:import_map",
        method="POST",
        make=_run,
        path=lambda run: reverse("dataio:import_map", args=[run.pk]),
        data=lambda run: {"col_0": "name", "col_1": "currency", "duplicates": "update"},
        expect=RUN_POST,
        expect_other_project=ORG_WIDE,
        tables=("dataio.ImportRun",),
    ),
    Row(
        "dataio:import_preview",
        make=_run,
        path=lambda run: reverse("dataio:import_preview", args=[run.pk]),
        expect=RUN_PAGE,
        expect_other_project=ORG_WIDE,
    ),
    Row(
        "dataio:import_execute",
        method="POST",
        make=_run,
        path=lambda run: reverse("dataio:import_execute", args=[run.pk]),
        expect=RUN_POST,
        expect_other_project=ORG_WIDE,
        tables=IMPORT_TABLES,
    ),
    Row(
        "dataio:import_result",
        make=_run,
        path=lambda run: reverse("dataio:import_result", args=[run.pk]),
        expect=RUN_PAGE,
        expect_other_project=ORG_WIDE,
    ),
    Row(
        "dataio:import_progress",
        make=_run,
        path=lambda run: reverse("dataio:import_progress", args=[run.pk]),
        expect=RUN_PAGE,
        expect_other_project=ORG_WIDE,
    ),
    Row(
        "dataio:import_report",
        make=_run_with_report,
        path=lambda run: reverse("dataio:import_report", args=[run.pk]),
        expect=RUN_PAGE,
        expect_other_project=ORG_WIDE,
    ),
    Row(
        "dataio:project_contacts_vcf",
        make=_project,
        path=lambda p: reverse("dataio:project_contacts_vcf", args=[p.pk]),
        expect=TEAM_READ,
    ),
    Row(
        "dataio:project_feeds",
        make=_project,
        path=lambda p: reverse("dataio:project_feeds", args=[p.pk]),
        expect=TEAM_READ,
    ),
    Row(
        "dataio:project_feed_rotate",
        method="POST",
        make=_project,
        path=lambda p: reverse("dataio:project_feed_rotate", args=[p.pk]),
        expect={
            "anonymous": 302,
            "client": 302,
            "member": 403,
            "manager": 302,
            "admin": 302,
            "outsider": 404,
        },
        tables=("dataio.ProjectFeed",),
    ),
    Row(
        "dataio:project_ics",
        make=_feed,
        path=lambda feed: reverse("dataio:project_ics", args=[feed.token]),
        expect=dict.fromkeys(("anonymous", "client", "member", "manager", "admin", "outsider"), 200),
        expect_other_project={"member": 200, "client": 200},
        expect_foreign=dict.fromkeys(("client", "member", "manager", "admin"), 200),
        note="The secret address is the credential: whoever has it reads the calendar.",
    ),
    # API
    Row("POST /api/v1/imports", expect=API_UPLOAD, tables=("dataio.ImportRun",)),
    Row("GET /api/v1/imports", expect=API_MANAGERS),
    Row(
        "GET /api/v1/imports/{run_id}",
        make=_run,
        path=lambda run: f"/api/v1/imports/{run.pk}",
        expect=API_RUN,
        expect_other_project=ORG_WIDE,
    ),
    Row(
        "POST /api/v1/imports/{run_id}/preview",
        make=_run,
        path=lambda run: f"/api/v1/imports/{run.pk}/preview",
        data=lambda run: {"mapping": {"0": "name"}, "duplicates": "skip"},
        expect=API_RUN,
        expect_other_project=ORG_WIDE,
        tables=("dataio.ImportRun",),
    ),
    Row(
        "POST /api/v1/imports/{run_id}/run",
        make=_run,
        path=lambda run: f"/api/v1/imports/{run.pk}/run",
        data=lambda run: {"duplicates": "skip"},
        expect=API_RUN,
        expect_other_project=ORG_WIDE,
        tables=IMPORT_TABLES,
    ),
    Row(
        "GET /api/v1/imports/{run_id}/report",
        make=_run_with_report,
        path=lambda run: f"/api/v1/imports/{run.pk}/report",
        expect=API_RUN,
        expect_other_project=ORG_WIDE,
    ),
    Row(
        "GET /api/v1/exports/{kind}",
        path=lambda w: "/api/v1/exports/contacts?format=csv",
        expect={**API_READ, "outsider": 200},
    ),
]

# Client contacts are sent to the portal before any lookup, whatever organisation the object is in.
for _row in ROWS:
    if (
        _row.make is not None
        and not _row.route.startswith(("GET /", "POST /"))
        and _row.route != "dataio:project_ics"
    ):
        _row.expect_foreign.setdefault("client", _row.expect["client"])
