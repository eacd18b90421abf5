from django.urls import reverse

from accord.changes.models import ChangeStatus
from accord.changes.tests.factories import ChangeRequestFactory, assessed
from accord.testing.factories import ContactFactory
from tests.access.spec import API_READ, TEAM_READ, Row

TEAM_POST = {"anonymous": 302, "client": 302, "member": 302, "manager": 302, "admin": 302, "outsider": 404}
TEAM_POST_MANAGE = {**TEAM_POST, "member": 403}
API_WRITE = {"anonymous": 401, "client": 403, "member": 200, "manager": 200, "admin": 200, "outsider": 404}
API_CREATE = {**API_WRITE, "member": 201, "manager": 201, "admin": 201}
CLIENT_OTHER_404 = {"client": 404}
CLIENT_FOREIGN_403 = {"client": 403}  # a client token is refused team operations before any lookup
TABLES = (
    "changes.ChangeRequest",
    "changes.Baseline",
    "changes.ChangeRequestMilestone",
    "projects.Project",
    "projects.Milestone",
)


def draft(world, project):
    return ChangeRequestFactory(
        project=project, requested_by=world.contact if project.client_id == world.client.pk else None
    )


def submitted(world, project):
    return ChangeRequestFactory(project=project, status=ChangeStatus.SUBMITTED)


def assessed_with_stakeholder(world, project):
    """Assessed, on a project that has a client stakeholder (for a recorded decision)."""
    contact = ContactFactory(client=project.client)
    project.contacts.add(contact)
    return assessed(project)


def approved(world, project):
    return ChangeRequestFactory(project=project, status=ChangeStatus.APPROVED)


def recorded_decision(change):
    contact = change.project.contacts.order_by("-pk").first()
    return {"contact_id": contact.pk, "approve": True, "name": "Li Na"}


ROWS = [
    Row(
        "changes:project_list",
        make=lambda w, p: p,
        path=lambda p: reverse("changes:project_list", args=[p.pk]),
        expect=TEAM_READ,
    ),
    Row(
        "changes:export_log",
        make=lambda w, p: p,
        path=lambda p: reverse("changes:export_log", args=[p.pk]),
        expect=TEAM_READ,
    ),
    Row(
        "changes:export_baselines",
        make=lambda w, p: p,
        path=lambda p: reverse("changes:export_baselines", args=[p.pk]),
        expect=TEAM_READ,
    ),
    Row(
        "changes:create",
        make=lambda w, p: p,
        path=lambda p: reverse("changes:create", args=[p.pk]),
        expect=TEAM_READ,
    ),
    Row(
        "changes:create",
        method="POST",
        make=lambda w, p: p,
        path=lambda p: reverse("changes:create", args=[p.pk]),
        data=lambda p: {"title": "Extra report", "description": "Monthly KPI report"},
        expect=TEAM_POST,
        tables=TABLES,
    ),
    Row(
        "changes:detail", make=draft, path=lambda c: reverse("changes:detail", args=[c.pk]), expect=TEAM_READ
    ),
    Row("changes:edit", make=draft, path=lambda c: reverse("changes:edit", args=[c.pk]), expect=TEAM_READ),
    Row(
        "changes:edit",
        method="POST",
        make=draft,
        path=lambda c: reverse("changes:edit", args=[c.pk]),
        data=lambda c: {"title": "Extra report v2", "requested_on": "2026-01-05"},
        expect=TEAM_POST,
        tables=TABLES,
    ),
    Row(
        "changes:submit",
        method="POST",
        make=draft,
        path=lambda c: reverse("changes:submit", args=[c.pk]),
        expect=TEAM_POST,
        tables=TABLES,
    ),
    Row(
        "changes:assess",
        make=submitted,
        path=lambda c: reverse("changes:assess", args=[c.pk]),
        expect=TEAM_READ,
    ),
    Row(
        "changes:assess",
        method="POST",
        make=submitted,
        path=lambda c: reverse("changes:assess", args=[c.pk]),
        data=lambda c: {"schedule_days": 3, "effort_hours": "12", "cost_amount": "800"},
        expect=TEAM_POST,
        tables=TABLES,
    ),
    Row(
        "changes:decision",
        make=assessed_with_stakeholder,
        path=lambda c: reverse("changes:decision", args=[c.pk]),
        expect={**TEAM_READ, "member": 403},
    ),
    Row(
        "changes:decision",
        method="POST",
        make=assessed_with_stakeholder,
        path=lambda c: reverse("changes:decision", args=[c.pk]),
        data=lambda c: {
            "contact": c.project.contacts.order_by("-pk").first().pk,
            "decision": "approve",
            "name": "Li Na",
        },
        expect=TEAM_POST_MANAGE,
        tables=TABLES,
    ),
    Row(
        "changes:implement",
        method="POST",
        make=approved,
        path=lambda c: reverse("changes:implement", args=[c.pk]),
        expect=TEAM_POST,
        tables=TABLES,
    ),
    # API
    Row("GET /api/v1/change-requests", expect={**API_READ, "client": 200, "outsider": 200}),
    Row(
        "POST /api/v1/projects/{project_id}/change-requests",
        make=lambda w, p: p,
        path=lambda p: f"/api/v1/projects/{p.pk}/change-requests",
        data=lambda p: {"title": "Extra report"},
        expect={**API_CREATE, "client": 201},
        expect_other_project=CLIENT_OTHER_404,
        tables=TABLES,
    ),
    Row(
        "GET /api/v1/change-requests/{change_id}",
        make=draft,
        path=lambda c: f"/api/v1/change-requests/{c.pk}",
        expect={**API_READ, "client": 200},
        expect_other_project=CLIENT_OTHER_404,
    ),
    Row(
        "PATCH /api/v1/change-requests/{change_id}",
        make=draft,
        path=lambda c: f"/api/v1/change-requests/{c.pk}",
        data=lambda c: {"title": "Renamed"},
        expect=API_WRITE,
        expect_other_project=CLIENT_OTHER_404,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/change-requests/{change_id}/submit",
        make=draft,
        path=lambda c: f"/api/v1/change-requests/{c.pk}/submit",
        expect=API_WRITE,
        expect_other_project=CLIENT_OTHER_404,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/change-requests/{change_id}/assessment",
        make=submitted,
        path=lambda c: f"/api/v1/change-requests/{c.pk}/assessment",
        data=lambda c: {"schedule_days": 2, "effort_hours": "4", "cost_amount": "300.50"},
        expect=API_WRITE,
        expect_other_project=CLIENT_OTHER_404,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/change-requests/{change_id}/decision",
        make=lambda w, p: assessed(p),
        path=lambda c: f"/api/v1/change-requests/{c.pk}/decision",
        data=lambda c: {"approve": True, "name": "Li Na", "comment": "OK"},
        # The shared fixture's client contact is a key user, not an approver (sponsor or
        # decision maker): refused. accord/portal/tests/test_identity.py covers approvers.
        expect={
            "anonymous": 401,
            "client": 403,
            "member": 403,
            "manager": 403,
            "admin": 403,
            "outsider": 404,
        },
        expect_other_project=CLIENT_OTHER_404,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/change-requests/{change_id}/recorded-decision",
        make=assessed_with_stakeholder,
        path=lambda c: f"/api/v1/change-requests/{c.pk}/recorded-decision",
        data=recorded_decision,
        expect={**API_WRITE, "member": 403},
        expect_other_project=CLIENT_OTHER_404,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/change-requests/{change_id}/implemented",
        make=approved,
        path=lambda c: f"/api/v1/change-requests/{c.pk}/implemented",
        expect=API_WRITE,
        expect_other_project=CLIENT_OTHER_404,
        tables=TABLES,
    ),
    Row(
        "GET /api/v1/projects/{project_id}/baselines",
        make=lambda w, p: p,
        path=lambda p: f"/api/v1/projects/{p.pk}/baselines",
        expect=API_READ,
        expect_foreign=CLIENT_FOREIGN_403,
    ),
    Row(
        "GET /api/v1/projects/{project_id}/change-log",
        make=lambda w, p: p,
        path=lambda p: f"/api/v1/projects/{p.pk}/change-log",
        expect=API_READ,
        expect_foreign=CLIENT_FOREIGN_403,
    ),
]

# A client contact is sent from every team page to the portal, whichever organisation the
# object belongs to (the redirect happens before any lookup).
for _row in ROWS:
    if " /" not in _row.route and _row.expect.get("client") == 302:
        _row.expect_foreign.setdefault("client", 302)

# The rows above act on a draft: a client contact does not see the team's drafts at all.
_ON_A_DRAFT = {
    "GET /api/v1/change-requests/{change_id}",
    "POST /api/v1/change-requests/{change_id}/submit",
    "PATCH /api/v1/change-requests/{change_id}",
}
for _row in ROWS:
    if _row.route in _ON_A_DRAFT:
        _row.expect = {**_row.expect, "client": 404}
