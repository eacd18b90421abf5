import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.audit.services import audit_event, audit_for
from accord.core.concurrency import check_posted_values, check_version, versioned_edit
from accord.core.search import flag_recent
from accord.core.ui import apply_service_errors, form_page
from accord.lib.feeds import feed_response
from accord.tenancy.access import (
    can_write_project,
    in_visible_projects,
    portal_object_for_user,
    portal_project_for_user,
    portal_required,
    project_for_user,
    project_object_for_user,
    team_required,
)

from . import ics, selectors, services
from .forms import ActionItemForm, AgendaItemForm, DecisionForm, MeetingForm
from .models import ActionItem, AgendaItem, Meeting


def _messages_from(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@team_required
def meeting_list(request, pk):
    project = project_for_user(request.membership, pk)
    meetings = selectors.meeting_list(project.meetings.all()).order_by("-starts_at", "-id")[:200]
    return render(
        request,
        "meetings/list.html",
        {
            "project": project,
            "tab": "meetings",
            "meetings": meetings,
            "can_write": can_write_project(request.membership, project),
        },
    )


def _meeting_form_page(request, form, project, title, back_url):
    return form_page(
        request,
        form,
        project=project,
        tab="meetings",
        title=title,
        back_url=back_url,
        template_name="meetings/form.html",
    )


@team_required
def meeting_create(request, pk):
    project = project_for_user(request.membership, pk, write=True)
    if request.method == "POST":
        form = MeetingForm(request.POST, project=project)
        if form.is_valid():
            data = dict(form.cleaned_data)
            users, contacts = data.pop("users"), data.pop("contacts")
            data["plan_item_id"] = data.pop("plan_item", None)
            try:
                meeting = services.meeting_schedule(
                    actor=request.membership, project=project, data=data, users=users, contacts=contacts
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Meeting scheduled; invitations are on their way."))
                return redirect("meetings:detail", meeting.pk)
        return _meeting_form_page(request, form, project, _("Schedule a meeting"), "")
    form = MeetingForm(
        project=project,
        initial={
            "timezone": project.client.timezone or request.user.timezone,
            "users": [project.manager_id] if project.manager_id else [],
            "contacts": [c.pk for c in project.contacts.exclude(email="")],
            "kind": "status",
        },
    )
    return _meeting_form_page(request, form, project, _("Schedule a meeting"), "")


def _edit_initial(meeting) -> dict:
    """The form's values for a meeting; the start as the clock time in the meeting's zone (also
    compared on saving, so an unchanged start keeps its seconds)."""
    return {
        "kind": meeting.kind,
        "title": meeting.title,
        "starts_at": meeting.starts_at.astimezone(zoneinfo.ZoneInfo(meeting.timezone)),
        "timezone": meeting.timezone,
        "duration_minutes": meeting.duration_minutes,
        "location": meeting.location,
        "video_url": meeting.video_url,
        "recurrence": meeting.recurrence,
        "recurrence_count": meeting.recurrence_count,
        "plan_item": meeting.plan_item_id,
        "description": meeting.description,
        "users": [a.user_id for a in meeting.attendees.all() if a.user_id],
        "contacts": [a.contact_id for a in meeting.attendees.all() if a.contact_id],
    }


@team_required
@versioned_edit
def meeting_edit(request, pk):
    meeting = project_object_for_user(request.membership, selectors.meeting_detail_queryset(), pk, write=True)
    project = meeting.project
    if meeting.is_cancelled:
        messages.error(request, _("This meeting is cancelled and can no longer be changed."))
        return redirect("meetings:detail", meeting.pk)
    if request.method == "POST":
        form = MeetingForm(request.POST, project=project, initial=_edit_initial(meeting))
        check_version(request, form, meeting)
        if form.is_valid():
            data = dict(form.cleaned_data)
            users, contacts = data.pop("users"), data.pop("contacts")
            data["plan_item_id"] = data.pop("plan_item", None)
            try:
                services.meeting_update(
                    actor=request.membership, meeting=meeting, data=data, users=users, contacts=contacts
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Meeting changed; attendees get the updated invitation."))
                return redirect("meetings:detail", meeting.pk)
        return _meeting_form_page(request, form, project, _("Change the meeting"), "")
    form = MeetingForm(project=project, initial=_edit_initial(meeting))
    check_version(request, form, meeting)
    return _meeting_form_page(request, form, project, _("Change the meeting"), "")


@team_required
def meeting_detail(request, pk):
    meeting = project_object_for_user(request.membership, selectors.meeting_detail_queryset(), pk)
    project = meeting.project
    return render(
        request,
        "meetings/detail.html",
        {
            "meeting": meeting,
            "local_start": meeting.starts_at.astimezone(zoneinfo.ZoneInfo(meeting.timezone)),
            "project": project,
            "tab": "meetings",
            "can_write": can_write_project(request.membership, project),
            # Three forms on one page: their fields' ids are kept apart (the names stay as posted).
            "agenda_form": AgendaItemForm(project=project, auto_id="agenda_%s"),
            "decision_form": DecisionForm(auto_id="decision_%s"),
            "action_form": ActionItemForm(meeting=meeting, auto_id="action_%s"),
            "decisions": meeting.decisions.all().order_by("id"),
            "actions": selectors.action_items_for(meeting),
            "earlier": selectors.open_action_items(project, exclude_meeting=meeting)[:50],
            "history": audit_for(meeting)[:30],
        },
    )


@team_required
@require_POST
def meeting_cancel(request, pk):
    meeting = project_object_for_user(request.membership, Meeting.objects.all(), pk)
    try:
        services.meeting_cancel(actor=request.membership, meeting=meeting)
    except ValidationError as exc:
        _messages_from(request, exc)
    else:
        messages.success(request, _("Meeting cancelled; attendees are told."))
    return redirect("meetings:detail", meeting.pk)


@team_required
def meeting_ics(request, pk):
    meeting = project_object_for_user(request.membership, selectors.meeting_detail_queryset(), pk)
    method = "CANCEL" if meeting.is_cancelled else "REQUEST"
    response = HttpResponse(
        ics.meeting_ics(meeting, method=method), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


@team_required
@require_POST
def agenda_add(request, pk):
    meeting = project_object_for_user(request.membership, Meeting.objects.all(), pk, write=True)
    form = AgendaItemForm(request.POST, project=meeting.project)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect("meetings:detail", meeting.pk)
    try:
        services.agenda_item_add(actor=request.membership, meeting=meeting, data=form.cleaned_data)
    except ValidationError as exc:
        _messages_from(request, exc)
    return redirect("meetings:detail", meeting.pk)


@team_required
@require_POST
def agenda_delete(request, pk):
    item = _agenda_item(request, pk)
    meeting_id = item.meeting_id
    services.agenda_item_delete(actor=request.membership, item=item)
    return redirect("meetings:detail", meeting_id)


def _agenda_item(request, pk) -> AgendaItem:
    from accord.tenancy.access import org_get

    item = org_get(request.membership, AgendaItem.objects.select_related("meeting"), pk)
    project_for_user(request.membership, item.meeting.project_id)
    return item


@team_required
@versioned_edit
def minutes_edit(request, pk):
    meeting = project_object_for_user(request.membership, selectors.meeting_detail_queryset(), pk, write=True)
    if request.method == "POST":
        notes = {
            item.pk: request.POST.get(f"notes_{item.pk}", item.notes) for item in meeting.agenda_items.all()
        }
        summary = request.POST.get("summary", "")
        conflict = check_posted_values(
            request,
            meeting,
            [(_("Summary"), meeting.minutes_summary, summary)]
            + [(item.title, item.notes, notes[item.pk]) for item in meeting.agenda_items.all()],
        )
        if conflict:
            meeting.minutes_summary = summary  # the page shows what was typed, to send again
            for item in meeting.agenda_items.all():
                item.notes = notes[item.pk]
            context = {"meeting": meeting, "project": meeting.project, "tab": "meetings"}
            return render(request, "meetings/minutes.html", {**context, "conflict": conflict})
        try:
            services.minutes_record(actor=request.membership, meeting=meeting, summary=summary, notes=notes)
        except ValidationError as exc:
            _messages_from(request, exc)
            return render(
                request,
                "meetings/minutes.html",
                {"meeting": meeting, "project": meeting.project, "tab": "meetings"},
                status=422,
            )
        messages.success(request, _("Minutes saved."))
        return redirect("meetings:detail", meeting.pk)
    if meeting.minutes_published:
        messages.error(request, _("The minutes of this meeting are published and can no longer be changed."))
        return redirect("meetings:detail", meeting.pk)
    return render(
        request, "meetings/minutes.html", {"meeting": meeting, "project": meeting.project, "tab": "meetings"}
    )


@team_required
@require_POST
def decision_add(request, pk):
    meeting = project_object_for_user(request.membership, Meeting.objects.all(), pk, write=True)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decision_record(
                actor=request.membership, project=meeting.project, meeting=meeting, data=form.cleaned_data
            )
        except ValidationError as exc:
            _messages_from(request, exc)
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
    return redirect("meetings:detail", meeting.pk)


@team_required
@require_POST
def action_add(request, pk):
    meeting = project_object_for_user(request.membership, selectors.meeting_detail_queryset(), pk, write=True)
    form = ActionItemForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            services.action_item_create(
                actor=request.membership,
                meeting=meeting,
                data={
                    "title": form.cleaned_data["title"],
                    "due_date": form.cleaned_data["due_date"],
                    **form.owner_data(),
                },
            )
        except ValidationError as exc:
            _messages_from(request, exc)
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
    return redirect("meetings:detail", meeting.pk)


def _action_item(member, pk, *, write: bool) -> ActionItem:
    from accord.tenancy.access import org_get

    item = org_get(member, ActionItem.objects.select_related("task", "meeting__project", "owner_contact"), pk)
    project_for_user(member, item.meeting.project_id, write=write)
    return item


@team_required
@require_POST
def action_done(request, pk):
    item = _action_item(request.membership, pk, write=False)
    services.action_item_complete(actor=request.membership, item=item)
    messages.success(request, _("Action item marked done."))
    return redirect("meetings:detail", item.meeting_id)


@team_required
@require_POST
def minutes_publish(request, pk):
    meeting = project_object_for_user(request.membership, Meeting.objects.all(), pk)
    try:
        services.minutes_publish(actor=request.membership, meeting=meeting)
    except ValidationError as exc:
        _messages_from(request, exc)
    else:
        messages.success(request, _("Minutes published and sent to the attendees."))
    return redirect("meetings:detail", meeting.pk)


@team_required
def decision_log(request, pk):
    project = project_for_user(request.membership, pk)
    q = request.GET.get("q", "")
    decisions = selectors.decision_list(project, q)[:300]
    flag_recent(request, q)
    return render(
        request,
        "meetings/decisions.html",
        {"project": project, "tab": "meetings", "decisions": decisions, "q": q},
    )


@team_required
def my_meetings(request):
    member = request.membership
    meetings = selectors.meeting_list(
        in_visible_projects(
            Meeting.objects.filter(starts_at__gte=timezone.now() - timezone.timedelta(days=1)), member
        )
    ).order_by("starts_at", "id")[:100]
    return render(
        request,
        "meetings/mine.html",
        {"meetings": meetings, "nav_active": "meetings", "has_token": bool(request.user.calendar_token)},
    )


@team_required
@require_POST
def calendar_rotate(request):
    raw = services.calendar_token_rotate(user=request.user)
    audit_event(request.user, request.membership, "calendar_token_rotated")
    messages.success(request, _("A new calendar feed address was made; the old one no longer works."))
    meetings = selectors.meeting_list(Meeting.objects.none())
    return render(
        request,
        "meetings/mine.html",
        {"meetings": meetings, "nav_active": "meetings", "has_token": True, "feed_url": ics.feed_url(raw)},
    )


def calendar_feed(request, token):
    user = services.feed_user(token)
    if user is None:
        raise Http404
    body = ics.feed_ics(services.feed_meetings(user), name=f"Accord · {user}")
    return feed_response(
        request, body, key=f"meetings-user:{user.pk}", content_type="text/calendar; charset=utf-8"
    )


# --- client portal -------------------------------------------------------------------------


def _team_meetings(request, pk):
    project_for_user(request.membership, pk)
    return redirect("meetings:list", pk)


@portal_required(team=_team_meetings)
def portal_list(request, pk):
    project = portal_project_for_user(request.membership, pk)
    return render(
        request,
        "meetings/portal_list.html",
        {"project": project, "tab": "meetings", "meetings": selectors.portal_meetings(project)[:200]},
    )


def _team_meeting(request, pk):
    project_object_for_user(request.membership, Meeting.objects.all(), pk)
    return redirect("meetings:detail", pk)


@portal_required(team=_team_meeting)
def portal_detail(request, pk):
    meeting = portal_object_for_user(
        request.membership,
        selectors.meeting_detail_queryset().filter(minutes_published_at__isnull=False),
        pk,
    )
    actions = [a for a in selectors.action_items_for(meeting) if a.task.client_visible]
    return render(
        request,
        "meetings/portal_detail.html",
        {
            "meeting": meeting,
            "project": meeting.project,
            "tab": "meetings",
            "decisions": meeting.decisions.filter(client_visible=True).order_by("id"),
            "actions": actions,
            "contact": request.portal_contact,
        },
    )


def _team_action_done(request, pk):
    _action_item(request.membership, pk, write=False)
    raise PermissionDenied


@login_required
@require_POST
@portal_required(team=_team_action_done)
def portal_action_done(request, pk):
    contact = request.portal_contact
    item = portal_object_for_user(
        request.membership,
        ActionItem.objects.select_related("task").filter(meeting__minutes_published_at__isnull=False),
        pk,
        project_field="meeting__project",
    )
    if item.owner_contact_id != contact.pk:
        audit_event(request.user, item, "complete_refused", {"contact": contact.pk}, denied=True)
        raise PermissionDenied
    services.action_item_complete(actor=request.membership, item=item, by_client=True)
    messages.success(request, _("Thank you: the action item is marked done and the team is told."))
    return redirect("meetings:portal_detail", item.meeting_id)
