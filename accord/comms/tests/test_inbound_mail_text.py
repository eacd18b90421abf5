"""Mail in, written by hand as real clients send it: GBK text labelled gb2312 (Chinese Outlook,
Foxmail), replies with their quoted history (Gmail in Chinese and English), and automatic
answers (out of office, delivery reports) that must not land on a client's timeline."""

import base64

import pytest
from django.urls import reverse

from accord.comms.inbound import mail_ingest, parse_mail
from accord.comms.models import InboundMessage, InboundStatus
from accord.comms.services import project_reply_address
from accord.crm.models import Interaction

pytestmark = pytest.mark.django_db

# Not in GB 2312, only in GBK/GB18030: a mail "in gb2312" that has them is really GBK.
GBK_ONLY = "朱镕基 王祎 陶喆"


def _b64_word(text: str, label: str) -> str:
    return f"=?{label}?B?{base64.b64encode(text.encode('gbk')).decode()}?="


def _gbk_mail(to: str, label: str = "gb2312") -> bytes:
    body = f"您好，\r\n{GBK_ONLY}的合同已签。\r\n".encode("gbk")
    head = (
        f"From: {_b64_word('王祎', label)} <li.na@client.example>\r\n"
        f"To: {to}\r\n"
        f"Subject: {_b64_word('合同 ' + GBK_ONLY, label)}\r\n"
        "Message-ID: <gbk-1@client.example>\r\n"
        "Date: Sat, 05 Dec 2026 05:09:00 +0800\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: text/plain; charset="{label}"\r\n'
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return head.encode("ascii") + body


def test_python_alone_garbles_these_bytes():
    with pytest.raises(UnicodeDecodeError):
        GBK_ONLY.encode("gbk").decode("gb2312")


@pytest.mark.parametrize("label", ["gb2312", "GB2312", "gbk", "x-gbk", "cp936", "euc-cn", "gb_2312-80"])
def test_gb_family_labels_are_read_as_gb18030(label):
    parsed = parse_mail(_gbk_mail("team@acme.example", label))
    assert parsed.subject == f"合同 {GBK_ONLY}"
    assert parsed.sender_name == "王祎" and parsed.sender == "li.na@client.example"
    assert f"{GBK_ONLY}的合同已签。" in parsed.text


def test_gbk_mail_lands_on_the_timeline_readable(world):
    mail_ingest(_gbk_mail(project_reply_address(world.project)))
    interaction = Interaction.objects.get()
    assert interaction.summary == f"合同 {GBK_ONLY}"
    assert f"{GBK_ONLY}的合同已签。" in interaction.body


def test_quoted_printable_gbk_body_and_base64_html(world):
    html = f"<p>{GBK_ONLY}</p>".encode("gbk")
    raw = (
        b"From: li.na@client.example\r\nTo: team@acme.example\r\nSubject: x\r\n"
        b"Message-ID: <gbk-2@client.example>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n'
        b'--b1\r\nContent-Type: text/html; charset="GB2312"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        + base64.b64encode(html)
        + b"\r\n--b1--\r\n"
    )
    assert GBK_ONLY in parse_mail(raw).text


def _with_attachment(disposition: str) -> bytes:
    return (
        b"From: li.na@client.example\r\nTo: team@acme.example\r\nSubject: x\r\n"
        b"Message-ID: <gbk-3@client.example>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b'--b1\r\nContent-Type: text/plain; charset="gb2312"\r\n\r\nsee attachment\r\n'
        b"--b1\r\nContent-Type: application/pdf\r\n"
        + disposition.encode()
        + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(b"%PDF-1.4 x")
        + b"\r\n--b1--\r\n"
    )


@pytest.mark.parametrize(
    "disposition",
    [
        f'Content-Disposition: attachment; filename="{_b64_word("王祎合同.pdf", "gb2312")}"',
        "Content-Disposition: attachment; filename*=gb2312''"
        + "".join(f"%{b:02X}" for b in "王祎合同.pdf".encode("gbk")),
    ],
    ids=["rfc2047", "rfc2231"],
)
def test_gbk_attachment_names_labelled_gb2312(disposition):
    [(name, mimetype, data)] = parse_mail(_with_attachment(disposition)).attachments
    assert (name, mimetype, data) == ("王祎合同.pdf", "application/pdf", b"%PDF-1.4 x")


# --- replies keep only their new text ------------------------------------------------------------

GMAIL_ZH = (
    "好的，我们周五前确认测试环境。\r\n\r\n李娜\r\n\r\n"
    "Zhang Wei <manager@acme.example> 于2026年12月5日周六 05:09写道：\r\n\r\n"
    "> 请确认测试环境的开放时间。\r\n> 谢谢\r\n"
)
GMAIL_EN = (
    "Thanks, Friday works for us.\r\n\r\n"
    "On Sat, Dec 5, 2026 at 5:09 AM Zhang Wei <manager@acme.example> wrote:\r\n\r\n"
    "> Can you confirm when the test system is open?\r\n"
)
FOXMAIL = (
    "收到，明天处理。\r\n\r\n"
    "------------------ 原始邮件 ------------------\r\n"
    '发件人: "Acme"<team@acme.example>;\r\n发送时间: 2026年12月5日(星期六) 上午5:09\r\n'
    '收件人: "李娜"<li.na@client.example>;\r\n主题: 测试环境\r\n\r\n请确认测试环境。\r\n'
)
OUTLOOK_EN = (
    "Still broken on our side.\r\n\r\n-- \r\nLi Na\r\nHuaxin Manufacturing\r\n\r\n"
    "________________________________\r\nFrom: Acme Delivery <team@acme.example>\r\n"
    "Sent: Saturday, December 5, 2026 5:09 AM\r\nTo: Li Na <li.na@client.example>\r\n"
    "Subject: Test system\r\n\r\nPlease confirm.\r\n"
)


def _reply(to: str, text: str, msgid: str) -> bytes:
    head = (
        f"From: Li Na <li.na@client.example>\r\nTo: {to}\r\nSubject: Re: 测试环境\r\n"
        f"Message-ID: {msgid}\r\nDate: Sat, 05 Dec 2026 06:00:00 +0800\r\nMIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="UTF-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
    )
    return head.encode() + base64.encodebytes(text.encode())


@pytest.mark.parametrize(
    ("text", "kept", "cut"),
    [
        (GMAIL_ZH, "好的，我们周五前确认测试环境。\n\n李娜", "请确认测试环境的开放时间"),
        (GMAIL_EN, "Thanks, Friday works for us.", "Can you confirm"),
        (FOXMAIL, "收到，明天处理。", "原始邮件"),
        (OUTLOOK_EN, "Still broken on our side.", "Huaxin Manufacturing"),
    ],
    ids=["gmail-zh", "gmail-en", "foxmail", "outlook-en-signature"],
)
def test_reply_to_the_project_address_keeps_only_the_new_text(world, text, kept, cut):
    mail_ingest(_reply(project_reply_address(world.project), text, "<r1@client.example>"))
    interaction = Interaction.objects.get()
    assert interaction.body == kept
    inbound = InboundMessage.objects.get()
    assert cut in inbound.body_text  # the whole mail is kept

    page = world.http(world.member).get(reverse("crm:interaction_detail", args=[interaction.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Show full message" in html and cut in html


# --- automatic answers are kept, off the timeline ------------------------------------------------


def _automatic(to: str, extra: str, content_type: str = 'text/plain; charset="UTF-8"') -> bytes:
    return (
        f"From: Li Na <li.na@client.example>\r\nTo: {to}\r\nSubject: Automatic reply: update\r\n"
        f"Message-ID: <auto@client.example>\r\n{extra}MIME-Version: 1.0\r\n"
        f"Content-Type: {content_type}\r\n\r\n"
        "I am out of the office until Monday.\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("extra", "content_type"),
    [
        ("Auto-Submitted: auto-replied\r\n", 'text/plain; charset="UTF-8"'),
        ("Auto-Submitted: auto-generated\r\n", 'text/plain; charset="UTF-8"'),
        ("X-Autoreply: yes\r\n", 'text/plain; charset="UTF-8"'),
        ("X-Autorespond: yes\r\n", 'text/plain; charset="UTF-8"'),
        ("Precedence: auto_reply\r\n", 'text/plain; charset="UTF-8"'),
        ("Precedence: bulk\r\n", 'text/plain; charset="UTF-8"'),
        ("Precedence: junk\r\n", 'text/plain; charset="UTF-8"'),
        ("", 'multipart/report; report-type=delivery-status; boundary="x"'),
    ],
    ids=[
        "auto-replied",
        "auto-generated",
        "x-autoreply",
        "x-autorespond",
        "auto_reply",
        "bulk",
        "junk",
        "dsn",
    ],
)
def test_automatic_answers_to_the_project_address_stay_off_the_timeline(world, extra, content_type):
    [inbound] = mail_ingest(_automatic(project_reply_address(world.project), extra, content_type))
    assert inbound.status == InboundStatus.DISCARDED and inbound.interaction_id is None
    assert not Interaction.objects.exists()


def test_auto_submitted_no_is_a_person(world):
    [inbound] = mail_ingest(_automatic(project_reply_address(world.project), "Auto-Submitted: no\r\n"))
    assert inbound.status == InboundStatus.LOGGED and Interaction.objects.count() == 1
