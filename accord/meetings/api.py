import datetime as dt

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from accord.core.conditional import versioned_by
from accord.core.pagination import ListPage, PageQuery, keyset_page
from accord.core.schemas import Error
from accord.tenancy.access import org_get, project_for_user, project_object_for_user

from . import ics, selectors, services
from .models import ActionItem, AgendaItem, Meeting

router = Router(tags=["meetings"])


class AttendeeOut(Schema):
    id: int
    user_id: int | None
    contact_id: int | None
    name: str
    email: str
    role: str
    response: str


class AgendaItemOut(Schema):
    id: int
    position: int
    title: str
    owner_id: int | None
    owner_contact_id: int | None
    minutes_allotted: int
    notes: str


class MeetingOut(Schema):
    id: int
    project_id: int
    kind: str
    title: str
    starts_at: dt.datetime
    duration_minutes: int
    timezone: str
    location: str
    video_url: str
    video_provider: str
    description: str
    recurrence: str
    recurrence_count: int | None
    uid: str
    sequence: int
    status: str
    minutes_summary: str
    minutes_published_at: dt.datetime | None
    attendees: list[AttendeeOut]
    agenda: list[AgendaItemOut]

    @staticmethod
    def resolve_attendees(obj):
        return list(obj.attendees.all())

    @staticmethod
    def resolve_agenda(obj):
        return list(obj.agenda_items.all())


class MeetingListItem(Schema):
    id: int
    project_id: int
    kind: str
    title: str
    starts_at: dt.datetime
    timezone: str
    status: str
    attendee_count: int
    minutes_published_at: dt.datetime | None


class MeetingPage(ListPage):
    items: list[MeetingListItem]
    next_cursor: str | None


class AgendaIn(Schema):
    title: str = Field(..., max_length=300)
    owner_id: int | None = None
    owner_contact_id: int | None = None
    minutes_allotted: int = Field(10, ge=1, le=480)


class MeetingIn(Schema):
    kind: str = "status"
    title: str = Field(..., max_length=200)
    starts_at: dt.datetime = Field(..., description="Local time in `timezone` when naive.")
    timezone: str = Field("UTC", max_length=64)
    duration_minutes: int = Field(60, ge=5, le=1440)
    location: str = Field("", max_length=300)
    video_url: str = Field("", max_length=500)
    description: str = Field("", max_length=50_000)
    recurrence: str = ""
    recurrence_count: int | None = Field(None, ge=1, le=104)
    plan_item_id: int | None = None
    user_ids: list[int] = Field(default_factory=list, max_length=200)
    contact_ids: list[int] = Field(default_factory=list, max_length=200)
    agenda: list[AgendaIn] = Field(default_factory=list, max_length=100)


class MeetingPatch(Schema):
    kind: str | None = None
    title: str | None = Field(None, max_length=200)
    starts_at: dt.datetime | None = None
    timezone: str | None = Field(None, max_length=64)
    duration_minutes: int | None = Field(None, ge=5, le=1440)
    location: str | None = Field(None, max_length=300)
    video_url: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=50_000)
    recurrence: str | None = None
    recurrence_count: int | None = Field(None, ge=1, le=104)
    user_ids: list[int] | None = Field(None, max_length=200)
    contact_ids: list[int] | None = Field(None, max_length=200)


class MinutesIn(Schema):
    summary: str | None = Field(None, max_length=50_000)
    notes: dict[int, str] = Field(default_factory=dict)


class MeetingDecisionIn(Schema):
    title: str = Field(..., max_length=300)
    detail: str = Field("", max_length=50_000)
    decided_on: dt.date | None = None
    client_visible: bool = True


class DecisionOut(Schema):
    id: int
    project_id: int
    meeting_id: int | None
    title: str
    detail: str
    decided_on: dt.date
    client_visible: bool


class DecisionPage(ListPage):
    items: list[DecisionOut]
    next_cursor: str | None


class ActionItemIn(Schema):
    title: str = Field(..., max_length=300)
    due_date: dt.date | None = None
    owner_id: int | None = None
    owner_contact_id: int | None = None


class ActionItemOut(Schema):
    id: int
    meeting_id: int
    task_id: int
    title: str
    status: str
    due_date: dt.date | None
    owner_id: int | None
    owner_contact_id: int | None
    client_visible: bool

    @staticmethod
    def resolve_title(obj):
        return obj.task.title

    @staticmethod
    def resolve_status(obj):
        return obj.task.status

    @staticmethod
    def resolve_due_date(obj):
        return obj.task.due_date

    @staticmethod
    def resolve_owner_id(obj):
        return obj.task.assignee_id

    @staticmethod
    def resolve_client_visible(obj):
        return obj.task.client_visible


class ActionItemPage(ListPage):
    items: list[ActionItemOut]
    next_cursor: str | None


class DecisionQuery(PageQuery):
    q: str = Field("", max_length=200)


class ActionQuery(PageQuery):
    open: bool = False


def _meeting(request, meeting_id, *, write=False) -> Meeting:
    return project_object_for_user(request.auth, selectors.meeting_detail_queryset(), meeting_id, write=write)


def _fresh(meeting_id) -> Meeting:
    return selectors.meeting_detail_queryset().get(pk=meeting_id)


@router.get("/projects/{project_id}/meetings", response={200: MeetingPage, 404: Error})
def list_meetings(request, project_id: int, page: Query[PageQuery]):
    project = project_for_user(request.auth, project_id)
    return keyset_page(selectors.meeting_list(project.meetings.all()), page)


@router.post(
    "/projects/{project_id}/meetings", response={201: MeetingOut, 403: Error, 404: Error, 422: Error}
)
def create_meeting(request, project_id: int, payload: MeetingIn):
    project = project_for_user(request.auth, project_id, write=True)
    data = payload.model_dump(exclude={"user_ids", "contact_ids", "agenda"})
    if not data.get("plan_item_id"):
        data.pop("plan_item_id", None)
    meeting = services.meeting_schedule(
        actor=request.auth,
        project=project,
        data=data,
        users=payload.user_ids,
        contacts=payload.contact_ids,
        agenda=[a.model_dump() for a in payload.agenda],
    )
    return Status(201, _fresh(meeting.pk))


@router.get("/meetings/{meeting_id}", response={200: MeetingOut, 404: Error})
def get_meeting(request, meeting_id: int):
    return _meeting(request, meeting_id)


@router.patch("/meetings/{meeting_id}", response={200: MeetingOut, 403: Error, 404: Error, 422: Error})
def patch_meeting(request, meeting_id: int, payload: MeetingPatch):
    meeting = _meeting(request, meeting_id, write=True)
    data = payload.model_dump(exclude_unset=True, exclude={"user_ids", "contact_ids"})
    # null clears an optional text (no place, no link, no repeat) and leaves a required field as it is
    for key in ("location", "video_url", "description", "recurrence"):
        if key in data and data[key] is None:
            data[key] = ""
    for key in ("kind", "title", "starts_at", "timezone", "duration_minutes"):
        if key in data and data[key] is None:
            del data[key]
    services.meeting_update(
        actor=request.auth,
        meeting=meeting,
        data=data,
        users=payload.user_ids,
        contacts=payload.contact_ids,
    )
    return _fresh(meeting.pk)


@router.delete("/meetings/{meeting_id}", response={204: None, 403: Error, 404: Error, 422: Error})
def delete_meeting(request, meeting_id: int):
    meeting = _meeting(request, meeting_id)
    services.meeting_delete(actor=request.auth, meeting=meeting)
    return Status(204, None)


@router.post("/meetings/{meeting_id}/cancel", response={200: MeetingOut, 403: Error, 404: Error, 422: Error})
def cancel_meeting(request, meeting_id: int):
    meeting = _meeting(request, meeting_id)
    services.meeting_cancel(actor=request.auth, meeting=meeting)
    return _fresh(meeting.pk)


@router.get("/meetings/{meeting_id}/ics", response={200: None, 404: Error})
def meeting_ics(request, meeting_id: int):
    meeting = _meeting(request, meeting_id)
    method = "CANCEL" if meeting.is_cancelled else "REQUEST"
    return HttpResponse(ics.meeting_ics(meeting, method=method), content_type="text/calendar; charset=utf-8")


@router.get("/meetings/{meeting_id}/agenda", response={200: list[AgendaItemOut], 404: Error})
def list_agenda(request, meeting_id: int):
    return list(_meeting(request, meeting_id).agenda_items.all())


@router.post(
    "/meetings/{meeting_id}/agenda", response={201: AgendaItemOut, 403: Error, 404: Error, 422: Error}
)
def add_agenda_item(request, meeting_id: int, payload: AgendaIn):
    meeting = _meeting(request, meeting_id, write=True)
    return Status(
        201, services.agenda_item_add(actor=request.auth, meeting=meeting, data=payload.model_dump())
    )


def _agenda_item(request, item_id: int) -> AgendaItem:
    item = org_get(request.auth, AgendaItem.objects.select_related("meeting"), item_id)
    project_for_user(request.auth, item.meeting.project_id, write=True)
    return item


@router.delete("/agenda-items/{item_id}", response={204: None, 403: Error, 404: Error})
@versioned_by(_agenda_item)
def delete_agenda_item(request, item_id: int):
    item = _agenda_item(request, item_id)
    services.agenda_item_delete(actor=request.auth, item=item)
    return Status(204, None)


@router.put("/meetings/{meeting_id}/minutes", response={200: MeetingOut, 403: Error, 404: Error, 422: Error})
def record_minutes(request, meeting_id: int, payload: MinutesIn):
    meeting = _meeting(request, meeting_id, write=True)
    services.minutes_record(actor=request.auth, meeting=meeting, summary=payload.summary, notes=payload.notes)
    return _fresh(meeting.pk)


@router.post(
    "/meetings/{meeting_id}/minutes/publish", response={200: MeetingOut, 403: Error, 404: Error, 422: Error}
)
def publish_minutes(request, meeting_id: int):
    meeting = _meeting(request, meeting_id)
    services.minutes_publish(actor=request.auth, meeting=meeting)
    return _fresh(meeting.pk)


@router.get("/projects/{project_id}/decisions", response={200: DecisionPage, 404: Error})
def list_decisions(request, project_id: int, query: Query[DecisionQuery]):
    project = project_for_user(request.auth, project_id)
    return keyset_page(selectors.decision_list(project, query.q), query, q=query.q)


@router.post(
    "/meetings/{meeting_id}/decisions", response={201: DecisionOut, 403: Error, 404: Error, 422: Error}
)
def add_decision(request, meeting_id: int, payload: MeetingDecisionIn):
    meeting = _meeting(request, meeting_id, write=True)
    return Status(
        201,
        services.decision_record(
            actor=request.auth, project=meeting.project, meeting=meeting, data=payload.model_dump()
        ),
    )


@router.get("/projects/{project_id}/action-items", response={200: ActionItemPage, 404: Error})
def list_action_items(request, project_id: int, query: Query[ActionQuery]):
    project = project_for_user(request.auth, project_id)
    qs = ActionItem.objects.filter(organization_id=project.organization_id, meeting__project=project)
    if query.open:
        qs = qs.exclude(task__status="done")
    return keyset_page(qs.select_related("task"), query)


@router.post(
    "/meetings/{meeting_id}/action-items", response={201: ActionItemOut, 403: Error, 404: Error, 422: Error}
)
def add_action_item(request, meeting_id: int, payload: ActionItemIn):
    meeting = _meeting(request, meeting_id, write=True)
    item = services.action_item_create(actor=request.auth, meeting=meeting, data=payload.model_dump())
    return Status(201, item)


@router.post("/action-items/{item_id}/done", response={200: ActionItemOut, 403: Error, 404: Error})
def complete_action_item(request, item_id: int):
    item = org_get(request.auth, ActionItem.objects.select_related("task", "meeting__project"), item_id)
    project_for_user(request.auth, item.meeting.project_id)
    return services.action_item_complete(actor=request.auth, item=item)
