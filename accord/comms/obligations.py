"""Communication-plan obligations: dated duties generated from the plan and met by what
actually reached the client.

* ``generate(item)`` — (re)creates an item's obligations from its RRULE (or its project's
  milestones); idempotent: existing dates are kept, open future dates that no longer fit are
  removed, met ones are never touched.
* ``meet_for_interaction(interaction)`` — an interaction of the same channel kind with an
  audience contact, inside an open obligation's window, meets it (``_matches`` is the rule,
  shared with ``meet_for_interactions``). A project no longer open (closed, cancelled) gets no
  obligation met.
* ``meet(...)`` — the same for something delivered outside an interaction.
* ``compliance_for_projects(ids)`` / ``compliance_for_clients(ids)`` — the selectors the
  health score uses (see their docstrings).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from dateutil.rrule import rrulestr
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accord.lib.dates import ZONE_SLACK, today_for
from accord.projects.models import OPEN_PROJECT_STATUSES

from .models import CadenceKind, Obligation, ObligationStatus, PlanItem

logger = logging.getLogger(__name__)

# Days before the due date from which a contact counts, per cadence.
WINDOW_DAYS = {
    CadenceKind.WEEKLY: 6,
    CadenceKind.MONTHLY: 27,
    CadenceKind.MILESTONE: 7,
    CadenceKind.ONCE: 7,
}
# Days after the due date during which a contact still meets the obligation (late).
GRACE_DAYS = 3
REMIND_DAYS_BEFORE = 1
MAX_OCCURRENCES = 400


def window_days(item: PlanItem) -> int:
    if item.cadence == CadenceKind.WEEKS:
        return max(7 * item.interval - 1, 1)
    return WINDOW_DAYS.get(item.cadence, 6)


def item_end(item: PlanItem) -> dt.date:
    return item.end_date or item.project.end_date


def occurrences(item: PlanItem) -> list[dt.date]:
    """The item's due dates between its start and end."""
    end = item_end(item)
    if item.cadence == CadenceKind.MILESTONE:
        return sorted(
            set(
                item.project.milestones.filter(due_date__gte=item.start_date, due_date__lte=end).values_list(
                    "due_date", flat=True
                )
            )
        )
    if not item.rrule:
        return []
    start = dt.datetime.combine(item.start_date, dt.time(9, 0))
    rule = rrulestr(item.rrule, dtstart=start)
    until = dt.datetime.combine(end, dt.time(23, 59))
    dates = []
    for occurrence in rule.xafter(start - dt.timedelta(seconds=1), count=MAX_OCCURRENCES, inc=True):
        if occurrence > until:
            break
        dates.append(occurrence.date())
    return dates


def generate(item: PlanItem) -> int:
    """Bring the item's obligations in line with its schedule. Returns how many were created."""
    wanted = set(occurrences(item)) if item.is_active else set()
    today = timezone.localdate()
    days = window_days(item)
    with transaction.atomic():
        existing = {o.due_date: o for o in item.obligations.all()}
        stale = [
            o.pk
            for due, o in existing.items()
            if due not in wanted and o.status == ObligationStatus.OPEN and due >= today
        ]
        if stale:
            Obligation.objects.filter(pk__in=stale).delete()
        # Keep open obligations in step with an edited item (owner, channel, window).
        Obligation.objects.filter(plan_item=item, status=ObligationStatus.OPEN).exclude(pk__in=stale).update(
            owner=item.owner, channel=item.channel
        )
        new = [
            Obligation(
                organization_id=item.organization_id,
                plan_item=item,
                project_id=item.project_id,
                owner_id=item.owner_id,
                channel=item.channel,
                due_date=due,
                window_start=due - dt.timedelta(days=days),
            )
            for due in sorted(wanted - set(existing))
        ]
        Obligation.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def regenerate_all() -> int:
    created = 0
    for item in PlanItem.objects.filter(is_active=True).select_related("project"):
        try:
            created += generate(item)
        except (ValueError, TypeError):
            logger.exception("Plan item %s has a schedule that cannot be expanded", item.pk)
    return created


# --- meeting obligations -----------------------------------------------------------------------

# Which interactions count for which plan channel.
INTERACTION_KINDS = {
    "email": {"email"},
    "phone": {"call"},
    "meeting": {"meeting", "visit"},
}


def channel_of_interaction(interaction) -> set[str]:
    """The plan channels an interaction counts for."""
    channels = set()
    if interaction.channel:
        channels.add(interaction.channel)
    for channel, kinds in INTERACTION_KINDS.items():
        if interaction.kind in kinds:
            channels.add(channel)
    return channels


def _audience_ids(item: PlanItem) -> set[int] | None:
    """Contact ids the item addresses; None means "anyone on the project's client side"."""
    ids = {c.pk for c in item.audience_contacts.all()}
    if item.audience_roles:
        ids |= {c.pk for c in item.project.contacts.all() if c.role in item.audience_roles}
    if not ids and not item.audience_roles:
        return None
    return ids


def _open_obligations(project_ids: Iterable[int], channels: Iterable[str], first: dt.date, last: dt.date):
    """Open obligations of open projects whose window (with the grace days) meets a day between
    ``first`` and ``last``: the rows ``_matches`` is then asked about."""
    return (
        Obligation.objects.filter(
            project_id__in=list(project_ids),
            project__status__in=OPEN_PROJECT_STATUSES,
            channel__in=list(channels),
            status=ObligationStatus.OPEN,
            window_start__lte=last,
            due_date__gte=first - dt.timedelta(days=GRACE_DAYS),
        )
        .select_related("plan_item__project")
        .prefetch_related("plan_item__audience_contacts", "plan_item__project__contacts")
        .order_by("due_date", "id")
    )


def _matches(obligation: Obligation, channels, contact_ids: set[int], day: dt.date) -> bool:
    """Whether a contact with ``contact_ids`` on ``day`` over one of ``channels`` meets the
    obligation: still open, of an open project, its window (plus grace) holds the day, and its
    audience includes one of the contacts (or is anyone on the client side)."""
    if (
        obligation.status != ObligationStatus.OPEN
        or obligation.plan_item.project.status not in OPEN_PROJECT_STATUSES
        or obligation.channel not in channels
        or not obligation.window_start <= day
        or obligation.due_date < day - dt.timedelta(days=GRACE_DAYS)
    ):
        return False
    audience = _audience_ids(obligation.plan_item)
    return audience is None or bool(audience & contact_ids)


def _counts_for_plan(interaction) -> bool:
    """Whether the interaction can meet obligations at all: internal notes do not, nor does the
    client writing to us (that does not mean we kept them informed)."""
    from accord.crm.models import Direction

    if interaction.direction == Direction.INTERNAL:
        return False
    return not (interaction.direction == Direction.INBOUND and interaction.kind in ("email", "im", "note"))


def _client_projects(organization_ids: Iterable[int], client_ids: Iterable[int]) -> dict[int, list]:
    """The open projects of each client, for interactions that name no project."""
    from accord.projects.models import Project

    by_client: dict[int, list] = {}
    for project in Project.objects.filter(
        organization_id__in=list(organization_ids),
        client_id__in=list(client_ids),
        status__in=OPEN_PROJECT_STATUSES,
    ).order_by("id"):
        by_client.setdefault(project.client_id, []).append(project)
    return by_client


def _mark_met(obligation: Obligation, *, when, source: str, note: str = "", user=None, interaction=None):
    local_day = timezone.localtime(when).date() if timezone.is_aware(when) else when.date()
    updated = Obligation.objects.filter(pk=obligation.pk, status=ObligationStatus.OPEN).update(
        status=ObligationStatus.MET,
        met_at=when,
        met_on_time=local_day <= obligation.due_date,
        met_by=user,
        met_source=source[:60],
        met_note=note,
        interaction=interaction,
        updated_at=timezone.now(),
    )
    return bool(updated)


def _meet(project, channels, contact_ids: set[int], when, *, source: str, note: str = "", interaction=None):
    if project is None or not channels:
        return []
    when = when or timezone.now()
    day = timezone.localtime(when).date() if timezone.is_aware(when) else when.date()
    met = []
    used_items: set[int] = set()
    for obligation in _open_obligations([project.pk], channels, day, day):
        if obligation.plan_item_id in used_items:
            continue  # one contact meets one obligation per plan item
        if not _matches(obligation, channels, contact_ids, day):
            continue
        if _mark_met(obligation, when=when, source=source, note=note, interaction=interaction):
            used_items.add(obligation.plan_item_id)
            met.append(obligation)
    return met


def meet_for_interaction(interaction) -> list:
    """Meets the open obligations this interaction satisfies: of its project, or of every open
    project of its client when it names none. Returns them."""
    if not _counts_for_plan(interaction):
        return []
    contact_ids = set(interaction.contacts.values_list("pk", flat=True))
    if not contact_ids:
        return []
    if interaction.project_id:
        projects = [interaction.project]
    else:
        projects = _client_projects([interaction.organization_id], [interaction.client_id]).get(
            interaction.client_id, []
        )
    met = []
    for project in projects:
        met += _meet(
            project,
            channel_of_interaction(interaction),
            contact_ids,
            interaction.occurred_at,
            source=f"crm.interaction:{interaction.pk}",
            interaction=interaction,
        )
    return met


def meet_for_interactions(interactions: list, contacts: dict[int, set[int]]) -> list:
    """``meet_for_interaction`` for many interactions at once (an import), in their order, with
    each one's contact ids given: the same rules, and a fixed number of queries however many."""
    todo = []
    for interaction in interactions:
        if not _counts_for_plan(interaction):
            continue
        contact_ids = contacts.get(interaction.pk)
        channels = channel_of_interaction(interaction)
        if not contact_ids or not channels:
            continue
        when = interaction.occurred_at or timezone.now()
        day = timezone.localtime(when).date() if timezone.is_aware(when) else when.date()
        todo.append((interaction, contact_ids, channels, when, day))
    if not todo:
        return []
    with transaction.atomic(savepoint=False):  # the rows are locked until the caller commits
        by_client: dict[int, list[int]] = {}
        without_project = {i.client_id for i, *_rest in todo if not i.project_id}
        if without_project:
            found = _client_projects({i.organization_id for i, *_rest in todo}, without_project)
            by_client = {client_id: [p.pk for p in rows] for client_id, rows in found.items()}
        project_ids = {i.project_id for i, *_rest in todo if i.project_id}
        project_ids.update(pk for ids in by_client.values() for pk in ids)
        days = [day for *_rest, day in todo]
        open_ones = _open_obligations(
            project_ids, {c for _i, _ids, channels, *_rest in todo for c in channels}, min(days), max(days)
        ).select_for_update(of=("self",))
        by_project: dict[int, list[Obligation]] = {}
        for obligation in open_ones:
            by_project.setdefault(obligation.project_id, []).append(obligation)
        met: list[Obligation] = []
        now = timezone.now()
        for interaction, contact_ids, channels, when, day in todo:
            if interaction.project_id:
                projects = [interaction.project_id]
            else:
                projects = by_client.get(interaction.client_id, [])
            for project_id in projects:
                used_items: set[int] = set()
                for obligation in by_project.get(project_id, []):
                    if obligation.plan_item_id in used_items or not _matches(
                        obligation, channels, contact_ids, day
                    ):
                        continue
                    obligation.status = ObligationStatus.MET
                    obligation.met_at = when
                    obligation.met_on_time = day <= obligation.due_date
                    obligation.met_by = None
                    obligation.met_source = f"crm.interaction:{interaction.pk}"[:60]
                    obligation.met_note = ""
                    obligation.interaction_id = interaction.pk
                    obligation.updated_at = now
                    used_items.add(obligation.plan_item_id)
                    met.append(obligation)
        if met:
            Obligation.objects.bulk_update(
                met,
                [
                    "status",
                    "met_at",
                    "met_on_time",
                    "met_by",
                    "met_source",
                    "met_note",
                    "interaction",
                    "updated_at",
                ],
            )
    return met


def meet(*, project, channel: str, contacts=(), when=None, source=None, note: str = "") -> list:
    """Meets open obligations of ``project`` on ``channel`` whose audience includes one of
    ``contacts`` (contacts or ids) and whose window contains ``when``."""
    ids = {getattr(c, "pk", c) for c in contacts}
    label = source._meta.label_lower + f":{source.pk}" if hasattr(source, "_meta") else str(source or "")
    return _meet(project, {channel}, ids, when, source=label, note=note)


def meet_for_message(message) -> list:
    """An e-mail sent to project contacts meets matching e-mail obligations."""
    from accord.crm.models import Contact

    addresses = [a.strip().lower() for a in message.recipient.split(",") if a.strip()]
    ids = set(
        Contact.objects.filter(
            organization_id=message.organization_id, email__in=addresses, projects=message.project_id
        ).values_list("pk", flat=True)
    )
    if not ids:
        return []
    return _meet(message.project, {"email"}, ids, message.sent_at, source=f"comms.outboxmessage:{message.pk}")


def related_met_already(message) -> bool:
    """A published report or minutes met its obligation when published: its mails meet no other."""
    if not message.related_type:
        return False
    return Obligation.objects.filter(
        organization_id=message.organization_id, met_source=f"{message.related_type}:{message.related_id}"
    ).exists()


def meet_for_own_message(message) -> bool:
    """A message sent for one obligation (from its "Send" page) meets that obligation when
    delivered, on any channel."""
    obligation = Obligation.objects.filter(
        organization_id=message.organization_id, pk=message.related_id, status=ObligationStatus.OPEN
    ).first()
    if obligation is None:
        return False
    return _mark_met(obligation, when=message.sent_at, source=f"comms.outboxmessage:{message.pk}")


def tick_off(*, obligation: Obligation, user, note: str = "", when=None) -> bool:
    """The manager marks an obligation met by hand."""
    return _mark_met(obligation, when=when or timezone.now(), source="manual", note=note, user=user)


# --- compliance ---------------------------------------------------------------------------------


def _compliance(group_field: str, ids: Iterable[int], today: dt.date | None = None) -> dict[int, dict]:
    today = today or timezone.localdate()
    rows = (
        Obligation.objects.filter(**{f"{group_field}__in": list(ids)}, due_date__lt=today)
        .values(group_field)
        .annotate(
            due=Count("id"),
            met_on_time=Count("id", filter=Q(status=ObligationStatus.MET, met_on_time=True)),
            met=Count("id", filter=Q(status=ObligationStatus.MET)),
        )
    )
    result = {}
    for row in rows:
        due = row["due"]
        result[row[group_field]] = {
            "due": due,
            "met": row["met"],
            "met_on_time": row["met_on_time"],
            "rate": (row["met_on_time"] / due) if due else None,
        }
    return result


def compliance_for_projects(project_ids: Iterable[int], *, today: dt.date | None = None) -> dict[int, dict]:
    """Communication-plan compliance per project, in one query.

    Returns ``{project_id: {"due": n, "met": n, "met_on_time": n, "rate": 0.0–1.0 or None}}``
    counting obligations whose due date is before ``today`` (default: today). ``rate`` is
    met on time / due; a project with no obligation due yet is absent from the result.
    """
    return _compliance("project_id", project_ids, today)


def compliance_for_clients(client_ids: Iterable[int], *, today: dt.date | None = None) -> dict[int, dict]:
    """The same as ``compliance_for_projects``, per client (over all of its projects)."""
    return _compliance("project__client_id", client_ids, today)


# --- reminders ------------------------------------------------------------------------------------


def send_reminders(now=None) -> int:
    """Remind owners one day before an open obligation is due and once when it is overdue — by
    the calendar of the owner's time zone (else the project's, else the organisation's)."""
    from .services import remind_owner

    now = now or timezone.now()
    # The database narrows by the UTC day widened by a day either way; the owner's day decides.
    utc_today = now.astimezone(dt.UTC).date()
    sent = 0
    related = ("plan_item", "project", "project__client", "owner", "organization")
    soon = Obligation.objects.filter(
        status=ObligationStatus.OPEN,
        reminded_before_at__isnull=True,
        due_date__gte=utc_today - ZONE_SLACK,
        due_date__lte=utc_today + ZONE_SLACK + dt.timedelta(days=REMIND_DAYS_BEFORE),
    ).select_related(*related)
    for obligation in soon:
        today = _owner_today(obligation, now)
        if not today <= obligation.due_date <= today + dt.timedelta(days=REMIND_DAYS_BEFORE):
            continue
        with transaction.atomic():
            if Obligation.objects.filter(pk=obligation.pk, reminded_before_at__isnull=True).update(
                reminded_before_at=now
            ):
                remind_owner(
                    obligation=obligation,
                    title=format_lazy(
                        _("Due {}: {} ({})"),
                        obligation.due_date,
                        obligation.plan_item.purpose,
                        obligation.project.name,
                    ),
                )
                sent += 1
    overdue = Obligation.objects.filter(
        status=ObligationStatus.OPEN, reminded_overdue_at__isnull=True, due_date__lt=utc_today + ZONE_SLACK
    ).select_related(*related)
    for obligation in overdue:
        if not obligation.due_date < _owner_today(obligation, now):
            continue
        with transaction.atomic():
            if Obligation.objects.filter(pk=obligation.pk, reminded_overdue_at__isnull=True).update(
                reminded_overdue_at=now
            ):
                remind_owner(
                    obligation=obligation,
                    title=format_lazy(
                        _("Overdue since {}: {} ({})"),
                        obligation.due_date,
                        obligation.plan_item.purpose,
                        obligation.project.name,
                    ),
                )
                sent += 1
    return sent


def _owner_today(obligation: Obligation, now: dt.datetime) -> dt.date:
    return today_for(
        owner=obligation.owner, project=obligation.project, organization=obligation.organization, now=now
    )
