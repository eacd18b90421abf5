"""Support by e-mail: a mail to a support address opens a request, an answer by mail continues it,
the team's replies go out threaded, and what matches nothing waits for the team."""

import datetime as dt
import io
import sys
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from accord.comms.inbound import mail_ingest
from accord.comms.models import InboundMessage, OutboxMessage
from accord.comms.senders import message_id_header
from accord.crm.models import Interaction
from accord.projects.models import ProjectStatus
from accord.service import mail, services
from accord.service.models import (
    MailState,
    Priority,
    RequestSource,
    RequestStatus,
    SupportAttachment,
    SupportMail,
    SupportMailbox,
    SupportReply,
    SupportRequest,
    UnmatchedReason,
)
from accord.testing import factories as f

from .factories import confirmed_mailbox

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%trace\n"


def _m(world, user):
    return world.memberships[user.pk]


def _mail(
    *,
    sender="Li Na <li.na@client.example>",
    to="support@acme.example",
    subject="Export stops halfway",
    body="The monthly export stops at 50%.",
    msgid="<req1@client.example>",
    in_reply_to="",
    headers=None,
    attachments=(),
):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = msgid
    msg["Date"] = "Thu, 26 Nov 2026 10:00:00 +0800"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for name, data, mime in attachments:
        maintype, subtype = mime.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


@pytest.fixture
def mailbox(world):
    return confirmed_mailbox(_m(world, world.admin), "Support@Acme.example")


def _outbox_to(address):
    return OutboxMessage.objects.filter(recipient=address).order_by("id")


def test_mail_from_a_contact_opens_a_request_on_their_project(world, mailbox):
    raw = _mail(attachments=[("trace.pdf", PDF, "application/pdf")])
    [inbound] = mail_ingest(raw)
    request = SupportRequest.objects.get()
    assert (request.project, request.contact, request.source) == (
        world.project,
        world.contact,
        RequestSource.EMAIL,
    )
    assert request.title == "Export stops halfway" and "stops at 50%" in request.description
    assert request.created_by == world.client_user and request.priority == Priority.NORMAL
    assert request.attachments.get().filename == "trace.pdf"
    # Kept by comms too: on the client's timeline, the same Message-ID.
    assert inbound.status == "logged" and inbound.interaction.client == world.client
    assert SupportMail.objects.get(direction="in").state == MailState.OPENED
    # The contact hears back: number in the subject, threaded on their mail, replies to the address.
    ack = _outbox_to("li.na@client.example").get()
    assert ack.subject.startswith(f"[#{request.pk}] ")
    assert ack.headers["In-Reply-To"] == "<req1@client.example>"
    assert ack.headers["Reply-To"] == "support@acme.example"
    assert ack.headers["Auto-Submitted"] == "auto-replied"
    assert "Reply to this e-mail" in ack.body_text
    # The team is told.
    assert world.manager.notifications.filter(title__contains="Export stops halfway").exists()


def test_the_same_message_twice_opens_one_request(world, mailbox):
    raw = _mail()
    assert len(mail_ingest(raw)) == 1
    assert mail_ingest(raw) == []

    class Stdin:
        buffer = io.BytesIO(raw)

    old, sys.stdin = sys.stdin, Stdin()
    try:
        out = io.StringIO()
        call_command("mail_in", stdout=out)
    finally:
        sys.stdin = old
    assert "duplicate" in out.getvalue()
    assert SupportRequest.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_the_tag_names_the_project_else_the_most_recent_one(world, mailbox):
    world.other_project.contacts.add(world.contact)
    world.other_project.start_date = world.project.start_date + dt.timedelta(days=10)
    world.other_project.end_date = world.other_project.start_date + dt.timedelta(days=90)
    world.other_project.save()
    mail_ingest(_mail(msgid="<a@client.example>"))
    assert SupportRequest.objects.get().project == world.other_project
    mail_ingest(_mail(msgid="<b@client.example>", to=f"support+{world.project.code.lower()}@acme.example"))
    assert SupportRequest.objects.order_by("-id").first().project == world.project
    # A tag naming another client's project is ignored.
    theirs = f.ProjectFactory(organization=world.org, client=f.ClientFactory(organization=world.org))
    mail_ingest(_mail(msgid="<c@client.example>", to=f"support+{theirs.code}@acme.example"))
    assert SupportRequest.objects.order_by("-id").first().project == world.other_project


def test_open_projects_come_before_closed_ones(world, mailbox):
    world.other_project.contacts.add(world.contact)
    world.other_project.start_date = world.project.start_date + dt.timedelta(days=10)
    world.other_project.end_date = world.other_project.start_date + dt.timedelta(days=90)
    world.other_project.status = ProjectStatus.CLOSED
    world.other_project.save()
    mail_ingest(_mail())
    assert SupportRequest.objects.get().project == world.project


def test_a_project_address_files_on_that_project_with_its_priority(world):
    confirmed_mailbox(
        _m(world, world.admin), "erp@acme.example", project=world.other_project, priority="high"
    )
    mail_ingest(_mail(to="ERP Help <erp@acme.example>"))
    request = SupportRequest.objects.get()
    assert request.project == world.other_project and request.priority == Priority.HIGH


def test_the_team_can_move_a_request_to_another_project_of_the_client(world, mailbox):
    mail_ingest(_mail())
    request = SupportRequest.objects.get()
    services.support_request_move(
        actor=_m(world, world.manager), request=request, project=world.other_project
    )
    request.refresh_from_db()
    assert request.project == world.other_project
    with pytest.raises(services.ValidationError):
        services.support_request_move(
            actor=_m(world, world.manager),
            request=request,
            project=f.ProjectFactory(organization=world.org, manager=world.manager),
        )
    with pytest.raises(services.PermissionDenied):  # the member is not on the other project
        services.support_request_move(actor=_m(world, world.member), request=request, project=world.project)


def test_an_answer_by_mail_continues_the_request(world, mailbox):
    mail_ingest(_mail())
    request = SupportRequest.objects.get()
    team_reply = services.support_reply_add(
        actor=_m(world, world.member), request=request, body="Which file did you export?"
    )
    ack, out = _outbox_to("li.na@client.example")
    assert out.subject == f"[#{request.pk}] Reply on your support request: Export stops halfway"
    assert out.headers["In-Reply-To"] == message_id_header(ack)
    assert out.headers["References"].split() == ["<req1@client.example>", message_id_header(ack)]
    assert SupportMail.objects.get(reply=team_reply).message_id == message_id_header(out)
    services.support_request_update(actor=_m(world, world.member), request=request, status="waiting")

    answer = "The sales export.\n\nOn Thu, 26 Nov 2026 Team wrote:\n> Which file did you export?\n"
    mail_ingest(
        _mail(
            subject=f"Re: {out.subject}",
            msgid="<answer1@client.example>",
            in_reply_to=message_id_header(out),
            body=answer,
            attachments=[("shot.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png")],
        )
    )
    assert SupportRequest.objects.count() == 1
    reply = SupportReply.objects.filter(from_client=True).get()
    assert reply.body == "The sales export." and reply.author == world.client_user
    assert reply.attachments.get().filename == "shot.png"
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN  # waiting on the client → open again
    assert SupportMail.objects.get(message_id="<answer1@client.example>").state == MailState.REPLIED


def test_the_number_in_the_subject_threads_an_answer_without_headers(world, mailbox):
    mail_ingest(_mail())
    request = SupportRequest.objects.get()
    mail_ingest(_mail(subject=f"Re: [#{request.pk}] Export", msgid="<x2@client.example>", body="Any news?"))
    assert SupportRequest.objects.count() == 1
    assert request.replies.get().body == "Any news?"


def test_another_organisations_request_number_is_not_reached(world, mailbox):
    theirs = SupportRequest.objects.create(
        organization=world.other_org,
        project=world.foreign_project,
        title="Theirs",
        description="d",
        first_response_due_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
    )
    mail_ingest(_mail(subject=f"Re: [#{theirs.pk}] Theirs", body="Let me in"))
    assert theirs.replies.count() == 0
    assert SupportRequest.objects.filter(organization=world.org, title="Theirs").count() == 1


def test_mail_from_an_unknown_sender_waits_for_the_team(world, mailbox):
    raw = _mail(
        sender="Wang Wei <wang.wei@newcomer.example>", attachments=[("log.txt", b"trace", "text/plain")]
    )
    [inbound] = mail_ingest(raw)
    assert inbound.status == "triage" and not SupportRequest.objects.exists()
    waiting = SupportMail.objects.get()
    assert waiting.state == MailState.UNMATCHED and waiting.reason == UnmatchedReason.UNKNOWN_SENDER
    assert not _outbox_to("wang.wei@newcomer.example").exists()

    request = mail.support_mail_open_request(
        actor=_m(world, world.member), mail=waiting, project=world.project, priority="urgent"
    )
    assert request.contact is None and request.created_by == world.member and request.priority == "urgent"
    assert request.attachments.get().filename == "log.txt"
    inbound.refresh_from_db()
    assert inbound.status == "logged" and inbound.interaction.project == world.project
    waiting.refresh_from_db()
    assert waiting.state == MailState.ASSIGNED and waiting.request == request
    with pytest.raises(services.ValidationError):  # handled once
        mail.support_mail_discard(actor=_m(world, world.member), mail=waiting)


def test_an_unmatched_mail_can_be_added_to_a_request_or_discarded(world, mailbox):
    request = services.support_request_create(
        actor=_m(world, world.client_user), project=world.project, title="Login", description="Cannot sign in"
    )
    mail_ingest(_mail(sender="it@client-hq.example", msgid="<u1@x>", body="Same for me."))
    mail_ingest(_mail(sender="spam@junk.example", msgid="<u2@x>", body="Buy now"))
    first, second = SupportMail.objects.filter(state=MailState.UNMATCHED).order_by("id")
    reply = mail.support_mail_add_to_request(actor=_m(world, world.member), mail=first, request=request)
    assert reply.from_client and reply.body == "From: it@client-hq.example\n\nSame for me."
    mail.support_mail_discard(actor=_m(world, world.member), mail=second)
    second.refresh_from_db()
    assert second.state == MailState.DISCARDED and second.inbound.status == "discarded"


def test_refused_attachments_are_left_out_and_noted(world, mailbox):
    mail_ingest(
        _mail(
            attachments=[
                ("setup.exe", b"MZ\x90\x00", "application/octet-stream"),
                ("invoice.pdf", b"\x89PNG\r\n\x1a\n....", "application/pdf"),
                ("ok.txt", b"fine", "text/plain"),
            ]
        )
    )
    request = SupportRequest.objects.get()
    assert [a.filename for a in SupportAttachment.objects.all()] == ["ok.txt"]
    note = request.replies.get(internal=True)
    assert "setup.exe: Files of this type are not accepted" in note.body
    assert "invoice.pdf: The file's content is not what its name says" in note.body


def test_automatic_replies_and_answers_to_closed_requests_wait_for_the_team(world, mailbox):
    mail_ingest(_mail())
    request = SupportRequest.objects.get()
    services.support_request_update(actor=_m(world, world.member), request=request, status="resolved")
    out = _outbox_to("li.na@client.example").last()
    mail_ingest(
        _mail(
            msgid="<ooo@client.example>",
            subject="Out of office",
            in_reply_to=message_id_header(out),
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.RESOLVED and not request.replies.filter(from_client=True).exists()
    assert SupportMail.objects.get(message_id="<ooo@client.example>").reason == UnmatchedReason.AUTOMATIC

    services.support_request_update(actor=_m(world, world.member), request=request, status="closed")
    mail_ingest(_mail(msgid="<late@client.example>", in_reply_to=message_id_header(out), body="Thanks"))
    late = SupportMail.objects.get(message_id="<late@client.example>")
    assert (late.state, late.reason, late.refers_to) == (MailState.UNMATCHED, UnmatchedReason.CLOSED, request)


def test_other_mail_is_left_to_the_timeline(world, mailbox):
    [inbound] = mail_ingest(_mail(to="team@acme.example"), default_org=world.org)
    assert inbound.status == "logged" and Interaction.objects.count() == 1
    assert not SupportMail.objects.exists() and not SupportRequest.objects.exists()


def test_support_addresses_are_checked(world):
    admin = _m(world, world.admin)
    with pytest.raises(services.ValidationError) as exc:
        services.support_mailbox_create(actor=admin, address="support+erp@acme.example")
    assert "+tag" in str(exc.value)
    with pytest.raises(services.ValidationError):
        services.support_mailbox_create(actor=admin, address="not an address")
    services.support_mailbox_create(actor=admin, address="help@acme.example")
    with pytest.raises(services.ValidationError):
        services.support_mailbox_create(actor=admin, address="HELP@acme.example")
    with pytest.raises(services.PermissionDenied):
        services.support_mailbox_create(actor=_m(world, world.manager), address="x@acme.example")
    assert SupportMailbox.objects.count() == 1


def test_replies_reach_the_requester_over_smtp_in_their_language(
    world, mailbox, smtp_server, django_capture_on_commit_callbacks
):
    world.client_user.language = "zh-hans"
    world.client_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        mail_ingest(_mail())
    request = SupportRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.support_reply_add(actor=_m(world, world.member), request=request, body="请发送日志。")
    ack, reply = (m["message"] for m in smtp_server.messages if m["to"] == ["li.na@client.example"])
    assert reply["Subject"].strip().startswith(f"[#{request.pk}] ") and "回复" in reply["Subject"]
    assert reply["In-Reply-To"] == ack["Message-ID"]
    assert reply["References"].split() == ["<req1@client.example>", ack["Message-ID"]]
    assert reply["Reply-To"] == "support@acme.example"
    assert "请发送日志。" in reply.get_body(("plain",)).get_content()
    # The client answers the mail they got: the answer lands on the same request.
    mail_ingest(_mail(msgid="<zh-answer@client.example>", in_reply_to=reply["Message-ID"], body="附上日志"))
    assert request.replies.filter(from_client=True).get().body == "附上日志"
