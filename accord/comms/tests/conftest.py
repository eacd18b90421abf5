"""Real parts for the communication tests: an SMTP server (aiosmtpd) and an HTTP server on
127.0.0.1, each on a free port."""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "message": email.message_from_bytes(envelope.original_content, policy=email.policy.default),
            }
        )
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.server.sockets[0].getsockname()[1]
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    sink.port = settings.EMAIL_PORT
    yield sink
    controller.stop()


@pytest.fixture
def operator_allows_local_smtp(settings, smtp_server):
    """The operator's settings that let an organisation's SMTP channel reach the test server
    (a loopback address at a high port — both refused by default)."""
    settings.ACCORD_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.ACCORD_OUTBOUND_SMTP_PORTS = [25, 465, 587, 2525, smtp_server.port]
    return smtp_server


class Receiver:
    """Records every request; answers with ``self.reply`` = (status, body) or hangs."""

    def __init__(self):
        self.requests = []
        self.reply = (200, b"ok")
        self.hang = 0.0

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def http_receiver(settings):
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            receiver.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
            if receiver.hang:
                time.sleep(receiver.hang)
            status, payload = receiver.reply
            if isinstance(payload, dict):
                payload = json.dumps(payload).encode()
            self.send_response(status)
            if status in (301, 302, 307, 308):
                self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # The operator lets this installation reach the receiver on the loopback address.
    settings.ACCORD_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    yield receiver
    server.shutdown()
    server.server_close()
