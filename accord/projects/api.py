"""REST API of projects, milestones and tasks (/api/v1/projects, /milestones, /tasks).

Operations call the same services as the pages. Ids in a body naming another organisation's
objects (client_id, manager_id, team_ids, contact_ids, milestone_id, assignee_id) are refused
with 422 on that field; ids in the path are 404.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.db.models import QuerySet
from ninja import Field, Query, Router, Schema, Status

from accord.core.apikit import short
from accord.core.pagination import ListPage, PageQuery, keyset_page
from accord.core.schemas import Error, FlatOut
from accord.tenancy.access import (
    in_visible_projects,
    project_for_user,
    project_object_for_user,
    projects_for_user,
    require_team,
)

from . import selectors, services
from .models import Milestone, MilestoneStatus, Project, ProjectStatus, Rag, Task, TaskKind, TaskStatus

router = Router(tags=["projects"])

ERRORS = {401: Error, 403: Error, 404: Error, 422: Error}


Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]
Hours = Annotated[Decimal, Field(max_digits=8, decimal_places=2)]


# --- schemas --------------------------------------------------------------------------------


class ProjectOut(FlatOut):  # its ids and progress: _with_member_ids
    id: int
    code: str
    name: str
    client_id: int
    manager_id: int | None
    team_ids: list[int]
    contact_ids: list[int]
    description: str
    start_date: dt.date
    end_date: dt.date
    actual_end_date: dt.date | None
    budget_amount: Decimal | None
    currency: str
    status: ProjectStatus
    rag: Rag
    progress: int = Field(description="Share of tasks done, 0–100.")
    milestone_progress: int = Field(description="Share of milestones reached, 0–100.")
    tasks_total: int
    tasks_done: int
    tasks_overdue: int
    milestones_total: int
    milestones_done: int
    created_at: dt.datetime
    updated_at: dt.datetime


class ProjectPage(ListPage):
    items: list[ProjectOut]
    next_cursor: str | None


class ProjectFields(Schema):
    manager_id: int | None = Field(None, description="A team member of your organisation (default: you).")
    team_ids: list[int] | None = Field(None, max_length=500)
    contact_ids: list[int] | None = Field(
        None, max_length=500, description="Contacts of the project's client."
    )
    description: short(50000) | None = None
    budget_amount: Money | None = None
    currency: short(3) | None = Field(None, description="ISO 4217 code; default: the client's currency.")
    status: ProjectStatus | None = None
    rag: Rag | None = None


class ProjectIn(ProjectFields):
    client_id: int
    code: short(30)
    name: short(200)
    start_date: dt.date
    end_date: dt.date


class ProjectPatch(ProjectFields):
    client_id: int | None = None
    code: short(30) | None = None
    name: short(200) | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    actual_end_date: dt.date | None = None


class ProjectFilters(Schema):
    status: ProjectStatus | None = None
    client_id: int | None = None
    manager_id: int | None = None
    rag: Rag | None = None
    q: str | None = Field(None, max_length=200, description="Text in the code, name, client or description.")


class MilestoneOut(Schema):
    id: int
    project_id: int
    name: str
    description: str
    due_date: dt.date
    baseline_due_date: dt.date | None
    completed_on: dt.date | None
    status: MilestoneStatus
    client_visible: bool
    slip_days: int
    is_overdue: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class MilestonePage(ListPage):
    items: list[MilestoneOut]
    next_cursor: str | None


class MilestoneIn(Schema):
    name: short(200)
    due_date: dt.date
    description: short(20000) = ""
    client_visible: bool = True
    status: MilestoneStatus = MilestoneStatus.PLANNED


class MilestonePatch(Schema):
    name: short(200) | None = None
    due_date: dt.date | None = None
    description: short(20000) | None = None
    client_visible: bool | None = None
    status: MilestoneStatus | None = None
    completed_on: dt.date | None = None


class TaskOut(FlatOut):
    id: int
    project_id: int
    milestone_id: int | None
    title: str
    description: str
    status: TaskStatus
    kind: TaskKind
    assignee_id: int | None
    due_date: dt.date | None
    estimate_hours: Decimal | None
    spent_hours: Decimal
    done_on: dt.date | None
    client_visible: bool
    position: int
    is_overdue: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class TaskPage(ListPage):
    items: list[TaskOut]
    next_cursor: str | None


class TaskFields(Schema):
    description: short(50000) | None = None
    assignee_id: int | None = None
    due_date: dt.date | None = None
    estimate_hours: Hours | None = Field(None, ge=0)
    milestone_id: int | None = None
    client_visible: bool | None = None
    kind: TaskKind | None = None


class TaskIn(TaskFields):
    title: short(300)
    status: TaskStatus = TaskStatus.TODO


class TaskPatch(TaskFields):
    title: short(300) | None = None
    status: TaskStatus | None = Field(None, description="Changing it moves the task to that board column.")
    position: int | None = Field(None, ge=0, le=100000, description="Place within the column (0 = top).")
    spent_hours: Hours | None = Field(None, ge=0)


class TaskFilters(Schema):
    status: TaskStatus | None = None
    assignee_id: int | None = None
    milestone_id: int | None = None
    overdue: bool | None = Field(None, description="Only open tasks past their due date.")
    due_before: dt.date | None = None
    q: str | None = Field(None, max_length=200)


class TaskListFilters(TaskFilters):
    project_id: int | None = None


# --- helpers --------------------------------------------------------------------------------

# Keys whose null means "leave unchanged" (they cannot be empty).
REQUIRED_ON_PATCH = {"client", "code", "name", "start_date", "end_date", "currency", "status", "rag", "title"}


def _values(payload: Schema, *, exclude_unset: bool) -> dict:
    data = payload.dict(exclude_unset=exclude_unset)
    renamed = {}
    for key, value in data.items():
        if key.endswith("_ids"):
            key = {"team_ids": "team", "contact_ids": "contacts"}[key]
            value = value or []
        elif key.endswith("_id"):
            key = key[:-3]
        if value is None and key in REQUIRED_ON_PATCH:
            continue
        if value is None and key in ("description",):
            value = ""
        if value is None and key in ("client_visible", "kind"):
            continue
        renamed[key] = value
    return renamed


def _projects(member) -> QuerySet[Project]:
    # The schema shows ids only: no client or manager rows (team and contacts: _with_member_ids).
    return selectors.project_list(projects_for_user(member)).select_related(None)


def _with_member_ids(projects: list[Project]) -> list[Project]:
    """Set ``team_ids`` and ``contact_ids`` (sorted) on ``projects``: one query per link table,
    no user or contact rows and no related manager per project (a prefetch costs more than the ids);
    and their ``progress`` and ``milestone_progress``."""
    if not projects:
        return projects
    selectors.with_progress(projects)
    ids = [p.pk for p in projects]
    team: dict[int, list[int]] = {pk: [] for pk in ids}
    contacts: dict[int, list[int]] = {pk: [] for pk in ids}
    links = (
        (team, Project.team.through.objects.values_list("project_id", "user_id")),
        (contacts, Project.contacts.through.objects.values_list("project_id", "contact_id")),
    )
    for found, rows in links:
        for project_id, other_id in rows.filter(project_id__in=ids):
            found[project_id].append(other_id)
    for project in projects:
        project.team_ids = sorted(team[project.pk])
        project.contact_ids = sorted(contacts[project.pk])
    return projects


def _project_out(member, pk) -> Project:
    return _with_member_ids([_projects(member).get(pk=pk)])[0]


# --- projects -------------------------------------------------------------------------------


@router.get("/projects", response={200: ProjectPage, **ERRORS}, summary="List projects")
def projects_list(request, filters: Query[ProjectFilters], page: Query[PageQuery]):
    member = require_team(request.auth)
    qs = selectors.project_filter(
        _projects(member),
        status=filters.status or "",
        client_id=filters.client_id,
        manager_id=filters.manager_id,
        rag=filters.rag or "",
        q=filters.q or "",
    )
    result = keyset_page(qs, page, q=filters.q)
    _with_member_ids(result["items"])
    return result


@router.post("/projects", response={201: ProjectOut, **ERRORS}, summary="Create a project")
def projects_create(request, payload: ProjectIn):
    member = require_team(request.auth)
    data = _values(payload, exclude_unset=False)
    if data.get("manager") is None:
        data.pop("manager", None)
    project = services.project_create(actor=member, **data)
    return Status(201, _project_out(member, project.pk))


@router.get("/projects/{project_id}", response={200: ProjectOut, **ERRORS}, summary="One project")
def projects_get(request, project_id: int):
    member = request.auth
    project = project_for_user(member, project_id)
    return _project_out(member, project.pk)


@router.patch("/projects/{project_id}", response={200: ProjectOut, **ERRORS}, summary="Change a project")
def projects_update(request, project_id: int, payload: ProjectPatch):
    member = request.auth
    project = project_for_user(member, project_id, manage=True)
    services.project_update(actor=member, project=project, **_values(payload, exclude_unset=True))
    return _project_out(member, project.pk)


@router.delete("/projects/{project_id}", response={204: None, **ERRORS}, summary="Delete a project")
def projects_delete(request, project_id: int):
    member = request.auth
    project = project_for_user(member, project_id, manage=True)
    services.project_delete(actor=member, project=project)
    return Status(204, None)


# --- milestones -----------------------------------------------------------------------------


@router.get(
    "/projects/{project_id}/milestones",
    response={200: MilestonePage, **ERRORS},
    summary="List a project's milestones",
)
def milestones_list(request, project_id: int, page: Query[PageQuery]):
    member = request.auth
    project = project_for_user(member, project_id)
    return keyset_page(
        Milestone.objects.filter(organization_id=member.organization_id, project=project), page
    )


@router.post(
    "/projects/{project_id}/milestones", response={201: MilestoneOut, **ERRORS}, summary="Add a milestone"
)
def milestones_create(request, project_id: int, payload: MilestoneIn):
    member = request.auth
    project = project_for_user(member, project_id, write=True)
    milestone = services.milestone_create(actor=member, project=project, **payload.dict())
    return Status(201, milestone)


@router.get("/milestones/{milestone_id}", response={200: MilestoneOut, **ERRORS}, summary="One milestone")
def milestones_get(request, milestone_id: int):
    return project_object_for_user(request.auth, Milestone.objects.all(), milestone_id)


@router.patch(
    "/milestones/{milestone_id}",
    response={200: MilestoneOut, **ERRORS},
    summary="Change a milestone (status done marks it reached)",
)
def milestones_update(request, milestone_id: int, payload: MilestonePatch):
    member = request.auth
    milestone = project_object_for_user(member, Milestone.objects.all(), milestone_id, write=True)
    data = payload.dict(exclude_unset=True)
    for key in ("name", "due_date", "status", "client_visible"):
        if key in data and data[key] is None:
            data.pop(key)
    if "description" in data and data["description"] is None:
        data["description"] = ""
    return services.milestone_update(actor=member, milestone=milestone, **data)


@router.delete("/milestones/{milestone_id}", response={204: None, **ERRORS}, summary="Delete a milestone")
def milestones_delete(request, milestone_id: int):
    member = request.auth
    milestone = project_object_for_user(member, Milestone.objects.all(), milestone_id, write=True)
    services.milestone_delete(actor=member, milestone=milestone)
    return Status(204, None)


# --- tasks ----------------------------------------------------------------------------------


def _task_filter(qs, filters: TaskFilters):
    return selectors.task_filter(
        qs,
        status=filters.status or "",
        assignee_id=filters.assignee_id,
        milestone_id=filters.milestone_id,
        overdue=bool(filters.overdue),
        due_before=filters.due_before,
        q=filters.q or "",
    )


@router.get("/tasks", response={200: TaskPage, **ERRORS}, summary="List tasks of every project you see")
def tasks_list_all(request, filters: Query[TaskListFilters], page: Query[PageQuery]):
    member = require_team(request.auth)
    qs = in_visible_projects(Task.objects.all(), member)
    if filters.project_id is not None:
        qs = qs.filter(project_id=filters.project_id)
    return keyset_page(_task_filter(qs, filters), page, q=filters.q)


@router.get(
    "/projects/{project_id}/tasks", response={200: TaskPage, **ERRORS}, summary="List a project's tasks"
)
def tasks_list(request, project_id: int, filters: Query[TaskFilters], page: Query[PageQuery]):
    member = request.auth
    project = project_for_user(member, project_id)
    qs = Task.objects.filter(organization_id=member.organization_id, project=project)
    return keyset_page(_task_filter(qs, filters), page, q=filters.q)


@router.post("/projects/{project_id}/tasks", response={201: TaskOut, **ERRORS}, summary="Add a task")
def tasks_create(request, project_id: int, payload: TaskIn):
    member = request.auth
    project = project_for_user(member, project_id, write=True)
    task = services.task_create(actor=member, project=project, **_values(payload, exclude_unset=True))
    return Status(201, task)


@router.get("/tasks/{task_id}", response={200: TaskOut, **ERRORS}, summary="One task")
def tasks_get(request, task_id: int):
    return project_object_for_user(request.auth, Task.objects.all(), task_id)


@router.patch(
    "/tasks/{task_id}",
    response={200: TaskOut, **ERRORS},
    summary="Change a task (a new status moves it on the board)",
)
def tasks_update(request, task_id: int, payload: TaskPatch):
    member = request.auth
    task = project_object_for_user(member, Task.objects.all(), task_id, write=True)
    data = _values(payload, exclude_unset=True)
    status = data.pop("status", None)
    position = data.pop("position", None)
    if "spent_hours" in data and data["spent_hours"] is None:
        data["spent_hours"] = Decimal("0")
    if data:
        task = services.task_update(actor=member, task=task, **data)
    if status is not None or position is not None:
        task = services.task_move(actor=member, task=task, status=status or task.status, position=position)
    task.refresh_from_db()
    return task


@router.delete("/tasks/{task_id}", response={204: None, **ERRORS}, summary="Delete a task")
def tasks_delete(request, task_id: int):
    member = request.auth
    task = project_object_for_user(member, Task.objects.all(), task_id, write=True)
    services.task_delete(actor=member, task=task)
    return Status(204, None)
