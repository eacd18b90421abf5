from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.comms.models import Notification, Obligation, ObligationStatus
from accord.crm.models import Interaction
from accord.evaluation.health import level_for
from accord.evaluation.selectors import clients_at_risk
from accord.lib.dates import today_for, week_bounds
from accord.meetings.selectors import overdue_action_items
from accord.projects.models import Project, ProjectStatus, Task, TaskStatus
from accord.projects.selectors import milestones_due_soon, project_list, with_progress
from accord.tenancy.access import in_visible_projects, projects_for_user, team_required

from .selectors import first_day_steps

MILESTONE_DAYS = 14
AT_RISK_SHOWN = 5


def home(request):
    if not request.user.is_authenticated:
        return redirect("tenancy:login")
    membership = getattr(request, "membership", None)
    if membership is not None and membership.is_client:
        return redirect("portal:home")
    return redirect("web:dashboard")


@team_required
def dashboard(request):
    member = request.membership
    today = today_for(owner=request.user, organization=member.organization)
    # Managed or on the team: a subquery rather than a join, so no DISTINCT over every project.
    on_team = Project.team.through.objects.filter(user_id=request.user.pk).values("project_id")
    mine = projects_for_user(member).filter(Q(manager=request.user) | Q(pk__in=on_team))
    if not mine.exists() and member.can_manage_projects:
        mine = projects_for_user(member)
    open_projects = mine.exclude(status__in=[ProjectStatus.CLOSED, ProjectStatus.CANCELLED])
    # The 20 shown are picked first; only they get their task and milestone counts.
    shown = list(open_projects.order_by("end_date", "id").values_list("pk", flat=True)[:20])
    shown_projects = Project.objects.filter(organization_id=member.organization_id, pk__in=shown)
    projects = with_progress(project_list(shown_projects).order_by("end_date", "id"))
    overdue_tasks = (
        in_visible_projects(Task.objects.filter(assignee=request.user, due_date__lt=today), member)
        .exclude(status=TaskStatus.DONE)
        .select_related("project")
        .order_by("due_date", "id")[:20]
    )
    week_start, week_end = week_bounds(today)
    follow_ups = (
        Interaction.objects.filter(
            organization_id=member.organization_id,
            follow_up_owner=request.user,
            follow_up_on__isnull=False,  # implied by the date; says the partial index applies
            follow_up_done_at__isnull=True,
            follow_up_on__lte=week_end,
        )
        .select_related("client")
        .order_by("follow_up_on", "id")[:20]
    )
    milestones = milestones_due_soon(member.organization_id, open_projects, days=MILESTONE_DAYS)
    # What was agreed in meetings and is now late, on my open projects.
    action_items = overdue_action_items(member).filter(project__in=open_projects.values("pk"))[:20]
    # What the communication plans ask of me this week (and what I let slip).
    client_updates = (
        Obligation.objects.filter(
            organization_id=member.organization_id,
            owner=request.user,
            status=ObligationStatus.OPEN,
            due_date__lte=week_end,
            project__in=open_projects.values("pk"),
        )
        .select_related("plan_item", "project")
        .order_by("due_date", "id")[:20]
    )
    # The clients whose latest health score is below "good", lowest first.
    at_risk = list(clients_at_risk(member.organization_id)[:AT_RISK_SHOWN])
    for snap in at_risk:
        snap.level = level_for(snap.score)
    return render(
        request,
        "web/dashboard.html",
        {
            "projects": projects,
            "overdue_tasks": overdue_tasks,
            "follow_ups": follow_ups,
            "milestones": milestones,
            "action_items": action_items,
            "client_updates": client_updates,
            "at_risk": at_risk,
            "milestone_days": MILESTONE_DAYS,
            "today": today,
            "week_end": week_end,
            "nav_active": "dashboard",
        },
    )


@team_required
def start(request):
    """The first-day guide: the setup steps, each ticked from the organisation's data."""
    steps = first_day_steps(request.membership)
    return render(
        request,
        "web/start.html",
        {"steps": steps, "done": sum(step.done for step in steps), "nav_active": "start"},
    )


@team_required
def notifications(request):
    items = Notification.objects.filter(
        organization_id=request.membership.organization_id, user=request.user
    ).order_by("-created_at", "-id")[:100]
    return render(request, "web/notifications.html", {"items": items})


@require_POST
@team_required
def notifications_read(request):
    Notification.objects.filter(
        organization_id=request.membership.organization_id, user=request.user, read_at__isnull=True
    ).update(read_at=timezone.now())
    messages.success(request, _("All notifications marked as read."))
    return redirect("web:notifications")


def _error(request, status: int, title: str, message: str):
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"message": message}, status=status)
    return render(request, "web/error.html", {"title": title, "message": message}, status=status)


def error_404(request, exception=None):
    return _error(
        request, 404, _("Not found"), _("This page does not exist, or you do not have access to it.")
    )


def error_403(request, exception=None):
    return _error(request, 403, _("Not allowed"), _("You do not have permission to do this."))


def error_400(request, exception=None):
    return _error(
        request,
        400,
        _("Bad request"),
        _("The request could not be understood. Check what you sent and try again."),
    )


def error_500(request):
    return _error(request, 500, _("Something went wrong"), _("The error was logged. Try again in a moment."))
