"""``accord mail-fetch`` against a real IMAP server: Debian's dovecot-imapd, started here on a
free port of 127.0.0.1 with a throwaway configuration (skipped with the reason when dovecot is
not installed or the test does not run as root, which dovecot needs to switch users)."""

import imaplib
import io
import os
import pwd
import shutil
import socket
import subprocess
import time
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from accord.comms.models import InboundMessage

from .conftest import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

pytestmark = pytest.mark.skipif(
    not os.path.exists(DOVECOT) or os.geteuid() != 0,
    reason="needs Debian's dovecot-imapd (apt-get install dovecot-imapd) and root to start it",
)

CONFIG = """
base_dir = {tmp}/run
state_dir = {tmp}/state
log_path = {tmp}/dovecot.log
info_log_path = {tmp}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{tmp}/mail/%u
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
passdb {{
  driver = static
  args = password=imap-secret
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={tmp}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


@pytest.fixture
def imap_server():
    import tempfile
    from pathlib import Path

    # pytest's tmp_path is private to root (0700); dovecot's mail user must reach its files.
    tmp = Path(tempfile.mkdtemp(prefix="accord-imap-"))
    nobody = pwd.getpwnam("nobody")
    for sub in ("run", "state", "mail", "home"):
        (tmp / sub).mkdir()
    for sub in ("mail", "home"):
        os.chown(tmp / sub, nobody.pw_uid, nobody.pw_gid)
    os.chmod(tmp, 0o755)
    port = free_port()
    conf = tmp / "dovecot.conf"
    conf.write_text(CONFIG.format(tmp=tmp, port=port, uid=nobody.pw_uid, gid=nobody.pw_gid))
    proc = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if proc.poll() is not None:
                log = (tmp / "dovecot.log").read_text() if (tmp / "dovecot.log").exists() else ""
                pytest.fail(f"dovecot did not start: {proc.stdout.read().decode()} {log}")
            time.sleep(0.2)
    yield {"port": port, "user": "inbox@acme.example", "password": "imap-secret"}
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    shutil.rmtree(tmp, ignore_errors=True)


def _append(server, *, sender, msgid, subject):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "team@acme.example"
    msg["Subject"] = subject
    msg["Message-ID"] = msgid
    msg.set_content("Hello from IMAP")
    conn = imaplib.IMAP4("127.0.0.1", server["port"], timeout=10)
    conn.login(server["user"], server["password"])
    status, _data = conn.append("INBOX", None, None, msg.as_bytes())
    assert status == "OK", _data
    conn.logout()


def _fetch(server, world):
    out = io.StringIO()
    call_command(
        "mail_fetch",
        host="127.0.0.1",
        port=server["port"],
        user=server["user"],
        password=server["password"],
        security="none",
        org=world.org.slug,
        stdout=out,
    )
    return out.getvalue()


def test_mail_fetch_files_unseen_messages_once(world, imap_server):
    _append(
        imap_server, sender="Li Na <li.na@client.example>", msgid="<imap1@client.example>", subject="Invoice"
    )
    _append(imap_server, sender="someone@else.example", msgid="<imap2@else.example>", subject="Hello")
    assert "filed=2" in _fetch(imap_server, world)
    known = InboundMessage.objects.get(message_id="<imap1@client.example>")
    assert known.status == "logged" and known.interaction.client == world.client
    assert InboundMessage.objects.get(message_id="<imap2@else.example>").status == "triage"
    # already \\Seen: nothing new; the same message appended again is a duplicate
    assert "filed=0" in _fetch(imap_server, world)
    _append(imap_server, sender="li.na@client.example", msgid="<imap1@client.example>", subject="Invoice")
    assert "duplicates=1" in _fetch(imap_server, world)
    assert InboundMessage.objects.count() == 2
