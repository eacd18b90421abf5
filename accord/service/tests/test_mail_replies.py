"""Answers to support mail as Chinese and English clients send them, written by hand: an Outlook
reply in Chinese that keeps only ``Thread-Index`` and the ``[#id]`` (no In-Reply-To/References)
sent to the organisation's sending address; Gmail replies with their quoted history."""

import base64
import datetime as dt

import pytest
from django.urls import reverse

from accord.comms.inbound import InboundRejected, mail_ingest
from accord.comms.models import ChannelConfig, OutboxMessage
from accord.comms.senders import message_id_header
from accord.service import services
from accord.service.models import MailState, SupportMail, SupportReply, SupportRequest, UnmatchedReason

from .factories import confirmed_mailbox

pytestmark = pytest.mark.django_db


def _m(world, user):
    return world.memberships[user.pk]


@pytest.fixture
def sending_address(world):
    """The organisation sends through its own SMTP server as team@acme.example."""
    return ChannelConfig.objects.create(
        organization=world.org,
        kind="email",
        name="Acme SMTP",
        smtp_host="smtp.acme.example",
        smtp_port=587,
        from_email="Acme Delivery <team@acme.example>",
    )


@pytest.fixture
def support_request(world):
    return services.support_request_create(
        actor=_m(world, world.member),
        project=world.project,
        title="登录失败",
        description="无法登录系统。",
        contact=world.contact,
    )


def _gb_word(text: str) -> str:
    return f"=?gb2312?B?{base64.b64encode(text.encode('gbk')).decode()}?="


def outlook_zh_reply(
    request_id: int, *, to: str = "Acme Delivery <team@acme.example>", sender: str = ""
) -> bytes:
    """Chinese Outlook: gb2312-labelled GBK, base64 text and HTML parts, Thread-Index only."""
    text = (
        "已经可以登录了，谢谢。王祎会跟进后续测试。\r\n\r\n"
        "________________________________\r\n"
        "发件人: Acme Delivery <team@acme.example>\r\n"
        "发送时间: 2026年12月5日 5:09\r\n"
        "收件人: 李娜 <li.na@client.example>\r\n"
        f"主题: [#{request_id}] 登录失败\r\n\r\n"
        "我们已重置您的密码。\r\n"
    )
    html = "<div>已经可以登录了，谢谢。王祎会跟进后续测试。</div><hr><div>我们已重置您的密码。</div>"
    sender = sender or f"{_gb_word('李娜')} <li.na@client.example>"
    head = (
        f"From: {sender}\r\n"
        f"To: {to}\r\n"
        f"Subject: {_gb_word(f'答复: [#{request_id}] 登录失败')}\r\n"
        f"Thread-Topic: {_gb_word(f'[#{request_id}] 登录失败')}\r\n"
        "Thread-Index: AQHbRk1c2s3Xk0u3q0aC7n2V0yX1qQ==\r\n"
        "Date: Sat, 5 Dec 2026 06:12:44 +0000\r\n"
        "Message-ID: <TYZPR01MB5555A1B2C3D4E5F6@TYZPR01MB5555.apcprd01.prod.outlook.com>\r\n"
        "Accept-Language: zh-CN, en-US\r\nContent-Language: zh-CN\r\n"
        "X-MS-Has-Attach:\r\nX-MS-TNEF-Correlator:\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="_000_TYZPR01MB5555_"\r\n\r\n'
    )
    part = (
        '--_000_TYZPR01MB5555_\r\nContent-Type: text/{sub}; charset="gb2312"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
    )
    return (
        head.encode()
        + part.format(sub="plain").encode()
        + base64.encodebytes(text.encode("gbk"))
        + part.format(sub="html").encode()
        + base64.encodebytes(html.encode("gbk"))
        + b"--_000_TYZPR01MB5555_--\r\n"
    )


def test_outlook_reply_to_the_sending_address_reaches_the_request_by_its_number(
    world, sending_address, support_request
):
    [inbound] = mail_ingest(outlook_zh_reply(support_request.pk))
    reply = SupportReply.objects.get(request=support_request, from_client=True)
    assert reply.body == "已经可以登录了，谢谢。王祎会跟进后续测试。"
    assert reply.author == world.client_user
    assert SupportMail.objects.get(inbound=inbound).state == MailState.REPLIED
    assert "我们已重置您的密码" in inbound.body_text  # the whole mail is kept ...

    page = world.http(world.member).get(reverse("service:request_detail", args=[support_request.pk]))
    html = page.content.decode()
    assert "Show full message" in html and "我们已重置您的密码" in html  # ... and can be shown


def test_the_number_of_another_organisations_request_is_not_reached(world, sending_address):
    theirs = SupportRequest.objects.create(
        organization=world.other_org,
        project=world.foreign_project,
        title="Theirs",
        description="d",
        first_response_due_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
    )
    mail_ingest(outlook_zh_reply(theirs.pk), default_org=world.org)  # fetched from our mailbox
    assert not theirs.replies.exists()
    assert not SupportMail.objects.exists()


def test_a_stranger_citing_the_number_waits_for_the_team(world, sending_address, support_request):
    mail_ingest(outlook_zh_reply(support_request.pk, sender="Mallory <mallory@evil.example>"))
    assert not support_request.replies.filter(from_client=True).exists()
    mail = SupportMail.objects.get(direction="in")
    assert (mail.state, mail.reason) == (MailState.UNMATCHED, UnmatchedReason.UNKNOWN_SENDER)


def test_the_number_alone_to_an_address_of_nobody_is_not_taken(world, sending_address, support_request):
    with pytest.raises(InboundRejected):
        mail_ingest(outlook_zh_reply(support_request.pk, to="someone@else.example"))
    assert not support_request.replies.filter(from_client=True).exists()


GMAIL_ZH = (
    "好的，明天上午再试一次。\r\n\r\n"
    "Acme Delivery <support@acme.example> 于2026年12月5日周六 05:09写道：\r\n\r\n"
    "> 请清除浏览器缓存后重试。\r\n"
)
GMAIL_EN = (
    "Cleared the cache, it works now.\r\n\r\n"
    "On Sat, Dec 5, 2026 at 5:09 AM Acme Delivery <support@acme.example> wrote:\r\n\r\n"
    "> Please clear the browser cache and try again.\r\n"
)


@pytest.mark.parametrize(
    ("text", "kept", "quoted"),
    [
        (GMAIL_ZH, "好的，明天上午再试一次。", "请清除浏览器缓存后重试"),
        (GMAIL_EN, "Cleared the cache, it works now.", "Please clear the browser cache"),
    ],
    ids=["gmail-zh", "gmail-en"],
)
def test_gmail_replies_lose_their_quote(world, support_request, text, kept, quoted):
    confirmed_mailbox(_m(world, world.admin), "support@acme.example")
    services.support_reply_add(
        actor=_m(world, world.member), request=support_request, body="请清除浏览器缓存后重试。"
    )
    out = OutboxMessage.objects.filter(recipient="li.na@client.example").last()
    raw = (
        f"From: Li Na <li.na@client.example>\r\nTo: support@acme.example\r\n"
        f"Subject: Re: {out.subject}\r\nMessage-ID: <gm1@mail.gmail.com>\r\n"
        f"In-Reply-To: {message_id_header(out)}\r\nReferences: {message_id_header(out)}\r\n"
        'MIME-Version: 1.0\r\nContent-Type: text/plain; charset="UTF-8"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode() + base64.encodebytes(text.encode())
    [inbound] = mail_ingest(raw)
    reply = support_request.replies.get(from_client=True)
    assert reply.body == kept
    assert quoted in inbound.body_text


def test_an_out_of_office_reply_to_the_sending_address_does_not_answer_the_request(
    world, sending_address, support_request
):
    raw = outlook_zh_reply(support_request.pk).replace(
        b"Thread-Index:", b"Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\nThread-Index:"
    )
    mail_ingest(raw)
    assert not support_request.replies.filter(from_client=True).exists()
    assert SupportMail.objects.get(direction="in").reason == UnmatchedReason.AUTOMATIC
