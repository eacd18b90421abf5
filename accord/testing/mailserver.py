"""A real SMTP server (aiosmtpd on 127.0.0.1) that keeps each mail's envelope and raw bytes, so a
test can read Accord's output with Python's own strict parser. ``eightbit=False`` starts one that
does not offer 8BITMIME (aiosmtpd leaves it out of EHLO when it decodes data itself)."""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    mail_options: list[str]
    raw: bytes

    def parsed(self, policy=email.policy.strict):
        return email.message_from_bytes(self.raw, policy=policy)


@dataclass
class RawSink:
    port: int = 0
    messages: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                list(envelope.mail_options),
                envelope.original_content,
            )
        )
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(*, eightbit: bool = True) -> tuple[Controller, RawSink]:
    sink = RawSink(port=_free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port, decode_data=not eightbit)
    controller.start()
    return controller, sink


def use(settings, sink: RawSink) -> None:
    """Make ``sink``'s server the installation's SMTP server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def raw_smtp(settings):
    """The installation's SMTP server, offering 8BITMIME like most servers do."""
    controller, sink = start(eightbit=True)
    use(settings, sink)
    yield sink
    controller.stop()


@pytest.fixture
def raw_smtp_7bit(settings):
    """An SMTP server that does not offer 8BITMIME."""
    controller, sink = start(eightbit=False)
    use(settings, sink)
    yield sink
    controller.stop()


def deliver_all() -> None:
    """Deliver every queued outbox row now (as the worker would)."""
    from accord.comms import delivery
    from accord.comms.models import OutboxMessage

    for pk in OutboxMessage.objects.filter(status__in=["pending", "failed"]).values_list("pk", flat=True):
        OutboxMessage.objects.filter(pk=pk).update(next_attempt_at=None)
        delivery.deliver(pk)
