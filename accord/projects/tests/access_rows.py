import datetime as dt

from django.urls import reverse

from accord.testing import factories as f
from tests.access.spec import API_READ, TEAM_READ, Row

TEAM_POST = {"anonymous": 302, "client": 302, "member": 302, "manager": 302, "admin": 302, "outsider": 404}
TEAM_POST_MANAGE = {**TEAM_POST, "member": 403}
TEAM_READ_MANAGE = {**TEAM_READ, "member": 403}
ORG_LIST = {**TEAM_READ, "outsider": 200}
API_WRITE = {"anonymous": 401, "client": 403, "member": 200, "manager": 200, "admin": 200, "outsider": 404}
API_CREATE = {**API_WRITE, "member": 201, "manager": 201, "admin": 201}
API_DELETE = {**API_WRITE, "member": 204, "manager": 204, "admin": 204}
API_MANAGE = {**API_WRITE, "member": 403}
API_MANAGE_DELETE = {**API_DELETE, "member": 403}
TABLES = ("projects.Project", "projects.Milestone", "projects.Task")


def project(world, p):
    return p


def milestone(world, p):
    return f.MilestoneFactory(project=p)


def task(world, p):
    return f.TaskFactory(project=p)


def day(n=0):
    return (dt.date.today() + dt.timedelta(days=n)).isoformat()


def project_form(world):
    return {
        "client": world.client.pk,
        "code": "ACC-1",
        "name": "Access check",
        "manager": world.manager.pk,
        "start_date": day(),
        "end_date": day(30),
        "currency": "EUR",
        "status": "active",
        "rag": "green",
    }


def project_edit_form(p):
    return {
        "client": p.client_id,
        "code": p.code,
        "name": "Renamed",
        "manager": p.manager_id,
        "start_date": p.start_date.isoformat(),
        "end_date": p.end_date.isoformat(),
        "currency": "EUR",
        "status": "active",
        "rag": "amber",
    }


def milestone_form(_obj):
    return {"name": "Design signed off", "due_date": day(10), "status": "planned"}


def task_form(_obj):
    return {"title": "Prepare workshop", "status": "todo", "kind": "task"}


def web(name, make, *, method="GET", expect=TEAM_READ, data=None):
    return Row(
        f"projects:{name}",
        method=method,
        make=make,
        path=lambda obj: reverse(f"projects:{name}", args=[obj.pk]),
        data=data,
        expect=expect,
        # client contacts are sent to the portal before any lookup
        expect_foreign={"client": 302},
        tables=TABLES if method == "POST" else (),
    )


def api(route, make, *, expect=API_READ, data=None):
    method, path = route.split(" ", 1)
    field = path[path.index("{") + 1 : path.index("}")] if "{" in path else None
    return Row(
        f"{method} /api/v1{path}",
        make=make,
        path=(lambda obj: "/api/v1" + path.replace("{" + field + "}", str(obj.pk))) if field else None,
        data=data,
        expect=expect,
        # project_for_user refuses a client token before the lookup
        expect_foreign={"client": 403} if field == "project_id" else {},
        tables=TABLES if method != "GET" else (),
    )


ROWS = [
    Row("projects:list", expect=ORG_LIST),
    Row("projects:create", expect={**TEAM_READ, "member": 403, "outsider": 200}),
    Row(
        "projects:stakeholder_choices",
        # Another organisation's client id lists nothing (the contacts are filtered by organisation).
        path=lambda w: f"/projects/new/stakeholders/?client={w.client.pk}",
        expect={**TEAM_READ, "outsider": 200},
    ),
    Row(
        "projects:create",
        method="POST",
        data=project_form,
        # the outsider's form refuses a client of another organisation (re-rendered with errors)
        expect={**TEAM_POST, "member": 403, "outsider": 422},
        tables=TABLES,
    ),
    web("detail", project),
    web("edit", project, expect=TEAM_READ_MANAGE),
    web("edit", project, method="POST", expect=TEAM_POST_MANAGE, data=project_edit_form),
    web("close", project, method="POST", expect=TEAM_POST_MANAGE),
    web("delete", project, expect=TEAM_READ_MANAGE),
    web("delete", project, method="POST", expect=TEAM_POST_MANAGE),
    web("milestones", project),
    web("milestone_create", project),
    web("milestone_create", project, method="POST", expect=TEAM_POST, data=milestone_form),
    web("tasks", project),
    web("task_create", project),
    web("task_create", project, method="POST", expect=TEAM_POST, data=task_form),
    web("board", project),
    web("milestone_edit", milestone),
    web("milestone_edit", milestone, method="POST", expect=TEAM_POST, data=milestone_form),
    web("milestone_complete", milestone, method="POST", expect=TEAM_POST),
    web("milestone_delete", milestone),
    web("milestone_delete", milestone, method="POST", expect=TEAM_POST),
    web("task_detail", task),
    web("task_edit", task),
    web("task_edit", task, method="POST", expect=TEAM_POST, data=task_form),
    web("task_move", task, method="POST", expect=TEAM_POST, data=lambda t: {"status": "doing"}),
    web("task_delete", task),
    web("task_delete", task, method="POST", expect=TEAM_POST),
    # API
    Row("GET /api/v1/projects", expect={**API_READ, "outsider": 200}),
    Row(
        "POST /api/v1/projects",
        data=lambda w: {
            "client_id": w.client.pk,
            "code": "ACC-API",
            "name": "Access check",
            "start_date": day(),
            "end_date": day(30),
        },
        # the outsider names a client of another organisation: 422 on client_id
        expect={**API_CREATE, "member": 403, "outsider": 422},
        tables=TABLES,
    ),
    api("GET /projects/{project_id}", project),
    api("PATCH /projects/{project_id}", project, expect=API_MANAGE, data=lambda p: {"rag": "amber"}),
    api("DELETE /projects/{project_id}", project, expect=API_MANAGE_DELETE),
    api("GET /projects/{project_id}/milestones", project),
    api(
        "POST /projects/{project_id}/milestones",
        project,
        expect=API_CREATE,
        data=lambda p: {"name": "Go-live", "due_date": day(20)},
    ),
    api("GET /milestones/{milestone_id}", milestone),
    api("PATCH /milestones/{milestone_id}", milestone, expect=API_WRITE, data=lambda m: {"status": "done"}),
    api("DELETE /milestones/{milestone_id}", milestone, expect=API_DELETE),
    Row("GET /api/v1/tasks", expect={**API_READ, "outsider": 200}),
    api("GET /projects/{project_id}/tasks", project),
    api(
        "POST /projects/{project_id}/tasks",
        project,
        expect=API_CREATE,
        data=lambda p: {"title": "Draft agenda"},
    ),
    api("GET /tasks/{task_id}", task),
    api("PATCH /tasks/{task_id}", task, expect=API_WRITE, data=lambda t: {"status": "done"}),
    api("DELETE /tasks/{task_id}", task, expect=API_DELETE),
]
