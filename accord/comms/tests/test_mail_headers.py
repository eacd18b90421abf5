"""Accord's outgoing mail read back by independent parts: a real SMTP server (aiosmtpd on
127.0.0.1) and Python's email parser with ``policy=email.policy.strict``.

* RFC 3834: what Accord writes itself says ``Auto-Submitted: auto-generated``; the support
  acknowledgement ``auto-replied``; what a person wrote and sent carries none.
* RFC 6152: 8-bit text goes out with ``BODY=8BITMIME`` where the server offers it, else as
  quoted-printable/base64 so that only 7-bit data crosses the wire.
"""

import email.policy

import pytest
from django.utils import timezone

from accord.comms import compose, services
from accord.comms.models import OutboxMessage
from accord.service import services as support
from accord.service.tests.factories import confirmed_mailbox
from accord.testing.mailserver import deliver_all

pytestmark = pytest.mark.django_db


def _m(world, user):
    return world.memberships[user.pk]


def _auto_submitted(received) -> str | None:
    mail = received.parsed(email.policy.strict)
    value = mail["Auto-Submitted"]
    return None if value is None else str(value)


def test_generated_mail_says_auto_generated(world, raw_smtp):
    services.notify(organization=world.org, users=[world.manager], title="Risk raised", url="/risks/")
    deliver_all()
    [received] = raw_smtp.to("manager@acme.example")
    assert _auto_submitted(received) == "auto-generated"


def test_obligation_message_the_manager_sent_carries_no_auto_submitted(world, raw_smtp):
    item = services.plan_item_create(
        actor=_m(world, world.manager),
        project=world.project,
        contacts=[world.contact],
        purpose="Weekly update",
        channel="email",
        cadence="weekly",
        weekday=timezone.localdate().weekday(),
        owner=world.manager,
        start_date=world.project.start_date,
    )
    obligation = item.obligations.get(due_date=timezone.localdate())
    compose.obligation_send(
        actor=_m(world, world.manager),
        obligation=obligation,
        subject="ERP rollout: this week",
        body="Hello, here is where we are.",
        contact_ids=[world.contact.pk],
    )
    deliver_all()
    [received] = raw_smtp.to("li.na@client.example")
    assert _auto_submitted(received) is None


def test_support_mail_acknowledgement_reply_and_notice(world, raw_smtp):
    from accord.comms.inbound import mail_ingest
    from accord.service.models import SupportRequest

    confirmed_mailbox(_m(world, world.admin), "support@acme.example")
    raw = (
        b"From: Li Na <li.na@client.example>\r\nTo: support@acme.example\r\n"
        b"Subject: Export stops\r\nMessage-ID: <q1@client.example>\r\n"
        b"Date: Thu, 26 Nov 2026 10:00:00 +0800\r\n\r\nThe export stops at 50%.\r\n"
    )
    mail_ingest(raw)
    request = SupportRequest.objects.get()
    deliver_all()
    support.support_reply_add(actor=_m(world, world.member), request=request, body="We are on it.")
    deliver_all()
    support.support_request_update(actor=_m(world, world.member), request=request, status="resolved")
    deliver_all()
    received = raw_smtp.to("li.na@client.example")
    assert len(received) == 3
    acknowledgement, reply, notice = received
    assert _auto_submitted(acknowledgement) == "auto-replied"
    assert _auto_submitted(reply) is None  # a person's answer: an out-of-office reply may answer it
    assert _auto_submitted(notice) == "auto-generated"


def test_channel_test_message_is_generated(world, raw_smtp, settings):
    settings.ACCORD_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.ACCORD_OUTBOUND_SMTP_PORTS = [25, 587, raw_smtp.port]
    config = services.channel_config_create(
        actor=_m(world, world.admin),
        kind="email",
        name="Our SMTP",
        smtp_host="127.0.0.1",
        smtp_port=raw_smtp.port,
        from_email="Acme <team@acme.example>",
    )
    services.channel_config_test(actor=_m(world, world.admin), config=config)
    deliver_all()
    [received] = raw_smtp.to("admin@acme.example")
    assert _auto_submitted(received) == "auto-generated"


# --- 8BITMIME ---------------------------------------------------------------------------------


def _chinese_mail(world):
    return services.outbox_email(
        organization=world.org,
        to="li.na@client.example",
        subject="周报 Weekly report",
        text="本周进度：数据迁移完成。\n" + "长" * 200,  # a long line too
        html="<p>本周进度：数据迁移完成。</p>",
        alternatives=[
            ("BEGIN:VCALENDAR\r\nSUMMARY:周会\r\nEND:VCALENDAR\r\n", "text/calendar; method=REQUEST")
        ],
        attachments=[("说明.txt", "附件正文".encode(), "text/plain")],
    )


def test_server_with_8bitmime_gets_body_8bitmime(world, raw_smtp):
    message = _chinese_mail(world)
    deliver_all()
    message.refresh_from_db()
    assert message.status == "sent", message.last_error
    [received] = raw_smtp.messages
    assert "BODY=8BITMIME" in received.mail_options
    mail = received.parsed()
    assert mail.get_body(("plain",)).get_content().startswith("本周进度：数据迁移完成。")


def test_server_without_8bitmime_gets_only_7bit_data(world, raw_smtp_7bit):
    message = _chinese_mail(world)
    deliver_all()
    message.refresh_from_db()
    assert message.status == "sent", message.last_error
    [received] = raw_smtp_7bit.messages
    assert not any(option.upper().startswith("BODY=") for option in received.mail_options)
    assert received.raw.isascii()
    mail = received.parsed()
    leaves = [part for part in mail.walk() if not part.is_multipart()]
    assert len(leaves) == 4
    for part in leaves:
        assert str(part.get("Content-Transfer-Encoding", "7bit")).lower() in (
            "7bit",
            "quoted-printable",
            "base64",
        )
    assert str(mail["Subject"]) == "周报 Weekly report"
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")  # CRLF on the wire
    assert text.startswith("本周进度：数据迁移完成。\n" + "长" * 200)
    [calendar] = [part for part in leaves if part.get_content_type() == "text/calendar"]
    assert "SUMMARY:周会" in calendar.get_content() and calendar.get_param("method") == "REQUEST"
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content() == "附件正文"


def test_ascii_mail_needs_no_body_parameter(world, raw_smtp):
    services.outbox_email(organization=world.org, to="li.na@client.example", subject="Hi", text="Plain text")
    deliver_all()
    [received] = raw_smtp.messages
    assert not any(option.upper().startswith("BODY=") for option in received.mail_options)
    assert received.raw.isascii()


def test_organisation_smtp_channel_without_8bitmime_gets_7bit(world, raw_smtp_7bit, settings):
    settings.ACCORD_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.ACCORD_OUTBOUND_SMTP_PORTS = [25, 587, raw_smtp_7bit.port]
    config = services.channel_config_create(
        actor=_m(world, world.admin),
        kind="email",
        name="Our SMTP",
        smtp_host="127.0.0.1",
        smtp_port=raw_smtp_7bit.port,
        from_email="Acme <team@acme.example>",
    )
    services.outbox_email(organization=world.org, to="li.na@client.example", subject="进度", text="正文 body")
    deliver_all()
    assert OutboxMessage.objects.get(subject="进度").channel_config_id in (None, config.pk)
    [received] = raw_smtp_7bit.messages
    assert received.raw.isascii()
    assert received.parsed().get_content().strip() == "正文 body"
