"""Project pages: list, overview, milestones, task list, board. Thin: access → form → service → page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accord.audit.services import audit_for
from accord.core.concurrency import check_version, is_stale, versioned_edit
from accord.core.hooks import project_start_url
from accord.core.search import flag_recent
from accord.core.ui import apply_service_errors, form_page
from accord.crm.models import Client, Interaction
from accord.crm.selectors import with_portal_status
from accord.lib.dates import format_day
from accord.lib.urls import link_maker
from accord.tenancy.access import (
    can_manage_project,
    can_write_project,
    project_for_user,
    project_object_for_user,
    projects_for_user,
    require_project_manager,
    team_required,
)

from . import selectors, services
from .forms import (
    FIELD_NAMES,
    MilestoneForm,
    ProjectFilterForm,
    ProjectForm,
    TaskFilterForm,
    TaskForm,
)
from .models import Milestone, MilestoneStatus, Project, ProjectStatus, Task, TaskStatus

LIST_LIMIT = 200  # tasks of one project
PROJECTS_PER_PAGE = 50
HISTORY_LIMIT = 30


def _next_url(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _rights(member, project) -> dict:
    return {
        "can_write": can_write_project(member, project),
        "can_manage": can_manage_project(member, project),
    }


# --- projects ---------------------------------------------------------------------------------


# What the project list shows of a project, its client and its manager (not every column of each).
LIST_COLUMNS = (
    "name",
    "code",
    "status",
    "rag",
    "end_date",
    "client",
    "client__name",
    "manager",
    "manager__full_name",
    "manager__email",
)
# The status badge's colour on the project list.
STATUS_BADGES = {"active": " ok", "on_hold": " warn", "cancelled": " bad"}


def _list_rows(projects: list) -> list:
    """The project list's display values (link, status, manager, figures, planned end) computed
    once per page: looked up, localised and escaped piece by piece in the template, they cost far
    more than the rows (numbers are plain digits in both languages: no thousands separator)."""
    statuses = {value: str(label) for value, label in ProjectStatus.choices}
    days = {}
    detail_url = link_maker("projects:detail")
    for project in projects:
        project.url = detail_url(project.pk)
        project.status_label = statuses.get(project.status, project.status)
        project.status_badge = STATUS_BADGES.get(project.status, "")
        project.manager_name = project.manager.get_full_name() if project.manager else ""
        project.percent = str(project.progress)
        project.progress_text = f"{project.progress}% · {project.tasks_done}/{project.tasks_total}"
        project.milestones_text = f"{project.milestones_done}/{project.milestones_total}"
        if project.end_date not in days:
            days[project.end_date] = format_day(project.end_date)
        project.end_day = days[project.end_date]
    return projects


@team_required
def project_list_view(request):
    member = request.membership
    filters = ProjectFilterForm(request.GET or None, organization_id=member.organization_id)
    qs = selectors.project_filter(projects_for_user(member), **filters.filters())
    flag_recent(request, filters.filters().get("q"))
    # The page's ids first, then the counts for those 50 only: SQLite counted the tasks and
    # milestones of every project before sorting (18 ms at 5,000 projects; PostgreSQL postpones them).
    page = Paginator(
        qs.order_by("-start_date", "-id").values_list("pk", flat=True), PROJECTS_PER_PAGE
    ).get_page(request.GET.get("page"))
    ids = list(page.object_list)
    rows = selectors.project_list(Project.objects.filter(pk__in=ids)).only(*LIST_COLUMNS).in_bulk()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/list.html",
        {
            "projects": _list_rows(selectors.with_progress(rows[pk] for pk in ids)),
            "page": page,
            "query": query.urlencode(),
            "filters": filters,
            "filtered": any(v for v in filters.filters().values()),
            "today": timezone.localdate(),
            "nav_active": "projects",
        },
    )


@team_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    member = require_project_manager(request.membership)
    initial = {"manager": request.user.pk, "start_date": timezone.localdate()}
    if request.GET.get("client"):
        client = Client.objects.filter(
            organization_id=member.organization_id, pk=request.GET["client"]
        ).first()
        if client:
            initial["client"] = client.pk
    form = ProjectForm(request.POST or None, initial=initial, organization_id=member.organization_id)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(actor=member, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc, FIELD_NAMES)
        else:
            messages.success(request, _("Project “%(name)s” created.") % {"name": project.name})
            # Lessons from similar projects are offered first, when there are any.
            return redirect(project_start_url(project))
    return form_page(
        request,
        form,
        title=_("New project"),
        back_url=reverse("projects:list"),
        submit_label=_("Create project"),
        nav_active="projects",
        template_name="projects/create.html",
    )


@team_required
def stakeholder_choices(request):
    """The project form's stakeholder checkboxes for the chosen client (HTMX, when the client
    changes): that client's contacts only, from the user's organisation."""
    form = ProjectForm(
        initial={"client": request.GET.get("client")}, organization_id=request.membership.organization_id
    )
    return HttpResponse(str(form["contacts"]))


@team_required
@require_http_methods(["GET", "POST"])
@versioned_edit
def project_edit(request, pk):
    member = request.membership
    project = project_for_user(member, pk, manage=True)
    initial = {
        "client": project.client_id,
        "code": project.code,
        "name": project.name,
        "manager": project.manager_id,
        "start_date": project.start_date,
        "end_date": project.end_date,
        "budget_amount": project.budget_amount,
        "currency": project.currency,
        "status": project.status,
        "rag": project.rag,
        "team": list(project.team.values_list("pk", flat=True)),
        "contacts": list(project.contacts.values_list("pk", flat=True)),
        "description": project.description,
    }
    form = ProjectForm(request.POST or None, initial=initial, organization_id=member.organization_id)
    check_version(request, form, project)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["currency"] = data.get("currency") or project.currency
        try:
            services.project_update(actor=member, project=project, **data)
        except ValidationError as exc:
            apply_service_errors(form, exc, FIELD_NAMES)
        else:
            messages.success(request, _("Project saved."))
            return redirect("projects:detail", project.pk)
    return form_page(
        request,
        form,
        title=_("Edit %(name)s") % {"name": project.name},
        back_url=reverse("projects:detail", args=[project.pk]),
        nav_active="projects",
    )


@team_required
def project_detail(request, pk):
    member = request.membership
    project = project_for_user(member, pk)
    today = timezone.localdate()
    stats = selectors.project_stats(project)
    milestones = list(selectors.milestone_list(project))
    overdue_tasks = (
        selectors.task_list(Task.objects.filter(organization_id=project.organization_id, project=project))
        .exclude(status=TaskStatus.DONE)
        .filter(due_date__lt=today)
        .order_by("due_date", "id")[:10]
    )
    interactions = (
        Interaction.objects.filter(organization_id=project.organization_id, project=project)
        .select_related("created_by")
        .order_by("-occurred_at", "-id")[:8]
    )
    days_total = max((project.end_date - project.start_date).days, 1)
    days_gone = min(max((today - project.start_date).days, 0), days_total)
    return render(
        request,
        "projects/overview.html",
        {
            "project": project,
            "tab": "overview",
            "stats": stats,
            "milestones": milestones,
            "overdue_tasks": overdue_tasks,
            "team": project.team.order_by("full_name", "email"),
            "contacts": with_portal_status(project.contacts.order_by("last_name", "first_name")),
            "interactions": interactions,
            "history": audit_for(project)[:HISTORY_LIMIT],
            "time_percent": round(100 * days_gone / days_total),
            "today": today,
            "nav_active": "projects",
            **_rights(member, project),
        },
    )


@team_required
@require_POST
def project_close(request, pk):
    project = project_for_user(request.membership, pk, manage=True)
    services.project_close(actor=request.membership, project=project)
    messages.success(request, _("Project closed."))
    return redirect("projects:detail", project.pk)


@team_required
@require_http_methods(["GET", "POST"])
def project_delete(request, pk):
    project = project_for_user(request.membership, pk, manage=True)
    back = reverse("projects:detail", args=[project.pk])
    if request.method == "POST":
        try:
            services.project_delete(actor=request.membership, project=project)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(back)
        messages.success(request, _("Project deleted."))
        return redirect("projects:list")
    return render(
        request,
        "web/confirm_delete.html",
        {
            "object": project,
            "back_url": back,
            "warning": _("Its milestones, tasks and everything recorded on it are deleted too."),
        },
    )


# --- milestones -------------------------------------------------------------------------------


@team_required
def milestone_list_view(request, pk):
    member = request.membership
    project = project_for_user(member, pk)
    milestones = list(selectors.milestone_list(project))
    for ms in milestones:
        ms.progress = selectors.progress_percent(ms.tasks_done, ms.tasks_total)
    rights = _rights(member, project)
    return render(
        request,
        "projects/milestones.html",
        {
            "project": project,
            "tab": "milestones",
            "milestones": milestones,
            "form": MilestoneForm() if rights["can_write"] else None,
            "today": timezone.localdate(),
            "nav_active": "projects",
            **rights,
        },
    )


@team_required
@require_http_methods(["GET", "POST"])
def milestone_create(request, pk):
    member = request.membership
    project = project_for_user(member, pk, write=True)
    form = MilestoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_create(actor=member, project=project, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc, FIELD_NAMES)
        else:
            messages.success(request, _("Milestone added."))
            return redirect("projects:milestones", project.pk)
    return form_page(
        request,
        form,
        title=_("New milestone"),
        back_url=reverse("projects:milestones", args=[project.pk]),
        nav_active="projects",
    )


@team_required
@require_http_methods(["GET", "POST"])
@versioned_edit
def milestone_edit(request, pk):
    member = request.membership
    milestone = project_object_for_user(member, Milestone.objects.all(), pk, write=True)
    initial = {
        "name": milestone.name,
        "due_date": milestone.due_date,
        "status": milestone.status,
        "completed_on": milestone.completed_on,
        "client_visible": milestone.client_visible,
        "description": milestone.description,
    }
    form = MilestoneForm(request.POST or None, initial=initial)
    check_version(request, form, milestone)
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_update(actor=member, milestone=milestone, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc, FIELD_NAMES)
        else:
            messages.success(request, _("Milestone saved."))
            return redirect("projects:milestones", milestone.project_id)
    return form_page(
        request,
        form,
        title=_("Edit milestone"),
        back_url=reverse("projects:milestones", args=[milestone.project_id]),
        nav_active="projects",
    )


@team_required
@require_POST
def milestone_complete(request, pk):
    milestone = project_object_for_user(request.membership, Milestone.objects.all(), pk, write=True)
    if milestone.status != MilestoneStatus.DONE:
        services.milestone_complete(actor=request.membership, milestone=milestone)
        messages.success(request, _("Milestone “%(name)s” reached.") % {"name": milestone.name})
    return redirect(_next_url(request, reverse("projects:milestones", args=[milestone.project_id])))


@team_required
@require_http_methods(["GET", "POST"])
def milestone_delete(request, pk):
    milestone = project_object_for_user(request.membership, Milestone.objects.all(), pk, write=True)
    back = reverse("projects:milestones", args=[milestone.project_id])
    if request.method == "POST":
        services.milestone_delete(actor=request.membership, milestone=milestone)
        messages.success(request, _("Milestone deleted."))
        return redirect(back)
    return render(
        request,
        "web/confirm_delete.html",
        {"object": milestone, "back_url": back, "warning": _("Its tasks are kept, without a milestone.")},
    )


# --- tasks ------------------------------------------------------------------------------------


@team_required
def task_list_view(request, pk):
    member = request.membership
    project = project_for_user(member, pk)
    filters = TaskFilterForm(request.GET or None, project=project)
    qs = selectors.task_filter(
        selectors.task_list(Task.objects.filter(organization_id=project.organization_id, project=project)),
        **filters.filters(),
    )
    flag_recent(request, filters.filters().get("q"))
    sort = filters.cleaned_data.get("sort") if filters.is_valid() else ""
    if sort == "due":
        qs = qs.order_by("due_date", "id")
    elif sort == "-due":
        qs = qs.order_by("-due_date", "-id")
    else:
        qs = qs.order_by("status", "position", "id")
    tasks = list(qs[: LIST_LIMIT + 1])
    return render(
        request,
        "projects/tasks.html",
        {
            "project": project,
            "tab": "tasks",
            "tasks": tasks[:LIST_LIMIT],
            "truncated": len(tasks) > LIST_LIMIT,
            "filters": filters,
            "today": timezone.localdate(),
            "nav_active": "projects",
            **_rights(member, project),
        },
    )


def _board_context(member, project) -> dict:
    tasks = selectors.task_list(
        Task.objects.filter(organization_id=project.organization_id, project=project)
    ).order_by("position", "id")
    columns = {status: [] for status in TaskStatus.values}
    for task in tasks:
        columns[task.status].append(task)
    total = sum(len(c) for c in columns.values())
    done = len(columns[TaskStatus.DONE])
    return {
        "tasks_total": total,
        "tasks_done": done,
        "progress": selectors.progress_percent(done, total),
        "project": project,
        "columns": [
            {"status": value, "label": label, "tasks": columns[value]} for value, label in TaskStatus.choices
        ],
        "statuses": TaskStatus.choices,
        "today": timezone.localdate(),
        **_rights(member, project),
    }


@team_required
def board(request, pk):
    member = request.membership
    project = project_for_user(member, pk)
    context = _board_context(member, project)
    return render(request, "projects/board.html", {**context, "tab": "board", "nav_active": "projects"})


@team_required
def task_detail(request, pk):
    member = request.membership
    task = project_object_for_user(
        member, Task.objects.select_related("assignee", "milestone", "project__client"), pk
    )
    return render(
        request,
        "projects/task_detail.html",
        {
            "task": task,
            "project": task.project,
            "statuses": TaskStatus.choices,
            "history": audit_for(task)[:HISTORY_LIMIT],
            "today": timezone.localdate(),
            "nav_active": "projects",
            **_rights(member, task.project),
        },
    )


@team_required
@require_http_methods(["GET", "POST"])
def task_create(request, pk):
    member = request.membership
    project = project_for_user(member, pk, write=True)
    initial = {
        "status": request.GET.get("status") or TaskStatus.TODO,
        "milestone": request.GET.get("milestone"),
    }
    form = TaskForm(request.POST or None, initial=initial, project=project)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("spent_hours", None)
        try:
            task = services.task_create(actor=member, project=project, **data)
        except ValidationError as exc:
            apply_service_errors(form, exc, FIELD_NAMES)
        else:
            messages.success(request, _("Task “%(title)s” added.") % {"title": task.title})
            if "add_another" in request.POST:
                return redirect(f"{reverse('projects:task_create', args=[project.pk])}?status={task.status}")
            return redirect(_next_url(request, reverse("projects:tasks", args=[project.pk])))
    return form_page(
        request,
        form,
        title=_("New task"),
        back_url=reverse("projects:tasks", args=[project.pk]),
        nav_active="projects",
    )


@team_required
@require_http_methods(["GET", "POST"])
@versioned_edit
def task_edit(request, pk):
    member = request.membership
    task = project_object_for_user(member, Task.objects.all(), pk, write=True)
    initial = {
        "title": task.title,
        "status": task.status,
        "assignee": task.assignee_id,
        "due_date": task.due_date,
        "milestone": task.milestone_id,
        "kind": task.kind,
        "estimate_hours": task.estimate_hours,
        "spent_hours": task.spent_hours,
        "client_visible": task.client_visible,
        "description": task.description,
    }
    form = TaskForm(request.POST or None, initial=initial, project=task.project)
    check_version(request, form, task)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(actor=member, task=task, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc, FIELD_NAMES)
        else:
            messages.success(request, _("Task saved."))
            return redirect("projects:task_detail", task.pk)
    return form_page(
        request,
        form,
        title=_("Edit task"),
        back_url=reverse("projects:task_detail", args=[task.pk]),
        nav_active="projects",
    )


@team_required
@require_POST
@versioned_edit
def task_move(request, pk):
    """Move a card: HTMX gets the re-rendered board, a plain form post is redirected back.

    A move from a stale page (the task changed since it was loaded) is refused with a 409 and
    the current board, so the card goes back to where the task really is."""
    member = request.membership
    task = project_object_for_user(member, Task.objects.all(), pk, write=True)
    status = 200
    message = ""
    try:
        if is_stale(request, task):
            raise ValidationError(
                _(
                    "Someone else changed this task after your board was loaded, so it was not moved. "
                    "The board now shows where it is; move it again if you still want to."
                ),
                code="stale",
            )
        task = services.task_move(
            actor=member,
            task=task,
            status=request.POST.get("status", ""),
            position=request.POST.get("position") or None,
        )
    except ValidationError as exc:
        message = " ".join(exc.messages)
        if not request.htmx:
            messages.error(request, message)
            return redirect(_next_url(request, reverse("projects:board", args=[task.project_id])))
        status = 409 if getattr(exc, "code", None) == "stale" else 422
    if request.htmx:
        project = project_for_user(member, task.project_id)
        context = {**_board_context(member, project), "board_message": message, "moved": task}
        response = render(request, "projects/partials/board.html", context, status=status)
        response["HX-Trigger"] = "taskMoved"
        return response
    return redirect(_next_url(request, reverse("projects:board", args=[task.project_id])))


@team_required
@require_http_methods(["GET", "POST"])
def task_delete(request, pk):
    task = project_object_for_user(request.membership, Task.objects.all(), pk, write=True)
    back = reverse("projects:tasks", args=[task.project_id])
    if request.method == "POST":
        services.task_delete(actor=request.membership, task=task)
        messages.success(request, _("Task deleted."))
        return redirect(back)
    return render(
        request,
        "web/confirm_delete.html",
        {"object": task, "back_url": reverse("projects:task_detail", args=[task.pk])},
    )
