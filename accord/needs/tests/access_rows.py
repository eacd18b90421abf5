from django.urls import reverse

from accord.needs.tests.factories import NeedFactory
from tests.access.spec import API_READ, TEAM_READ, Row

TEAM_POST = {"anonymous": 302, "client": 302, "member": 302, "manager": 302, "admin": 302, "outsider": 404}
API_WRITE = {"anonymous": 401, "client": 403, "member": 200, "manager": 200, "admin": 200, "outsider": 404}
API_CREATE = {**API_WRITE, "member": 201, "manager": 201, "admin": 201}
API_DELETE = {**API_WRITE, "member": 204, "manager": 204, "admin": 204}
TABLES = ("needs.Need", "needs.NeedTask")


def need(world, project):
    return NeedFactory(project=project)


def need_data(_obj):
    return {"title": "Export to Excel", "priority": "should"}


ROWS = [
    Row(
        "needs:project_list",
        make=lambda w, p: p,
        path=lambda p: reverse("needs:project_list", args=[p.pk]),
        expect=TEAM_READ,
    ),
    Row(
        "needs:trace",
        make=lambda w, p: p,
        path=lambda p: reverse("needs:trace", args=[p.pk]),
        expect=TEAM_READ,
    ),
    Row(
        "needs:create",
        make=lambda w, p: p,
        path=lambda p: reverse("needs:create", args=[p.pk]),
        expect=TEAM_READ,
    ),
    Row(
        "needs:create",
        method="POST",
        make=lambda w, p: p,
        path=lambda p: reverse("needs:create", args=[p.pk]),
        data=need_data,
        expect=TEAM_POST,
        tables=TABLES,
    ),
    Row("needs:detail", make=need, path=lambda n: reverse("needs:detail", args=[n.pk]), expect=TEAM_READ),
    Row("needs:edit", make=need, path=lambda n: reverse("needs:edit", args=[n.pk]), expect=TEAM_READ),
    Row(
        "needs:edit",
        method="POST",
        make=need,
        path=lambda n: reverse("needs:edit", args=[n.pk]),
        data=need_data,
        expect=TEAM_POST,
        tables=TABLES,
    ),
    Row(
        "needs:status",
        method="POST",
        make=need,
        path=lambda n: reverse("needs:status", args=[n.pk]),
        data=lambda n: {"status": "agreed"},
        expect=TEAM_POST,
        tables=TABLES,
    ),
    Row("needs:delete", make=need, path=lambda n: reverse("needs:delete", args=[n.pk]), expect=TEAM_READ),
    Row(
        "needs:delete",
        method="POST",
        make=need,
        path=lambda n: reverse("needs:delete", args=[n.pk]),
        expect=TEAM_POST,
        tables=TABLES,
    ),
    Row(
        "GET /api/v1/projects/{project_id}/needs",
        expect_foreign={"client": 403},  # project_for_user refuses a client token before the lookup
        make=lambda w, p: p,
        path=lambda p: f"/api/v1/projects/{p.pk}/needs",
        expect=API_READ,
    ),
    Row(
        "POST /api/v1/projects/{project_id}/needs",
        expect_foreign={"client": 403},  # project_for_user refuses a client token before the lookup
        make=lambda w, p: p,
        path=lambda p: f"/api/v1/projects/{p.pk}/needs",
        data=need_data,
        expect=API_CREATE,
        tables=TABLES,
    ),
    Row("GET /api/v1/needs/{need_id}", make=need, path=lambda n: f"/api/v1/needs/{n.pk}", expect=API_READ),
    Row(
        "PATCH /api/v1/needs/{need_id}",
        make=need,
        path=lambda n: f"/api/v1/needs/{n.pk}",
        data=lambda n: {"business_goal": "Faster month-end close"},
        expect=API_WRITE,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/needs/{need_id}/status",
        make=need,
        path=lambda n: f"/api/v1/needs/{n.pk}/status",
        data=lambda n: {"status": "agreed"},
        expect=API_WRITE,
        tables=TABLES,
    ),
    Row(
        "DELETE /api/v1/needs/{need_id}",
        make=need,
        path=lambda n: f"/api/v1/needs/{n.pk}",
        expect=API_DELETE,
        tables=TABLES,
    ),
]

# A client contact is sent from every team page to the portal, whichever organisation the
# object belongs to (the redirect happens before any lookup).
for _row in ROWS:
    if " /" not in _row.route and _row.expect.get("client") == 302:
        _row.expect_foreign.setdefault("client", 302)
