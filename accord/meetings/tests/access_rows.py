"""Access matrix rows for every meeting URL and API operation."""

from django.utils import timezone

from accord.meetings.models import AgendaItem
from tests.access.spec import API_READ, TEAM_READ, TEAM_WRITE_FORM, Row

from .factories import ActionItemFactory, MeetingFactory

TABLES = (
    "meetings.Meeting",
    "meetings.Attendee",
    "meetings.AgendaItem",
    "meetings.Decision",
    "meetings.ActionItem",
    "projects.Task",
    "comms.OutboxMessage",
)
WRITE_PAGE = {"anonymous": 302, "client": 302, "member": 200, "manager": 200, "admin": 200, "outsider": 404}
MANAGE_FORM = {"anonymous": 302, "client": 302, "member": 403, "manager": 302, "admin": 302, "outsider": 404}
PORTAL_READ = {"anonymous": 302, "client": 200, "member": 302, "manager": 302, "admin": 302, "outsider": 404}
PORTAL_DONE = {"anonymous": 302, "client": 302, "member": 403, "manager": 403, "admin": 403, "outsider": 404}
STANDALONE = {"anonymous": 302, "client": 302, "member": 200, "manager": 200, "admin": 200, "outsider": 200}
API_WRITE = {"anonymous": 401, "client": 403, "member": 200, "manager": 200, "admin": 200, "outsider": 404}
API_CREATE = {**API_WRITE, "member": 201, "manager": 201, "admin": 201}
API_DELETE = {**API_WRITE, "member": 204, "manager": 204, "admin": 204}
API_MANAGE = {**API_WRITE, "member": 403}


def _project(world, project):
    return project


def _meeting(world, project):
    return MeetingFactory(project=project)


def _published(world, project):
    return MeetingFactory(project=project, minutes_published_at=timezone.now())


def _agenda_item(world, project):
    meeting = MeetingFactory(project=project)
    return AgendaItem.objects.create(organization=meeting.organization, meeting=meeting, title="Topic")


def _action_item(world, project):
    return ActionItemFactory(meeting=MeetingFactory(project=project))


def _client_action_item(world, project):
    meeting = MeetingFactory(project=project, minutes_published_at=timezone.now())
    return ActionItemFactory(meeting=meeting, owner_contact=world.contact)


MEETING_FORM = {
    "kind": "status",
    "title": "Steering",
    "starts_at": "2030-01-07T10:00",
    "timezone": "Asia/Shanghai",
    "duration_minutes": 30,
}

ROWS = [
    Row("meetings:mine", path=lambda w: "/meetings/", expect=STANDALONE),
    Row(
        "meetings:calendar_rotate",
        method="POST",
        path=lambda w: "/meetings/calendar/rotate/",
        expect=STANDALONE,
    ),
    Row(
        "meetings:feed",
        path=lambda w: "/calendar/not-a-valid-token.ics",
        expect=dict.fromkeys(("anonymous", "client", "member", "manager", "admin", "outsider"), 404),
    ),
    Row("meetings:list", make=_project, path=lambda p: f"/projects/{p.pk}/meetings/", expect=TEAM_READ),
    Row(
        "meetings:create", make=_project, path=lambda p: f"/projects/{p.pk}/meetings/new/", expect=WRITE_PAGE
    ),
    Row(
        "meetings:create",
        method="POST",
        make=_project,
        path=lambda p: f"/projects/{p.pk}/meetings/new/",
        data=lambda p: MEETING_FORM,
        expect=TEAM_WRITE_FORM,
        tables=TABLES,
    ),
    Row("meetings:decisions", make=_project, path=lambda p: f"/projects/{p.pk}/decisions/", expect=TEAM_READ),
    Row("meetings:detail", make=_meeting, path=lambda m: f"/meetings/{m.pk}/", expect=TEAM_READ),
    Row("meetings:edit", make=_meeting, path=lambda m: f"/meetings/{m.pk}/edit/", expect=WRITE_PAGE),
    Row(
        "meetings:edit",
        method="POST",
        make=_meeting,
        path=lambda m: f"/meetings/{m.pk}/edit/",
        data=lambda m: MEETING_FORM,
        expect=TEAM_WRITE_FORM,
        tables=TABLES,
    ),
    Row(
        "meetings:cancel",
        method="POST",
        make=_meeting,
        path=lambda m: f"/meetings/{m.pk}/cancel/",
        expect=TEAM_WRITE_FORM,
        tables=TABLES,
    ),
    Row("meetings:ics", make=_meeting, path=lambda m: f"/meetings/{m.pk}/invite.ics", expect=TEAM_READ),
    Row(
        "meetings:agenda_add",
        method="POST",
        make=_meeting,
        path=lambda m: f"/meetings/{m.pk}/agenda/",
        data=lambda m: {"title": "Budget", "minutes_allotted": 10},
        expect=TEAM_WRITE_FORM,
        tables=TABLES,
    ),
    Row(
        "meetings:agenda_delete",
        method="POST",
        make=_agenda_item,
        path=lambda i: f"/agenda-items/{i.pk}/delete/",
        expect=TEAM_WRITE_FORM,
        tables=TABLES,
    ),
    Row("meetings:minutes", make=_meeting, path=lambda m: f"/meetings/{m.pk}/minutes/", expect=WRITE_PAGE),
    Row(
        "meetings:minutes",
        method="POST",
        make=_meeting,
        path=lambda m: f"/meetings/{m.pk}/minutes/",
        data=lambda m: {"summary": "Agreed."},
        expect=TEAM_WRITE_FORM,
        tables=TABLES,
    ),
    Row(
        "meetings:publish",
        method="POST",
        make=_meeting,
        path=lambda m: f"/meetings/{m.pk}/minutes/publish/",
        expect=MANAGE_FORM,
        tables=TABLES,
    ),
    Row(
        "meetings:decision_add",
        method="POST",
        make=_meeting,
        path=lambda m: f"/meetings/{m.pk}/decisions/",
        data=lambda m: {"title": "Go", "client_visible": "on"},
        expect=TEAM_WRITE_FORM,
        tables=TABLES,
    ),
    Row(
        "meetings:action_add",
        method="POST",
        make=_meeting,
        path=lambda m: f"/meetings/{m.pk}/action-items/",
        data=lambda m: {"title": "Send notes", "owner": ""},
        expect=TEAM_WRITE_FORM,
        tables=TABLES,
    ),
    Row(
        "meetings:action_done",
        method="POST",
        make=_action_item,
        path=lambda a: f"/action-items/{a.pk}/done/",
        expect=TEAM_WRITE_FORM,
        tables=TABLES,
    ),
    Row(
        "meetings:portal_list",
        make=_project,
        path=lambda p: f"/portal/projects/{p.pk}/meetings/",
        expect=PORTAL_READ,
        portal=True,
    ),
    Row(
        "meetings:portal_detail",
        make=_published,
        path=lambda m: f"/portal/meetings/{m.pk}/",
        expect=PORTAL_READ,
        portal=True,
    ),
    Row(
        "meetings:portal_action_done",
        method="POST",
        make=_client_action_item,
        path=lambda a: f"/portal/action-items/{a.pk}/done/",
        expect=PORTAL_DONE,
        tables=TABLES,
        portal=True,
    ),
    # API
    Row(
        "GET /api/v1/projects/{project_id}/meetings",
        make=_project,
        path=lambda p: f"/api/v1/projects/{p.pk}/meetings",
        expect=API_READ,
    ),
    Row(
        "POST /api/v1/projects/{project_id}/meetings",
        make=_project,
        path=lambda p: f"/api/v1/projects/{p.pk}/meetings",
        data=lambda p: {"title": "Steering", "starts_at": "2030-01-07T10:00:00", "timezone": "Europe/Berlin"},
        expect=API_CREATE,
        tables=TABLES,
    ),
    Row(
        "GET /api/v1/meetings/{meeting_id}",
        make=_meeting,
        path=lambda m: f"/api/v1/meetings/{m.pk}",
        expect=API_READ,
    ),
    Row(
        "PATCH /api/v1/meetings/{meeting_id}",
        make=_meeting,
        path=lambda m: f"/api/v1/meetings/{m.pk}",
        data=lambda m: {"duration_minutes": 90},
        expect=API_WRITE,
        tables=TABLES,
    ),
    Row(
        "DELETE /api/v1/meetings/{meeting_id}",
        make=_meeting,
        path=lambda m: f"/api/v1/meetings/{m.pk}",
        expect=API_DELETE,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/meetings/{meeting_id}/cancel",
        make=_meeting,
        path=lambda m: f"/api/v1/meetings/{m.pk}/cancel",
        data=lambda m: {},
        expect=API_WRITE,
        tables=TABLES,
    ),
    Row(
        "GET /api/v1/meetings/{meeting_id}/ics",
        make=_meeting,
        path=lambda m: f"/api/v1/meetings/{m.pk}/ics",
        expect=API_READ,
    ),
    Row(
        "GET /api/v1/meetings/{meeting_id}/agenda",
        make=_meeting,
        path=lambda m: f"/api/v1/meetings/{m.pk}/agenda",
        expect=API_READ,
    ),
    Row(
        "POST /api/v1/meetings/{meeting_id}/agenda",
        make=_meeting,
        path=lambda m: f"/api/v1/meetings/{m.pk}/agenda",
        data=lambda m: {"title": "Risks", "minutes_allotted": 5},
        expect=API_CREATE,
        tables=TABLES,
    ),
    Row(
        "DELETE /api/v1/agenda-items/{item_id}",
        make=_agenda_item,
        path=lambda i: f"/api/v1/agenda-items/{i.pk}",
        expect=API_DELETE,
        tables=TABLES,
    ),
    Row(
        "PUT /api/v1/meetings/{meeting_id}/minutes",
        make=_meeting,
        path=lambda m: f"/api/v1/meetings/{m.pk}/minutes",
        data=lambda m: {"summary": "Agreed."},
        expect=API_WRITE,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/meetings/{meeting_id}/minutes/publish",
        make=_meeting,
        path=lambda m: f"/api/v1/meetings/{m.pk}/minutes/publish",
        data=lambda m: {},
        expect=API_MANAGE,
        tables=TABLES,
    ),
    Row(
        "GET /api/v1/projects/{project_id}/decisions",
        make=_project,
        path=lambda p: f"/api/v1/projects/{p.pk}/decisions",
        expect=API_READ,
    ),
    Row(
        "POST /api/v1/meetings/{meeting_id}/decisions",
        make=_meeting,
        path=lambda m: f"/api/v1/meetings/{m.pk}/decisions",
        data=lambda m: {"title": "Go"},
        expect=API_CREATE,
        tables=TABLES,
    ),
    Row(
        "GET /api/v1/projects/{project_id}/action-items",
        make=_project,
        path=lambda p: f"/api/v1/projects/{p.pk}/action-items",
        expect=API_READ,
    ),
    Row(
        "POST /api/v1/meetings/{meeting_id}/action-items",
        make=_meeting,
        path=lambda m: f"/api/v1/meetings/{m.pk}/action-items",
        data=lambda m: {"title": "Send notes", "owner_id": m.project.manager_id},
        expect=API_CREATE,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/action-items/{item_id}/done",
        make=_action_item,
        path=lambda a: f"/api/v1/action-items/{a.pk}/done",
        data=lambda a: {},
        expect=API_WRITE,
        tables=TABLES,
    ),
]

# A client contact is turned away from team pages (to the portal) and from project-level API
# operations (403) before anything is looked up, in any organisation; an object of another
# organisation is a 404 to them like to everyone.
for _row in ROWS:
    is_api = _row.route.startswith(("GET ", "POST ", "PUT ", "PATCH ", "DELETE "))
    if not _row.portal and (not is_api or "{project_id}" in _row.route):
        _row.expect_foreign.setdefault("client", _row.expect["client"])
