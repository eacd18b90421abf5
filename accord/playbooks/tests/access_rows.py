from django.urls import reverse

from accord.playbooks.models import ProjectTemplate
from accord.playbooks.services import builtin_templates_load
from tests.access.spec import TEAM_READ, Row

ORG_READ = {**TEAM_READ, "outsider": 200}
MANAGERS = {"anonymous": 302, "client": 302, "member": 403, "manager": 200, "admin": 200, "outsider": 200}
MANAGERS_POST = {**MANAGERS, "manager": 302, "admin": 302, "outsider": 302}
TEAM_POST_MANAGE = {
    "anonymous": 302,
    "client": 302,
    "member": 403,
    "manager": 302,
    "admin": 302,
    "outsider": 404,
}
API_ORG_READ = {"anonymous": 401, "client": 403, "member": 200, "manager": 200, "admin": 200, "outsider": 200}
TABLES = ("playbooks.ProjectTemplate", "projects.Project", "projects.Milestone", "risks.Risk", "needs.Need")


def builtin(world):
    builtin_templates_load()  # idempotent; the data migration is skipped under --nomigrations
    return ProjectTemplate.objects.get(organization=None, key="consulting-engagement")


def own_template(world, project):
    """An organisation template of the project's organisation."""
    return ProjectTemplate.objects.create(
        organization_id=project.organization_id,
        key=f"own-{project.pk}",
        name={"en": "Own"},
        milestones=[
            {"offset_days": 5, "name": {"en": "Kick-off"}},
            {"offset_days": 40, "name": {"en": "Go-live"}},
        ],
    )


def item_url(name, *args):
    """The URL of an item editor page of the organisation template ``make`` built."""
    return lambda t: reverse(f"playbooks:{name}", args=[t.pk, *args])


MANAGE_FORM = {**TEAM_READ, "member": 403}


def use_data(world):
    return {"client": world.client.pk, "code": "TPL-1", "name": "From template", "start_date": "2026-03-02"}


ROWS = [
    Row("playbooks:list", expect=ORG_READ),
    Row(
        "playbooks:detail", path=lambda w: reverse("playbooks:detail", args=[builtin(w).pk]), expect=ORG_READ
    ),
    Row(
        "playbooks:detail",
        make=own_template,
        path=lambda t: reverse("playbooks:detail", args=[t.pk]),
        expect=TEAM_READ,
        expect_other_project={"member": 200},
        note="templates belong to the organisation, not to a project",
    ),
    Row("playbooks:use", path=lambda w: reverse("playbooks:use", args=[builtin(w).pk]), expect=MANAGERS),
    Row(
        "playbooks:use",
        method="POST",
        path=lambda w: reverse("playbooks:use", args=[builtin(w).pk]),
        data=use_data,
        expect={**MANAGERS_POST, "outsider": 422},
        tables=TABLES,
        note="the outsider names a client of another organisation: refused on the field",
    ),
    Row(
        "playbooks:delete",
        make=own_template,
        path=lambda t: reverse("playbooks:delete", args=[t.pk]),
        expect={**TEAM_READ, "member": 403},
        expect_other_project={"member": 403},
    ),
    Row(
        "playbooks:delete",
        method="POST",
        make=own_template,
        path=lambda t: reverse("playbooks:delete", args=[t.pk]),
        expect=TEAM_POST_MANAGE,
        expect_other_project={"member": 403},
        tables=TABLES,
    ),
    Row(
        "playbooks:save_from_project",
        make=lambda w, p: p,
        path=lambda p: reverse("playbooks:save_from_project", args=[p.pk]),
        expect={**TEAM_READ, "member": 403},
    ),
    Row(
        "playbooks:save_from_project",
        method="POST",
        make=lambda w, p: p,
        path=lambda p: reverse("playbooks:save_from_project", args=[p.pk]),
        data=lambda p: {"name": "Our ERP playbook"},
        expect=TEAM_POST_MANAGE,
        tables=TABLES,
    ),
    Row(
        "playbooks:duplicate",
        path=lambda w: reverse("playbooks:duplicate", args=[builtin(w).pk]),
        expect=MANAGERS,
    ),
    Row(
        "playbooks:duplicate",
        method="POST",
        path=lambda w: reverse("playbooks:duplicate", args=[builtin(w).pk]),
        data=lambda w: {"name_en": "Our consulting"},
        expect=MANAGERS_POST,
        tables=TABLES,
        note="built-in templates are everyone's to copy",
    ),
    Row(
        "playbooks:duplicate",
        make=own_template,
        path=lambda t: reverse("playbooks:duplicate", args=[t.pk]),
        expect=MANAGE_FORM,
        expect_other_project={"member": 403},
    ),
    Row(
        "playbooks:duplicate",
        method="POST",
        make=own_template,
        path=lambda t: reverse("playbooks:duplicate", args=[t.pk]),
        data=lambda t: {"name_en": "Own, again"},
        expect=TEAM_POST_MANAGE,
        expect_other_project={"member": 403},
        tables=TABLES,
    ),
    Row(
        "playbooks:item_add",
        make=own_template,
        path=item_url("item_add", "milestones"),
        expect=MANAGE_FORM,
        expect_other_project={"member": 403},
    ),
    Row(
        "playbooks:item_add",
        method="POST",
        make=own_template,
        path=item_url("item_add", "risks"),
        data=lambda t: {
            "title_en": "Key user leaves",
            "category": "resources",
            "probability": 2,
            "impact": 4,
        },
        expect=TEAM_POST_MANAGE,
        expect_other_project={"member": 403},
        tables=TABLES,
    ),
    Row(
        "playbooks:item_edit",
        make=own_template,
        path=item_url("item_edit", "milestones", 1),
        expect=MANAGE_FORM,
        expect_other_project={"member": 403},
    ),
    Row(
        "playbooks:item_edit",
        method="POST",
        make=own_template,
        path=item_url("item_edit", "milestones", 1),
        data=lambda t: {"name_en": "Launch", "offset_days": 45},
        expect=TEAM_POST_MANAGE,
        expect_other_project={"member": 403},
        tables=TABLES,
    ),
    Row(
        "playbooks:item_delete",
        make=own_template,
        path=item_url("item_delete", "milestones", 0),
        expect=MANAGE_FORM,
        expect_other_project={"member": 403},
    ),
    Row(
        "playbooks:item_delete",
        method="POST",
        make=own_template,
        path=item_url("item_delete", "milestones", 0),
        expect=TEAM_POST_MANAGE,
        expect_other_project={"member": 403},
        tables=TABLES,
    ),
    Row(
        "playbooks:item_move",
        method="POST",
        make=own_template,
        path=item_url("item_move", "milestones", 1),
        data=lambda t: {"to": 0},
        expect=TEAM_POST_MANAGE,
        expect_other_project={"member": 403},
        tables=TABLES,
    ),
    # API
    Row("GET /api/v1/project-templates", expect=API_ORG_READ),
    Row(
        "GET /api/v1/project-templates/{template_id}",
        make=own_template,
        path=lambda t: f"/api/v1/project-templates/{t.pk}",
        expect={**API_ORG_READ, "outsider": 404},
        expect_other_project={"member": 200},
        expect_foreign={"client": 403},
    ),
    Row(
        "PATCH /api/v1/project-templates/{template_id}",
        make=own_template,
        path=lambda t: f"/api/v1/project-templates/{t.pk}",
        data=lambda t: {"duration_days": 30},
        expect={
            "anonymous": 401,
            "client": 403,
            "member": 403,
            "manager": 200,
            "admin": 200,
            "outsider": 404,
        },
        expect_other_project={"member": 403},
        expect_foreign={"client": 403},
        tables=TABLES,
    ),
    Row(
        "DELETE /api/v1/project-templates/{template_id}",
        make=own_template,
        path=lambda t: f"/api/v1/project-templates/{t.pk}",
        expect={
            "anonymous": 401,
            "client": 403,
            "member": 403,
            "manager": 204,
            "admin": 204,
            "outsider": 404,
        },
        expect_other_project={"member": 403},
        expect_foreign={"client": 403},
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/project-templates/{template_id}/projects",
        path=lambda w: f"/api/v1/project-templates/{builtin(w).pk}/projects",
        data=lambda w: {
            "client_id": w.client.pk,
            "code": "TPL-2",
            "name": "From template",
            "start_date": "2026-03-02",
        },
        expect={
            "anonymous": 401,
            "client": 403,
            "member": 403,
            "manager": 201,
            "admin": 201,
            "outsider": 422,
        },
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/project-templates/{template_id}/duplicate",
        make=own_template,
        path=lambda t: f"/api/v1/project-templates/{t.pk}/duplicate",
        data=lambda t: {"name": {"en": "Own, again"}},
        expect={
            "anonymous": 401,
            "client": 403,
            "member": 403,
            "manager": 201,
            "admin": 201,
            "outsider": 404,
        },
        expect_other_project={"member": 403},
        expect_foreign={"client": 403},
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/projects/{project_id}/save-as-template",
        make=lambda w, p: p,
        path=lambda p: f"/api/v1/projects/{p.pk}/save-as-template",
        data=lambda p: {"name": "Our playbook"},
        expect={
            "anonymous": 401,
            "client": 403,
            "member": 403,
            "manager": 201,
            "admin": 201,
            "outsider": 404,
        },
        expect_foreign={"client": 403},
        tables=TABLES,
    ),
]

# A client contact is sent from every team page to the portal, whichever organisation the
# object belongs to (the redirect happens before any lookup).
for _row in ROWS:
    if " /" not in _row.route and _row.expect.get("client") == 302:
        _row.expect_foreign.setdefault("client", 302)
