from django.urls import reverse

from accord.risks.tests.factories import ContingencyActionFactory, RiskFactory
from tests.access.spec import API_READ, TEAM_READ, Row

TEAM_POST = {"anonymous": 302, "client": 302, "member": 302, "manager": 302, "admin": 302, "outsider": 404}
TEAM_POST_MANAGE = {**TEAM_POST, "member": 403}
ORG_LIST = {**TEAM_READ, "outsider": 200}
API_WRITE = {"anonymous": 401, "client": 403, "member": 200, "manager": 200, "admin": 200, "outsider": 404}
API_CREATE = {**API_WRITE, "member": 201, "manager": 201, "admin": 201}
API_DELETE = {**API_WRITE, "member": 403, "manager": 204, "admin": 204}
API_ACTION_DELETE = {**API_WRITE, "member": 204, "manager": 204, "admin": 204}
TABLES = ("risks.Risk", "risks.ContingencyAction", "risks.RiskScoreChange", "projects.Task")


def risk(world, project):
    return RiskFactory(project=project, owner=world.member)


def action(world, project):
    return ContingencyActionFactory(risk=RiskFactory(project=project), owner=world.member)


def risk_data(_obj):
    return {"title": "Vendor late", "category": "schedule", "probability": 3, "impact": 4}


ROWS = [
    Row("risks:queue", expect=ORG_LIST),
    Row(
        "risks:project_list",
        make=lambda w, p: p,
        path=lambda p: reverse("risks:project_list", args=[p.pk]),
        expect=TEAM_READ,
    ),
    Row(
        "risks:create",
        make=lambda w, p: p,
        path=lambda p: reverse("risks:create", args=[p.pk]),
        expect=TEAM_READ,
    ),
    Row(
        "risks:create",
        method="POST",
        make=lambda w, p: p,
        path=lambda p: reverse("risks:create", args=[p.pk]),
        data=risk_data,
        expect=TEAM_POST,
        tables=TABLES,
    ),
    Row("risks:detail", make=risk, path=lambda r: reverse("risks:detail", args=[r.pk]), expect=TEAM_READ),
    Row("risks:edit", make=risk, path=lambda r: reverse("risks:edit", args=[r.pk]), expect=TEAM_READ),
    Row(
        "risks:edit",
        method="POST",
        make=risk,
        path=lambda r: reverse("risks:edit", args=[r.pk]),
        data=risk_data,
        expect=TEAM_POST,
        tables=TABLES,
    ),
    Row(
        "risks:delete",
        make=risk,
        path=lambda r: reverse("risks:delete", args=[r.pk]),
        expect={**TEAM_READ, "member": 403},
    ),
    Row(
        "risks:delete",
        method="POST",
        make=risk,
        path=lambda r: reverse("risks:delete", args=[r.pk]),
        expect=TEAM_POST_MANAGE,
        tables=TABLES,
    ),
    Row(
        "risks:status",
        method="POST",
        make=risk,
        path=lambda r: reverse("risks:status", args=[r.pk]),
        data=lambda r: {"status": "monitoring"},
        expect=TEAM_POST,
        tables=TABLES,
    ),
    Row(
        "risks:review",
        method="POST",
        make=risk,
        path=lambda r: reverse("risks:review", args=[r.pk]),
        data=lambda r: {"next_review_on": "2099-01-01", "note": "checked"},
        expect=TEAM_POST,
        tables=TABLES,
    ),
    Row(
        "risks:to_tasks",
        method="POST",
        make=risk,
        path=lambda r: reverse("risks:to_tasks", args=[r.pk]),
        expect=TEAM_POST,
        tables=TABLES,
    ),
    Row(
        "risks:to_change",
        method="POST",
        make=risk,
        path=lambda r: reverse("risks:to_change", args=[r.pk]),
        expect=TEAM_POST,
        tables=(*TABLES, "changes.ChangeRequest"),
    ),
    Row(
        "risks:action_create",
        method="POST",
        make=risk,
        path=lambda r: reverse("risks:action_create", args=[r.pk]),
        data=lambda r: {"description": "Call the backup vendor"},
        expect=TEAM_POST,
        tables=TABLES,
    ),
    Row(
        "risks:action_toggle",
        method="POST",
        make=action,
        path=lambda a: reverse("risks:action_toggle", args=[a.pk]),
        expect=TEAM_POST,
        tables=TABLES,
    ),
    Row(
        "risks:action_delete",
        method="POST",
        make=action,
        path=lambda a: reverse("risks:action_delete", args=[a.pk]),
        expect=TEAM_POST,
        tables=TABLES,
    ),
    # API
    Row("GET /api/v1/risks", expect={**API_READ, "outsider": 200}),
    Row(
        "POST /api/v1/projects/{project_id}/risks",
        expect_foreign={"client": 403},  # project_for_user refuses a client token before the lookup
        make=lambda w, p: p,
        path=lambda p: f"/api/v1/projects/{p.pk}/risks",
        data=risk_data,
        expect=API_CREATE,
        tables=TABLES,
    ),
    Row(
        "GET /api/v1/projects/{project_id}/risk-heat-map",
        expect_foreign={"client": 403},  # project_for_user refuses a client token before the lookup
        make=lambda w, p: p,
        path=lambda p: f"/api/v1/projects/{p.pk}/risk-heat-map",
        expect=API_READ,
    ),
    Row("GET /api/v1/risks/{risk_id}", make=risk, path=lambda r: f"/api/v1/risks/{r.pk}", expect=API_READ),
    Row(
        "PATCH /api/v1/risks/{risk_id}",
        make=risk,
        path=lambda r: f"/api/v1/risks/{r.pk}",
        data=lambda r: {"impact": 5, "note": "worse"},
        expect=API_WRITE,
        tables=TABLES,
    ),
    Row(
        "DELETE /api/v1/risks/{risk_id}",
        make=risk,
        path=lambda r: f"/api/v1/risks/{r.pk}",
        expect=API_DELETE,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/risks/{risk_id}/status",
        make=risk,
        path=lambda r: f"/api/v1/risks/{r.pk}/status",
        data=lambda r: {"status": "occurred"},
        expect=API_WRITE,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/risks/{risk_id}/review",
        make=risk,
        path=lambda r: f"/api/v1/risks/{r.pk}/review",
        data=lambda r: {"next_review_on": "2099-01-01"},
        expect=API_WRITE,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/risks/{risk_id}/to-tasks",
        make=risk,
        path=lambda r: f"/api/v1/risks/{r.pk}/to-tasks",
        expect=API_CREATE,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/risks/{risk_id}/to-change-request",
        make=risk,
        path=lambda r: f"/api/v1/risks/{r.pk}/to-change-request",
        expect=API_CREATE,
        tables=(*TABLES, "changes.ChangeRequest"),
    ),
    Row(
        "GET /api/v1/risks/{risk_id}/score-changes",
        make=risk,
        path=lambda r: f"/api/v1/risks/{r.pk}/score-changes",
        expect=API_READ,
    ),
    Row(
        "POST /api/v1/risks/{risk_id}/actions",
        make=risk,
        path=lambda r: f"/api/v1/risks/{r.pk}/actions",
        data=lambda r: {"description": "Escalate to the sponsor"},
        expect=API_CREATE,
        tables=TABLES,
    ),
    Row(
        "PATCH /api/v1/risk-actions/{action_id}",
        make=action,
        path=lambda a: f"/api/v1/risk-actions/{a.pk}",
        data=lambda a: {"done": True},
        expect=API_WRITE,
        tables=TABLES,
    ),
    Row(
        "DELETE /api/v1/risk-actions/{action_id}",
        make=action,
        path=lambda a: f"/api/v1/risk-actions/{a.pk}",
        expect=API_ACTION_DELETE,
        tables=TABLES,
    ),
]

# A client contact is sent from every team page to the portal, whichever organisation the
# object belongs to (the redirect happens before any lookup).
for _row in ROWS:
    if " /" not in _row.route and _row.expect.get("client") == 302:
        _row.expect_foreign.setdefault("client", 302)
