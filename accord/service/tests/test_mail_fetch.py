"""Support mail fetched from a real IMAP server (dovecot, as in the comms mail-fetch tests): a
message fetched twice opens one request."""

import imaplib
import io

import pytest
from django.core.management import call_command

from accord.comms.tests.test_mail_fetch import imap_server  # noqa: F401
from accord.comms.tests.test_mail_fetch import pytestmark as needs_dovecot
from accord.service.models import SupportMail, SupportRequest

from .factories import confirmed_mailbox
from .test_mail import _mail

pytestmark = [pytest.mark.django_db, needs_dovecot]


def _append(server, raw):
    conn = imaplib.IMAP4("127.0.0.1", server["port"], timeout=10)
    conn.login(server["user"], server["password"])
    status, data = conn.append("INBOX", None, None, raw)
    assert status == "OK", data
    conn.logout()


def _fetch(server):
    out = io.StringIO()
    call_command(
        "mail_fetch",
        host="127.0.0.1",
        port=server["port"],
        user=server["user"],
        password=server["password"],
        security="none",
        stdout=out,
    )
    return out.getvalue()


def test_support_mail_fetched_twice_opens_one_request(world, imap_server):  # noqa: F811
    confirmed_mailbox(world.memberships[world.admin.pk], "support@acme.example")
    raw = _mail(msgid="<imap-support@client.example>")
    _append(imap_server, raw)
    _append(imap_server, _mail(sender="stranger@else.example", msgid="<imap-stranger@else.example>"))
    assert "filed=2" in _fetch(imap_server)
    request = SupportRequest.objects.get()
    assert request.project == world.project and request.contact == world.contact
    assert SupportMail.objects.filter(state="unmatched").get().inbound.sender == "stranger@else.example"
    # The same message delivered again (a second copy in the mailbox) is a duplicate.
    _append(imap_server, raw)
    assert "duplicates=1" in _fetch(imap_server)
    assert SupportRequest.objects.count() == 1 and SupportMail.objects.filter(direction="in").count() == 2
