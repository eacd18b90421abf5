"""Mail in: mail-in on stdin, routing, duplicates, triage, hostile input."""

import io
import sys
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from accord.comms import inbound, services
from accord.comms.models import InboundAttachment, InboundMessage
from accord.crm.models import Interaction


def _mail(
    sender="li.na@client.example",
    to="team@acme.example",
    subject="Re: status",
    body="Thanks!",
    msgid="<m1@client.example>",
    attachments=(),
):
    msg = EmailMessage()
    msg["From"] = f"Li Na <{sender}>"
    msg["To"] = to
    msg["Subject"] = subject
    if msgid:
        msg["Message-ID"] = msgid
    msg["Date"] = "Thu, 26 Nov 2026 10:00:00 +0800"
    msg.set_content(body)
    for name, data, mime in attachments:
        maintype, subtype = mime.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def _mail_in(raw, *args):
    class Stdin:
        buffer = io.BytesIO(raw)

    old = sys.stdin
    sys.stdin = Stdin()
    try:
        out = io.StringIO()
        call_command("mail_in", *args, stdout=out)
        return out.getvalue()
    finally:
        sys.stdin = old


def test_known_sender_becomes_interaction_with_attachment(world):
    raw = _mail(attachments=[("spec.pdf", b"%PDF data", "application/pdf")])
    out = _mail_in(raw, "--org", world.org.slug)
    assert "logged" in out
    msg = InboundMessage.objects.get()
    inter = msg.interaction
    assert inter.client == world.client and inter.kind == "email" and inter.direction == "inbound"
    assert list(inter.contacts.all()) == [world.contact]
    att = InboundAttachment.objects.get()
    assert att.filename == "spec.pdf" and att.file.read() == b"%PDF data"
    assert "duplicate" in _mail_in(raw, "--org", world.org.slug)
    assert Interaction.objects.count() == 1


def test_reply_address_routes_to_project(world):
    address = services.project_reply_address(world.other_project)
    inbound.mail_ingest(_mail(to=address, msgid="<m2@x>"))
    assert InboundMessage.objects.get().interaction.project == world.other_project


def test_unknown_sender_waits_in_triage_and_can_be_assigned(world):
    with pytest.raises(SystemExit) as exc:
        _mail_in(_mail(sender="stranger@nowhere.example"))
    assert exc.value.code == 67  # two organisations exist and none was named
    _mail_in(_mail(sender="stranger@nowhere.example"), "--org", world.org.slug)
    msg = InboundMessage.objects.get()
    assert msg.status == "triage" and msg.organization == world.org
    inbound.triage_assign(actor=world.memberships[world.member.pk], inbound=msg, client=world.client)
    msg.refresh_from_db()
    assert msg.status == "logged" and msg.interaction.client == world.client


def test_gb18030_and_wrong_charset(world):
    body = "项目进度：一切正常。𠀀"
    raw = (
        "From: li.na@client.example\r\nTo: t@acme.example\r\nSubject: =?gb18030?b?"
        + __import__("base64").b64encode("进度".encode("gb18030")).decode()
        + "?=\r\nMessage-ID: <gb@x>\r\nContent-Type: text/plain; charset=gb18030\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + body.encode("gb18030")
    inbound.mail_ingest(raw, default_org=world.org)
    msg = InboundMessage.objects.get(message_id="<gb@x>")
    assert msg.subject == "进度" and "一切正常" in msg.body_text
    wrong = (
        b"From: li.na@client.example\r\nMessage-ID: <wrong@x>\r\nSubject: x\r\n"
        b"Content-Type: text/plain; charset=no-such-charset\r\n\r\n" + "你好".encode()
    )
    inbound.mail_ingest(wrong, default_org=world.org)
    assert "你好" in InboundMessage.objects.get(message_id="<wrong@x>").body_text


def test_broken_mime_is_kept(world):
    raw = (
        b"From: li.na@client.example\r\nMessage-ID: <broken@x>\r\nSubject: broken\r\n"
        b'Content-Type: multipart/mixed; boundary="nope"\r\n\r\n--other\r\ngarbage\r\n\x00\xff\xfe'
    )
    inbound.mail_ingest(raw, default_org=world.org)
    assert InboundMessage.objects.filter(message_id="<broken@x>").exists()
    inbound.mail_ingest(b"\x00\x01 not a mail at all", default_org=world.org)
    assert InboundMessage.objects.count() == 2  # filed (no sender: triage) rather than lost


def test_twenty_megabyte_attachment(world, settings):
    big = b"x" * (20 * 1024 * 1024)
    settings.ACCORD_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
    inbound.mail_ingest(
        _mail(msgid="<big@x>", attachments=[("big.bin", big, "application/octet-stream")]),
        default_org=world.org,
    )
    assert InboundAttachment.objects.get().size == len(big)
    settings.ACCORD_MAX_UPLOAD_BYTES = 1024 * 1024
    too_big = big[: 2 * 1024 * 1024]
    inbound.mail_ingest(
        _mail(msgid="<big2@x>", attachments=[("big.bin", too_big, "application/octet-stream")]),
        default_org=world.org,
    )
    msg = InboundMessage.objects.get(message_id="<big2@x>")
    assert msg.attachments.count() == 0 and "too large" in msg.note
    settings.ACCORD_MAX_INBOUND_MAIL_BYTES = 1024
    with pytest.raises(SystemExit) as exc:
        _mail_in(_mail(msgid="<big3@x>", attachments=[("big.bin", big[:4096], "application/octet-stream")]))
    assert exc.value.code == 65


def test_attachment_download_is_access_checked(world):
    inbound.mail_ingest(_mail(attachments=[("a.txt", b"hello", "text/plain")]), default_org=world.org)
    att = InboundAttachment.objects.get()
    url = f"/communication/attachments/{att.pk}/"
    response = world.http(world.member).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"hello"
    assert world.http(world.outsider).get(url).status_code == 404
    assert world.http(world.client_user).get(url).status_code == 302
