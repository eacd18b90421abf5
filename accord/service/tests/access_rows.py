"""Access matrix rows for support requests and training sessions (see tests/access/spec.py)."""

from __future__ import annotations

import secrets

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from accord.comms.models import InboundMessage
from accord.portal.tests.access_rows import PORTAL_PAGE, PORTAL_WRITE, portal_row
from accord.service.models import SupportAttachment, SupportMail, SupportMailbox, TrainingMaterial
from accord.service.tests.factories import SupportRequestFactory, TrainingSessionFactory
from accord.tenancy.models import hash_token
from accord.testing.factories import ProjectFactory
from tests.access.spec import API_READ, TEAM_READ, TEAM_WRITE_FORM, Row

SUPPORT = ("service.SupportRequest", "service.SupportReply", "service.SupportAttachment")
SUPPORT_MAIL = (*SUPPORT, "service.SupportMail", "service.SupportMailbox", "comms.InboundMessage")
ADMIN_PAGE = {"anonymous": 302, "client": 302, "member": 403, "manager": 403, "admin": 200, "outsider": 200}
ADMIN_POST = {**ADMIN_PAGE, "admin": 302, "outsider": 302}
ORG_WIDE = {"member": 200}
TRAINING = ("service.TrainingSession", "service.TrainingMaterial", "service.TrainingFeedback")

TEAM_FORM = {**TEAM_READ}
API_CREATE = {"anonymous": 401, "client": 403, "member": 201, "manager": 201, "admin": 201, "outsider": 404}
API_ONE = {**API_READ}
# A client's token reaches no team operation: 403 before any lookup.
CLIENT_403 = {"client": 403}


def _project(world, project):
    return project


def _request(world, project):
    return SupportRequestFactory(project=project, contact=project.contacts.first(), title="Matrix request")


def _attachment(world, project):
    request = _request(world, project)
    attachment = SupportAttachment(
        organization=project.organization,
        request=request,
        filename="matrix.txt",
        content_type="text/plain; charset=utf-8",
        size=6,
    )
    attachment.file.save("matrix.txt", ContentFile(b"matrix"), save=False)
    attachment.save()
    return attachment


def _session(world, project):
    session = TrainingSessionFactory(project=project, topic="Matrix training")
    session.attendees.set(project.contacts.all())
    return session


def _session_with_client(world, project):
    """A session the world's client contact attended (on any project: only their own is reachable)."""
    session = TrainingSessionFactory(project=project, topic="Matrix training")
    if world.contact.organization_id == project.organization_id:
        session.attendees.add(world.contact)
    return session


def _material(world, project):
    session = _session(world, project)
    material = TrainingMaterial(
        organization=project.organization,
        session=session,
        title="Slides",
        filename="slides.pdf",
        content_type="application/pdf",
        size=9,
    )
    material.file.save("slides.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    material.save()
    return material


def _request_and_sibling(world, project):
    """A request and another project of the same client (with the same team) to move it to."""
    request = _request(world, project)
    request.sibling = ProjectFactory(
        organization=project.organization, client=project.client, manager=project.manager
    )
    request.sibling.team.set(project.team.all())
    return request


def _unmatched_mail(world, project):
    """Mail from an unknown sender waiting for the team, suggesting ``project``, answering a request there."""
    inbound = InboundMessage.objects.create(
        organization=project.organization,
        message_id=f"<matrix-{project.pk}@stranger.example>",
        sender="stranger@else.example",
        subject="Matrix mail",
        body_text="Help",
        received_at=project.created_at,
        status="triage",
    )
    return SupportMail.objects.create(
        organization=project.organization,
        direction="in",
        message_id=inbound.message_id,
        state="unmatched",
        inbound=inbound,
        project=project,
        refers_to=_request(world, project),
        reason="unknown_sender",
    )


def _mailbox(world, project):
    return SupportMailbox.objects.create(
        organization=project.organization, address=f"matrix-{project.pk}@acme.example"
    )


def _mailbox_with_link(world, project):
    """An unconfirmed support address whose confirmation link (the credential) is known."""
    raw = secrets.token_urlsafe(24)
    box = SupportMailbox.objects.create(
        organization=project.organization,
        address=f"confirm-{project.pk}@acme.example",
        verification_token_hash=hash_token(raw),
        verification_sent_at=timezone.now(),
    )
    box.raw_token = raw
    return box


PUBLIC = dict.fromkeys(("anonymous", "client", "member", "manager", "admin", "outsider"), 200)
NOT_FOUND = dict.fromkeys(PUBLIC, 404)


def _request_form(obj):
    return {"title": "Matrix request", "description": "It broke", "priority": "high"}


def _session_form(obj):
    return {"topic": "Matrix training", "starts_at": "2026-12-01T10:00", "duration_minutes": "90"}


def _team(rows):
    for row in rows:
        row.expect_foreign.setdefault("client", row.expect["client"])
    return rows


WEB = _team(
    [
        Row("service:queue", path=lambda w: "/support/", expect={**TEAM_READ, "outsider": 200}),
        Row(
            "service:project_support",
            make=_project,
            path=lambda p: f"/projects/{p.pk}/support/",
            expect=TEAM_READ,
        ),
        Row(
            "service:request_create",
            make=_project,
            path=lambda p: f"/projects/{p.pk}/support/new/",
            expect=TEAM_FORM,
        ),
        Row(
            "service:request_create",
            method="POST",
            make=_project,
            path=lambda p: f"/projects/{p.pk}/support/new/",
            data=_request_form,
            expect=TEAM_WRITE_FORM,
            tables=SUPPORT,
        ),
        Row("service:request_detail", make=_request, path=lambda r: f"/support/{r.pk}/", expect=TEAM_READ),
        Row(
            "service:request_reply",
            method="POST",
            make=_request,
            path=lambda r: f"/support/{r.pk}/reply/",
            data=lambda r: {"body": "On it"},
            expect=TEAM_WRITE_FORM,
            tables=SUPPORT,
        ),
        Row(
            "service:request_update",
            method="POST",
            make=_request,
            path=lambda r: f"/support/{r.pk}/update/",
            data=lambda r: {"status": "open", "priority": "urgent", "assignee": ""},
            expect=TEAM_WRITE_FORM,
            tables=SUPPORT,
        ),
        Row(
            "service:request_move",
            method="POST",
            make=_request_and_sibling,
            path=lambda r: f"/support/{r.pk}/move/",
            data=lambda r: {"project": r.sibling.pk},
            expect=TEAM_WRITE_FORM,
            tables=SUPPORT,
        ),
        Row("service:mail_queue", path=lambda w: "/support/mail/", expect={**TEAM_READ, "outsider": 200}),
        Row(
            "service:mail_detail",
            make=_unmatched_mail,
            path=lambda m: f"/support/mail/{m.pk}/",
            expect=TEAM_READ,
            expect_other_project=ORG_WIDE,
        ),
        Row(
            "service:mail_open",
            method="POST",
            make=_unmatched_mail,
            path=lambda m: f"/support/mail/{m.pk}/open/",
            data=lambda m: {"project": m.project_id, "priority": "high"},
            expect=TEAM_WRITE_FORM,
            # The member may only choose projects they are on: the form refuses the other one.
            expect_other_project={"member": 422},
            tables=SUPPORT_MAIL,
        ),
        Row(
            "service:mail_add",
            method="POST",
            make=_unmatched_mail,
            path=lambda m: f"/support/mail/{m.pk}/add/",
            data=lambda m: {"request": m.refers_to_id},
            expect=TEAM_WRITE_FORM,
            expect_other_project={"member": 422},
            tables=SUPPORT_MAIL,
        ),
        Row(
            "service:mail_discard",
            method="POST",
            make=_unmatched_mail,
            path=lambda m: f"/support/mail/{m.pk}/discard/",
            expect=TEAM_WRITE_FORM,
            expect_other_project={"member": 302},
            tables=SUPPORT_MAIL,
        ),
        Row("service:mailboxes", path=lambda w: "/support/addresses/", expect=ADMIN_PAGE),
        Row(
            "service:mailboxes",
            method="POST",
            path=lambda w: "/support/addresses/",
            data=lambda w: {"address": "matrix@acme.example", "priority": "normal"},
            expect=ADMIN_POST,
            tables=SUPPORT_MAIL,
        ),
        Row(
            "service:mailbox_delete",
            method="POST",
            make=_mailbox,
            path=lambda b: f"/support/addresses/{b.pk}/delete/",
            expect={**ADMIN_POST, "outsider": 404},
            expect_other_project={"member": 403},
            tables=SUPPORT_MAIL,
        ),
        Row(
            "service:mailbox_resend",
            method="POST",
            make=_mailbox,
            path=lambda b: f"/support/addresses/{b.pk}/resend/",
            expect={**ADMIN_POST, "outsider": 404},
            expect_other_project={"member": 403},
            tables=(*SUPPORT_MAIL, "comms.OutboxMessage"),
        ),
        # The confirmation link mailed to a support address: holding it is the credential.
        Row(
            "service:mailbox_confirm",
            make=_mailbox_with_link,
            path=lambda b: reverse("service:mailbox_confirm", args=[b.raw_token]),
            expect=PUBLIC,
            expect_other_project=PUBLIC,
            expect_foreign=PUBLIC,
        ),
        Row(
            "service:mailbox_confirm",
            method="POST",
            make=_mailbox_with_link,
            path=lambda b: reverse("service:mailbox_confirm", args=[b.raw_token]),
            expect=PUBLIC,
            expect_other_project=PUBLIC,
            expect_foreign=PUBLIC,
            note="each request is rolled back, so each role may use the link",
        ),
        Row(
            "service:mailbox_confirm",
            method="POST",
            note="a guessed token confirms nothing",
            make=_mailbox_with_link,
            path=lambda b: reverse("service:mailbox_confirm", args=["guessed" + b.raw_token[7:][::-1]]),
            expect=NOT_FOUND,
            expect_other_project=NOT_FOUND,
            expect_foreign=NOT_FOUND,
            tables=("service.SupportMailbox",),
        ),
        Row(
            "service:attachment_download",
            make=_attachment,
            path=lambda a: f"/support/attachments/{a.pk}/",
            expect=TEAM_READ,
        ),
        Row(
            "service:training_create",
            make=_project,
            path=lambda p: f"/projects/{p.pk}/training/new/",
            expect=TEAM_FORM,
        ),
        Row(
            "service:training_create",
            method="POST",
            make=_project,
            path=lambda p: f"/projects/{p.pk}/training/new/",
            data=_session_form,
            expect=TEAM_WRITE_FORM,
            tables=TRAINING,
        ),
        Row("service:training_detail", make=_session, path=lambda s: f"/training/{s.pk}/", expect=TEAM_READ),
        Row(
            "service:training_edit", make=_session, path=lambda s: f"/training/{s.pk}/edit/", expect=TEAM_FORM
        ),
        Row(
            "service:training_edit",
            method="POST",
            make=_session,
            path=lambda s: f"/training/{s.pk}/edit/",
            data=_session_form,
            expect=TEAM_WRITE_FORM,
            tables=TRAINING,
        ),
        Row(
            "service:training_material_add",
            method="POST",
            make=_session,
            path=lambda s: f"/training/{s.pk}/materials/",
            data=lambda s: {"title": "Recording", "url": "https://video.example/rec"},
            expect=TEAM_WRITE_FORM,
            tables=TRAINING,
        ),
        Row(
            "service:material_download",
            make=_material,
            path=lambda m: f"/training/materials/{m.pk}/",
            expect=TEAM_READ,
        ),
    ]
)

PORTAL = [
    portal_row(
        "service:portal_requests",
        make=_project,
        path=lambda p: f"/portal/projects/{p.pk}/support/",
        expect=PORTAL_PAGE,
    ),
    portal_row(
        "service:portal_request_create",
        make=_project,
        path=lambda p: f"/portal/projects/{p.pk}/support/new/",
        expect=PORTAL_PAGE,
    ),
    portal_row(
        "service:portal_request_create",
        method="POST",
        make=_project,
        path=lambda p: f"/portal/projects/{p.pk}/support/new/",
        data=_request_form,
        expect=PORTAL_WRITE,
        tables=SUPPORT,
    ),
    portal_row(
        "service:portal_request_detail",
        make=_request,
        path=lambda r: f"/portal/support/{r.pk}/",
        expect=PORTAL_PAGE,
    ),
    portal_row(
        "service:portal_request_detail",
        method="POST",
        make=_request,
        path=lambda r: f"/portal/support/{r.pk}/",
        data=lambda r: {"body": "More details"},
        expect=PORTAL_WRITE,
        tables=SUPPORT,
    ),
    portal_row(
        "service:portal_attachment_download",
        make=_attachment,
        path=lambda a: f"/portal/support/attachments/{a.pk}/",
        expect=PORTAL_PAGE,
    ),
    portal_row(
        "service:portal_training",
        make=_project,
        path=lambda p: f"/portal/projects/{p.pk}/training/",
        expect=PORTAL_PAGE,
    ),
    portal_row(
        "service:portal_training_detail",
        make=_session_with_client,
        path=lambda s: f"/portal/training/{s.pk}/",
        expect=PORTAL_PAGE,
    ),
    portal_row(
        "service:portal_training_detail",
        method="POST",
        make=_session_with_client,
        path=lambda s: f"/portal/training/{s.pk}/",
        data=lambda s: {"rating": "5", "comment": "Clear"},
        expect=PORTAL_WRITE,
        tables=TRAINING,
    ),
    portal_row(
        "service:portal_material_download",
        make=_material,
        path=lambda m: f"/portal/training/materials/{m.pk}/",
        expect=PORTAL_PAGE,
    ),
]


def _api(route, **kwargs) -> Row:
    kwargs.setdefault("expect_foreign", dict(CLIENT_403))
    return Row(route, **kwargs)


API = [
    Row(
        "GET /api/v1/support-requests",
        path=lambda w: "/api/v1/support-requests",
        expect={**API_READ, "outsider": 200},
    ),
    Row(
        "POST /api/v1/support-requests",
        path=lambda w: "/api/v1/support-requests",
        data=lambda w: {
            "project_id": w.project.pk,
            "title": "API request",
            "description": "Broken",
            "priority": "low",
        },
        expect=API_CREATE,
        tables=SUPPORT,
    ),
    _api(
        "GET /api/v1/support-requests/{request_id}",
        make=_request,
        path=lambda r: f"/api/v1/support-requests/{r.pk}",
        expect=API_ONE,
    ),
    _api(
        "PATCH /api/v1/support-requests/{request_id}",
        make=_request,
        path=lambda r: f"/api/v1/support-requests/{r.pk}",
        data=lambda r: {"status": "open", "priority": "high"},
        expect=API_ONE,
        tables=SUPPORT,
    ),
    _api(
        "GET /api/v1/support-requests/{request_id}/replies",
        make=_request,
        path=lambda r: f"/api/v1/support-requests/{r.pk}/replies",
        expect=API_ONE,
    ),
    _api(
        "POST /api/v1/support-requests/{request_id}/replies",
        make=_request,
        path=lambda r: f"/api/v1/support-requests/{r.pk}/replies",
        data=lambda r: {"body": "Fixed"},
        expect={**API_CREATE},
        tables=SUPPORT,
    ),
    Row(
        "GET /api/v1/training-sessions",
        path=lambda w: "/api/v1/training-sessions",
        expect={**API_READ, "outsider": 200},
    ),
    Row(
        "POST /api/v1/training-sessions",
        path=lambda w: "/api/v1/training-sessions",
        data=lambda w: {
            "project_id": w.project.pk,
            "topic": "API training",
            "starts_at": "2026-12-01T10:00:00Z",
        },
        expect=API_CREATE,
        tables=TRAINING,
    ),
    _api(
        "GET /api/v1/training-sessions/{session_id}",
        make=_session,
        path=lambda s: f"/api/v1/training-sessions/{s.pk}",
        expect=API_ONE,
    ),
    _api(
        "PATCH /api/v1/training-sessions/{session_id}",
        make=_session,
        path=lambda s: f"/api/v1/training-sessions/{s.pk}",
        data=lambda s: {"topic": "Renamed"},
        expect=API_ONE,
        tables=TRAINING,
    ),
]

ROWS = [*WEB, *PORTAL, *API]

# Support addresses (administrators) and mail waiting for the team, in the API.
API_ADMIN_LIST = {
    "anonymous": 401,
    "client": 403,
    "member": 403,
    "manager": 403,
    "admin": 200,
    "outsider": 200,
}
API_ADMIN_OBJ = {**API_ADMIN_LIST, "outsider": 404}
ORG_WIDE_403 = {"member": 403}

ROWS += [
    Row("GET /api/v1/support-addresses", expect=API_ADMIN_LIST),
    Row(
        "POST /api/v1/support-addresses",
        data=lambda w: {"address": "matrix-api@acme.example", "priority": "high"},
        expect={**API_ADMIN_LIST, "admin": 201, "outsider": 201},
        tables=(*SUPPORT_MAIL, "comms.OutboxMessage"),
    ),
    Row(
        "POST /api/v1/support-addresses/{mailbox_id}/resend",
        make=_mailbox,
        path=lambda b: f"/api/v1/support-addresses/{b.pk}/resend",
        expect=API_ADMIN_OBJ,
        expect_other_project=ORG_WIDE_403,
        tables=(*SUPPORT_MAIL, "comms.OutboxMessage"),
    ),
    Row(
        "DELETE /api/v1/support-addresses/{mailbox_id}",
        make=_mailbox,
        path=lambda b: f"/api/v1/support-addresses/{b.pk}",
        expect={**API_ADMIN_OBJ, "admin": 204},
        expect_other_project=ORG_WIDE_403,
        tables=SUPPORT_MAIL,
    ),
    Row("GET /api/v1/support-mail", expect={**API_READ, "outsider": 200}),
    Row(
        "POST /api/v1/support-mail/{mail_id}/attach",
        make=_unmatched_mail,
        path=lambda m: f"/api/v1/support-mail/{m.pk}/attach",
        data=lambda m: {"request_id": m.refers_to_id},
        expect=API_ONE,
        # The mail is the team's; the request it names is on a project the member is not on.
        expect_other_project={"member": 422},
        tables=SUPPORT_MAIL,
    ),
    Row(
        "POST /api/v1/support-mail/{mail_id}/open",
        make=_unmatched_mail,
        path=lambda m: f"/api/v1/support-mail/{m.pk}/open",
        data=lambda m: {"project_id": m.project_id, "priority": "high"},
        expect={**API_ONE, "member": 201, "manager": 201, "admin": 201},
        expect_other_project={"member": 422},
        tables=SUPPORT_MAIL,
    ),
    Row(
        "POST /api/v1/support-mail/{mail_id}/discard",
        make=_unmatched_mail,
        path=lambda m: f"/api/v1/support-mail/{m.pk}/discard",
        expect=API_ONE,
        expect_other_project={"member": 200},
        tables=SUPPORT_MAIL,
    ),
]
