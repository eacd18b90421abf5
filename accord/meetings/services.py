"""Meetings: schedule and invite (ICS), change, cancel; minutes, decisions and action items."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.audit.services import audit_create, audit_delete, audit_event, update_fields
from accord.comms.services import event_emit, notify, obligations_meet, outbox_email
from accord.crm.models import Contact
from accord.lib.dates import validate_timezone, wall_time, zone
from accord.projects.models import Task, TaskKind, TaskStatus
from accord.tenancy.access import can_manage_project, portal_contact, require_project_write
from accord.tenancy.members import team_members
from accord.tenancy.models import Membership, User, hash_token

from . import ics, selectors
from .models import (
    ActionItem,
    AgendaItem,
    Attendee,
    AttendeeRole,
    Decision,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Recurrence,
    detect_provider,
)

MAX_TEXT = 50_000
FIELDS = (
    "kind",
    "title",
    "starts_at",
    "duration_minutes",
    "timezone",
    "location",
    "video_url",
    "description",
    "recurrence",
    "recurrence_count",
    "plan_item_id",
)


# --- validation ----------------------------------------------------------------------------


def _aware(value, tz_name: str) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(
                {"starts_at": _("Give the start as a date and time, e.g. 2026-05-04 10:00.")}
            )
    if not isinstance(value, dt.datetime):
        raise ValidationError({"starts_at": _("Give the start as a date and time, e.g. 2026-05-04 10:00.")})
    return wall_time(value, tz_name)


def _clean(data: dict, *, current: Meeting | None = None) -> dict:
    cleaned = {key: data[key] for key in FIELDS if key in data}
    tz_name = cleaned.get("timezone", current.timezone if current else "UTC") or "UTC"
    try:
        validate_timezone(tz_name)
    except ValidationError as exc:
        raise ValidationError({"timezone": exc.messages})
    cleaned["timezone"] = tz_name
    if "kind" in cleaned and cleaned["kind"] not in MeetingKind.values:
        raise ValidationError({"kind": _("Choose kickoff, status, review, workshop or close-out.")})
    if "title" in cleaned:
        title = str(cleaned["title"] or "").strip()
        if not title or len(title) > 200:
            raise ValidationError({"title": _("Give the meeting a title of at most 200 characters.")})
        cleaned["title"] = title
    elif current is None:
        raise ValidationError({"title": _("Give the meeting a title of at most 200 characters.")})
    if "starts_at" in cleaned:
        cleaned["starts_at"] = _aware(cleaned["starts_at"], tz_name).astimezone(dt.UTC)
    elif current is None:
        raise ValidationError({"starts_at": _("Give the start as a date and time, e.g. 2026-05-04 10:00.")})
    if "duration_minutes" in cleaned:
        try:
            minutes = int(cleaned["duration_minutes"])
        except (TypeError, ValueError):
            minutes = 0
        if not 5 <= minutes <= 1440:
            raise ValidationError({"duration_minutes": _("A meeting lasts between 5 minutes and 24 hours.")})
        cleaned["duration_minutes"] = minutes
    if cleaned.get("video_url"):
        url = str(cleaned["video_url"]).strip()
        if not url.lower().startswith(("https://", "http://")) or len(url) > 500:
            raise ValidationError({"video_url": _("Paste the meeting link starting with https://.")})
        cleaned["video_url"] = url
    if "recurrence" in cleaned and (cleaned["recurrence"] or "") not in Recurrence.values:
        raise ValidationError({"recurrence": _("Choose weekly, every two weeks, monthly or no repetition.")})
    if cleaned.get("recurrence_count") is not None and not 1 <= int(cleaned["recurrence_count"]) <= 104:
        raise ValidationError({"recurrence_count": _("Repeat between 1 and 104 times.")})
    for key in ("description", "location"):
        if key in cleaned:
            cleaned[key] = str(cleaned[key] or "")
            limit = MAX_TEXT if key == "description" else 300
            if len(cleaned[key]) > limit:
                raise ValidationError({key: _("This text is too long; shorten it.")})
    return cleaned


def recurrence_from_plan_item(project, plan_item_id) -> tuple[str, int | None]:
    """The repetition of a communication-plan item (when the plan exists and the item is this project's)."""
    from django.apps import apps

    try:
        PlanItem = apps.get_model("comms", "PlanItem")
    except LookupError:
        raise ValidationError({"plan_item_id": _("Communication plans are not available.")})
    item = PlanItem.objects.filter(
        organization_id=project.organization_id, project=project, pk=plan_item_id
    ).first()
    if item is None:
        raise ValidationError({"plan_item_id": _("Choose an item of this project's communication plan.")})
    cadence, interval = getattr(item, "cadence", ""), getattr(item, "interval", 1) or 1
    if cadence in ("weekly", "weeks"):
        return (Recurrence.BIWEEKLY if interval == 2 else Recurrence.WEEKLY), None
    if cadence == "monthly":
        return Recurrence.MONTHLY, None
    return Recurrence.NONE, None


def _people(project, users, contacts) -> tuple[list[User], list[Contact]]:
    """Attendees of both sides, checked: our team members of the organisation, the client's contacts."""
    user_ids = {getattr(u, "pk", u) for u in users or []}
    contact_ids = {getattr(c, "pk", c) for c in contacts or []}
    found_users = list(team_members(project.organization_id).filter(pk__in=user_ids))
    if len(found_users) != len(user_ids):
        raise ValidationError({"users": _("Choose team members of this organisation.")})
    found_contacts = list(
        Contact.objects.filter(
            organization_id=project.organization_id, client_id=project.client_id, pk__in=contact_ids
        )
    )
    if len(found_contacts) != len(contact_ids):
        raise ValidationError({"contacts": _("Choose contacts of this project's client.")})
    missing = [c for c in found_contacts if not c.email] + [u for u in found_users if not u.email]
    if missing:
        raise ValidationError(
            {
                "contacts": _(
                    "%(names)s has no e-mail address, so no invitation can reach them. Add an address to the "
                    "contact or remove them from the attendees."
                )
                % {"names": ", ".join(str(p) for p in missing)}
            }
        )
    return found_users, found_contacts


# --- sending -------------------------------------------------------------------------------


def _times(meeting: Meeting, attendee: Attendee) -> dict:
    """The start in the meeting's zone and, when it differs, in the recipient's own zone. The
    templates print them with |timezone so the worker's active zone (UTC) never shifts them."""
    person = attendee.user if attendee.user_id else attendee.contact
    own_name = getattr(person, "timezone", "") or ""
    start = meeting.starts_at
    differs = bool(own_name) and (
        start.astimezone(zone(own_name)).utcoffset() != start.astimezone(zone(meeting.timezone)).utcoffset()
    )
    return {"start": start, "own_zone": own_name if differs else ""}


def _meeting_day(meeting: Meeting) -> dt.date:
    """The day the meeting takes place, on the calendar of its own zone (not UTC's)."""
    return meeting.starts_at.astimezone(zone(meeting.timezone)).date()


def _language(attendee: Attendee, organization) -> str:
    return attendee.language or organization.default_language or settings.LANGUAGE_CODE


def _send_calendar(meeting: Meeting, attendees, *, method: str, removed: bool = False) -> int:
    """Each attendee (not the organiser) gets the iTIP message the way calendar clients look for
    it: a ``text/calendar; method=…`` part inside multipart/alternative next to the text and
    HTML, and the same file attached as invite.ics for clients that only read attachments.

    ``removed``: the attendees were taken off the meeting; their CANCEL names them as its
    attendees (RFC 5546 §3.2.5), since they are no longer on the meeting's own list."""
    attendees = list(attendees)
    payload = ics.meeting_ics(meeting, method=method, attendees=attendees if removed else None)
    calendar = payload.decode("utf-8")
    organization = meeting.project.organization
    sent = 0
    for attendee in attendees:
        if not attendee.email or (attendee.user_id and attendee.user_id == meeting.organizer_id):
            continue
        with translation.override(_language(attendee, organization)):
            context = {
                "meeting": meeting,
                "attendee": attendee,
                "method": method,
                **_times(meeting, attendee),
            }
            if method == "CANCEL":
                subject = _("Cancelled: %(title)s") % {"title": meeting.title}
            elif meeting.sequence:
                subject = _("Updated invitation: %(title)s") % {"title": meeting.title}
            else:
                subject = _("Invitation: %(title)s") % {"title": meeting.title}
            outbox_email(
                organization=organization,
                to=attendee.email,
                subject=subject,
                text=render_to_string("meetings/email/invitation.txt", context),
                html=render_to_string("meetings/email/invitation.html", context),
                alternatives=[(calendar, f"text/calendar; method={method}; charset=UTF-8")],
                attachments=[("invite.ics", payload, "application/ics")],
                related=meeting,
                project=meeting.project,
            )
        sent += 1
    return sent


def _set_attendees(meeting: Meeting, users, contacts) -> list[Attendee]:
    """Make the attendee list match; returns the attendees removed (for their cancellation)."""
    removed = list(meeting.attendees.exclude(user__in=users).filter(contact__isnull=True)) + list(
        meeting.attendees.exclude(contact__in=contacts).filter(user__isnull=True)
    )
    for a in removed:
        a.delete()
    have_users = set(meeting.attendees.filter(user__isnull=False).values_list("user_id", flat=True))
    have_contacts = set(meeting.attendees.filter(contact__isnull=False).values_list("contact_id", flat=True))
    for user in users:
        if user.pk not in have_users:
            role = AttendeeRole.CHAIR if user.pk == meeting.organizer_id else AttendeeRole.REQUIRED
            Attendee.objects.create(
                organization_id=meeting.organization_id, meeting=meeting, user=user, role=role
            )
    for contact in contacts:
        if contact.pk not in have_contacts:
            Attendee.objects.create(organization_id=meeting.organization_id, meeting=meeting, contact=contact)
    return removed


# --- meetings ------------------------------------------------------------------------------


def meeting_schedule(*, actor: Membership, project, data: dict, users=(), contacts=(), agenda=()) -> Meeting:
    """Create a meeting, invite every attendee by e-mail with an ICS REQUEST, emit meeting.scheduled."""
    require_project_write(actor, project)
    cleaned = _clean(data)
    if cleaned.get("plan_item_id"):
        recurrence, _count = recurrence_from_plan_item(project, cleaned["plan_item_id"])
        if not cleaned.get("recurrence"):
            cleaned["recurrence"] = recurrence
    user_list, contact_list = _people(project, users, contacts)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            organization_id=project.organization_id,
            project=project,
            organizer=actor.user,
            video_provider=detect_provider(cleaned.get("video_url", "")),
            **cleaned,
        )
        if actor.user not in user_list and actor.user.email:
            user_list = [actor.user, *user_list]
        _set_attendees(meeting, user_list, contact_list)
        for position, item in enumerate(agenda or [], start=1):
            agenda_item_add(actor=actor, meeting=meeting, data={**item, "position": position}, audit=False)
        audit_create(actor.user, meeting)
        meeting = selectors.meeting_detail_queryset().get(pk=meeting.pk)
        _send_calendar(meeting, meeting.attendees.all(), method="REQUEST")
        event_emit(
            organization=meeting.project.organization,
            name="meeting.scheduled",
            payload={
                "meeting_id": meeting.pk,
                "project_id": project.pk,
                "uid": meeting.uid,
                "kind": meeting.kind,
                "title": meeting.title,
                "starts_at": meeting.starts_at.isoformat(),
                "timezone": meeting.timezone,
                "attendees": meeting.attendees.count(),
            },
        )
    return meeting


def _refuse_cancelled(meeting: Meeting) -> None:
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting is cancelled and can no longer be changed."))


def meeting_update(*, actor: Membership, meeting: Meeting, data: dict, users=None, contacts=None) -> Meeting:
    """Change a meeting; the SEQUENCE goes up and everyone gets the updated invitation (nothing
    happens when nothing changed)."""
    require_project_write(actor, meeting.project)
    _refuse_cancelled(meeting)
    cleaned = _clean(data, current=meeting)
    if cleaned.get("plan_item_id"):
        recurrence_from_plan_item(meeting.project, cleaned["plan_item_id"])
    if users is not None or contacts is not None:
        current_users = [a.user for a in meeting.attendees.all() if a.user_id]
        current_contacts = [a.contact for a in meeting.attendees.all() if a.contact_id]
        user_list, contact_list = _people(
            meeting.project,
            users if users is not None else current_users,
            contacts if contacts is not None else current_contacts,
        )
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        _refuse_cancelled(locked)
        fields = {**cleaned, "video_provider": detect_provider(cleaned.get("video_url", locked.video_url))}
        people_change = (users is not None or contacts is not None) and (
            {u.pk for u in user_list},
            {c.pk for c in contact_list},
        ) != (
            set(locked.attendees.filter(user__isnull=False).values_list("user_id", flat=True)),
            set(locked.attendees.filter(contact__isnull=False).values_list("contact_id", flat=True)),
        )
        if not people_change and all(getattr(locked, key) == value for key, value in fields.items()):
            # Saved unchanged: no new SEQUENCE, no updated invitation to everyone.
            return selectors.meeting_detail_queryset().get(pk=locked.pk)
        update_fields(actor.user, locked, {**fields, "sequence": locked.sequence + 1})
        removed = []
        if people_change:
            removed = _set_attendees(locked, user_list, contact_list)
        fresh = selectors.meeting_detail_queryset().get(pk=locked.pk)
        _send_calendar(fresh, fresh.attendees.all(), method="REQUEST")
        if removed:
            _send_calendar(fresh, removed, method="CANCEL", removed=True)
    return fresh


def meeting_cancel(*, actor: Membership, meeting: Meeting) -> Meeting:
    """Cancel: SEQUENCE up, STATUS:CANCELLED, everyone gets a METHOD:CANCEL."""
    require_project_write(actor, meeting.project)
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        _refuse_cancelled(locked)
        update_fields(
            actor.user, locked, {"status": MeetingStatus.CANCELLED, "sequence": locked.sequence + 1}
        )
        fresh = selectors.meeting_detail_queryset().get(pk=locked.pk)
        _send_calendar(fresh, fresh.attendees.all(), method="CANCEL")
    return fresh


def meeting_delete(*, actor: Membership, meeting: Meeting) -> None:
    """Remove a meeting; attendees of one still to come are sent a cancellation first."""
    require_project_write(actor, meeting.project)
    if meeting.minutes_published:
        raise ValidationError(_("The minutes of this meeting are published; it is kept in the record."))
    with transaction.atomic():
        if not meeting.is_cancelled and meeting.starts_at > timezone.now():
            meeting = meeting_cancel(actor=actor, meeting=meeting)
        audit_delete(actor.user, meeting)
        meeting.delete()


# --- agenda --------------------------------------------------------------------------------


def _agenda_owner(meeting: Meeting, data: dict):
    owner = data.get("owner") or data.get("owner_id")
    owner_contact = data.get("owner_contact") or data.get("owner_contact_id")
    users, contacts = (
        _people(meeting.project, [owner] if owner else [], [owner_contact] if owner_contact else [])
        if (owner or owner_contact)
        else ([], [])
    )
    return (users[0] if users else None), (contacts[0] if contacts else None)


def agenda_item_add(*, actor: Membership, meeting: Meeting, data: dict, audit: bool = True) -> AgendaItem:
    require_project_write(actor, meeting.project)
    _refuse_cancelled(meeting)
    title = str(data.get("title") or "").strip()
    if not title or len(title) > 300:
        raise ValidationError({"title": _("Give the agenda item a topic of at most 300 characters.")})
    try:
        minutes = int(data.get("minutes_allotted") or 10)
    except (TypeError, ValueError):
        minutes = -1
    if not 1 <= minutes <= 480:
        raise ValidationError({"minutes_allotted": _("Allot between 1 and 480 minutes.")})
    owner, owner_contact = _agenda_owner(meeting, data)
    position = data.get("position") or (meeting.agenda_items.count() + 1)
    with transaction.atomic():
        item = AgendaItem.objects.create(
            organization_id=meeting.organization_id,
            meeting=meeting,
            title=title,
            owner=owner,
            owner_contact=owner_contact,
            minutes_allotted=minutes,
            position=position,
        )
        if audit:
            audit_create(actor.user, item)
    return item


def agenda_item_delete(*, actor: Membership, item: AgendaItem) -> None:
    require_project_write(actor, item.meeting.project)
    with transaction.atomic():
        audit_delete(actor.user, item)
        item.delete()


# --- minutes, decisions, action items ------------------------------------------------------


def _refuse_published(meeting: Meeting) -> None:
    if meeting.minutes_published:
        raise ValidationError(_("The minutes of this meeting are published and can no longer be changed."))


def minutes_record(
    *, actor: Membership, meeting: Meeting, summary: str | None = None, notes: dict | None = None
) -> Meeting:
    """Save the minutes: a summary and what was said per agenda item (``{item_id: text}``)."""
    require_project_write(actor, meeting.project)
    _refuse_published(meeting)
    if summary is not None and len(summary) > MAX_TEXT:
        raise ValidationError({"summary": _("This text is too long; shorten it.")})
    items = {item.pk: item for item in meeting.agenda_items.all()}
    for key, text in (notes or {}).items():
        try:
            key = int(key)
        except (TypeError, ValueError):
            key = None
        if key not in items:
            raise ValidationError(
                {"notes": _("Minutes can only be recorded for this meeting's agenda items.")}
            )
        if text is not None and len(text) > MAX_TEXT:
            raise ValidationError({"notes": _("This text is too long; shorten it.")})
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        _refuse_published(meeting)
        if summary is not None:
            update_fields(actor.user, meeting, {"minutes_summary": summary})
        for key, text in (notes or {}).items():
            item = items[int(key)]
            if text is not None and item.notes != text:
                update_fields(actor.user, item, {"notes": text})
    return meeting


def decision_record(*, actor: Membership, project, data: dict, meeting: Meeting | None = None) -> Decision:
    require_project_write(actor, project)
    if meeting is not None and meeting.project_id != project.pk:
        raise PermissionDenied
    title = str(data.get("title") or "").strip()
    if not title or len(title) > 300:
        raise ValidationError({"title": _("Write the decision in at most 300 characters.")})
    detail = str(data.get("detail") or "")
    if len(detail) > MAX_TEXT:
        raise ValidationError({"detail": _("This text is too long; shorten it.")})
    decided_on = data.get("decided_on") or (_meeting_day(meeting) if meeting else timezone.localdate())
    with transaction.atomic():
        decision = Decision.objects.create(
            organization_id=project.organization_id,
            project=project,
            meeting=meeting,
            title=title,
            detail=detail,
            decided_on=decided_on,
            client_visible=bool(data.get("client_visible", True)),
            created_by=actor.user,
        )
        audit_create(actor.user, decision)
    return decision


def action_item_create(*, actor: Membership, meeting: Meeting, data: dict) -> ActionItem:
    """An action item becomes a project task (kind action_item); a client-side one is client-visible."""
    require_project_write(actor, meeting.project)
    title = str(data.get("title") or "").strip()
    if not title or len(title) > 300:
        raise ValidationError({"title": _("Describe the action in at most 300 characters.")})
    owner_id = data.get("owner_id") or data.get("owner")
    contact_id = data.get("owner_contact_id") or data.get("owner_contact")
    if owner_id and contact_id:
        raise ValidationError({"owner": _("Choose one owner: someone of our team or a client contact.")})
    if not owner_id and not contact_id:
        raise ValidationError(
            {"owner": _("Choose who owns this action: someone of our team or a client contact.")}
        )
    owner = owner_contact = None
    if owner_id:
        found = team_members(meeting.organization_id).filter(pk=getattr(owner_id, "pk", owner_id)).first()
        if found is None:
            raise ValidationError({"owner": _("Choose a team member of this organisation.")})
        owner = found
    else:
        owner_contact = Contact.objects.filter(
            organization_id=meeting.organization_id,
            client_id=meeting.project.client_id,
            pk=getattr(contact_id, "pk", contact_id),
        ).first()
        if owner_contact is None:
            raise ValidationError({"owner_contact": _("Choose a contact of this project's client.")})
    due = data.get("due_date")
    if isinstance(due, str):
        try:
            due = dt.date.fromisoformat(due)
        except ValueError:
            raise ValidationError({"due_date": _("Give the due date as YYYY-MM-DD.")})
    with transaction.atomic():
        task = Task.objects.create(
            organization_id=meeting.organization_id,
            project=meeting.project,
            title=title,
            description=_("Agreed in the meeting “%(title)s” on %(date)s.")
            % {"title": meeting.title, "date": _meeting_day(meeting).isoformat()},
            assignee=owner,
            due_date=due,
            kind=TaskKind.ACTION_ITEM,
            client_visible=owner_contact is not None or bool(data.get("client_visible")),
        )
        audit_create(actor.user, task)
        item = ActionItem.objects.create(
            organization_id=meeting.organization_id, meeting=meeting, task=task, owner_contact=owner_contact
        )
        audit_create(actor.user, item)
    return item


def action_item_complete(*, actor: Membership, item: ActionItem, by_client: bool = False) -> ActionItem:
    """Mark done; when the client marks their own item done, the team is told. The team needs to
    be on the project; a client contact may complete only an item they own."""
    if actor.is_client:
        if item.owner_contact_id != portal_contact(actor).pk:
            raise PermissionDenied
    else:
        require_project_write(actor, item.meeting.project)
    task = item.task
    if task.status == TaskStatus.DONE:
        return item
    with transaction.atomic():
        update_fields(actor.user, task, {"status": TaskStatus.DONE, "done_on": timezone.localdate()})
        audit_event(actor.user, item, "completed", {"by_client": by_client})
        if by_client:
            project = item.meeting.project
            team = [u for u in (project.manager, item.meeting.organizer) if u is not None]
            notify(
                organization=project.organization,
                users=team,
                title=format_lazy(
                    gettext_lazy("{} marked an action item done: {}"), str(actor.user), task.title
                ),
                url=reverse("meetings:detail", args=[item.meeting_id]),
            )
    return item


def minutes_publish(*, actor: Membership, meeting: Meeting) -> Meeting:
    """Send the minutes to the attendees (each in their language), with every open action item of
    the project, meet the plan's obligations and emit minutes.published. The project's manager
    (or an admin) or the meeting's organiser publishes."""
    require_project_write(actor, meeting.project)
    if not can_manage_project(actor, meeting.project) and meeting.organizer_id != actor.user_id:
        raise PermissionDenied
    _refuse_cancelled(meeting)
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        _refuse_published(locked)
        update_fields(actor.user, locked, {"minutes_published_at": timezone.now()})
        audit_event(actor.user, locked, "minutes_published")
        meeting = selectors.meeting_detail_queryset().get(pk=locked.pk)
        project = meeting.project
        organization = project.organization
        decisions = list(meeting.decisions.all().order_by("id"))
        actions = list(selectors.action_items_for(meeting))
        earlier = list(selectors.open_action_items(project, exclude_meeting=meeting))
        attendees = [a for a in meeting.attendees.all() if a.email]
        for attendee in attendees:
            client_side = attendee.is_client
            with translation.override(_language(attendee, organization)):
                context = {
                    "meeting": meeting,
                    "attendee": attendee,
                    "decisions": [d for d in decisions if d.client_visible or not client_side],
                    "actions": actions,
                    "earlier": [a for a in earlier if a.task.client_visible or not client_side],
                    **_times(meeting, attendee),
                    "portal_url": settings.BASE_URL + reverse("meetings:portal_detail", args=[meeting.pk]),
                    "url": settings.BASE_URL + reverse("meetings:detail", args=[meeting.pk]),
                }
                outbox_email(
                    organization=organization,
                    to=attendee.email,
                    subject=_("Minutes: %(title)s") % {"title": meeting.title},
                    text=render_to_string("meetings/email/minutes.txt", context),
                    html=render_to_string("meetings/email/minutes.html", context),
                    related=meeting,
                    project=project,
                )
        contacts = [a.contact for a in meeting.attendees.all() if a.contact_id]
        obligations_meet(
            project=project, channel="meeting", contacts=contacts, when=meeting.starts_at, source=meeting
        )
        obligations_meet(
            project=project, channel="email", contacts=[c for c in contacts if c.email], source=meeting
        )
        event_emit(
            organization=organization,
            name="minutes.published",
            payload={
                "meeting_id": meeting.pk,
                "project_id": project.pk,
                "decisions": len(decisions),
                "action_items": len(actions),
                "open_earlier_action_items": len(earlier),
                "recipients": len(attendees),
            },
        )
    return meeting


# --- the calendar feed ---------------------------------------------------------------------


def calendar_token_rotate(*, user) -> str:
    """A new secret for the user's feed URL; the old URL stops working. Only the hash is stored."""
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        user.calendar_token = hash_token(raw)
        user.save(update_fields=["calendar_token"])
    return raw


def feed_user(raw: str):
    if not raw or len(raw) > 100:
        return None
    return User.objects.filter(calendar_token=hash_token(raw), is_active=True).first()


def feed_meetings(user):
    from django.db.models import Q

    orgs = (
        Membership.objects.filter(user=user, is_active=True).exclude(role="client").values("organization_id")
    )
    since = timezone.now() - dt.timedelta(days=90)
    return (
        selectors.meeting_detail_queryset()
        .filter(organization_id__in=orgs, starts_at__gte=since)
        .filter(Q(attendees__user=user) | Q(organizer=user))
        .distinct()
        .order_by("starts_at")[:500]
    )
