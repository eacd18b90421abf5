"""Sending one outbox message: mail over SMTP (the installation's server or an organisation's
own, checked by netguard) and posts to webhooks and IM robots (through netguard). Raises
``DeliveryError`` (permanent or not) for anything that went wrong; recording it is the caller's
(``accord.comms.delivery``)."""

from __future__ import annotations

import contextlib
import re
import smtplib
from email import encoders
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.utils import translation
from django.utils.translation import gettext

from accord.lib import netguard

from . import providers
from .models import ChannelConfig, ChannelKind, OutboxMessage
from .providers import DeliveryError

DJANGO_SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
IM_KINDS = {"slack", "teams", "wecom", "dingtalk", "feishu", "webhook"}


class _PinnedSMTP(smtplib.SMTP):
    """SMTP to the address that was checked (``pinned_address``), under the configured host name
    (STARTTLS still verifies the certificate against the name)."""

    def __init__(self, host="", port=0, *, pinned_address: str, **kwargs):
        self._pinned_address = pinned_address
        super().__init__(host, port, **kwargs)

    def _get_socket(self, host, port, timeout):
        return super()._get_socket(self._pinned_address, port, timeout)


class _PinnedSMTPSSL(smtplib.SMTP_SSL):
    def __init__(self, host="", port=0, *, pinned_address: str, **kwargs):
        self._pinned_address = pinned_address
        super().__init__(host, port, **kwargs)

    def _get_socket(self, host, port, timeout):
        return super()._get_socket(self._pinned_address, port, timeout)


def seven_bit(message) -> None:
    """Re-encode every 8-bit leaf part of ``message`` in place: text as quoted-printable, anything
    else as base64 — for a server that does not offer 8BITMIME (RFC 6152)."""
    for part in message.walk():
        if part.is_multipart():
            continue
        cte = str(part.get("Content-Transfer-Encoding", "7bit")).strip().lower()
        if cte in ("quoted-printable", "base64"):
            continue
        payload = part.get_payload()
        if cte not in ("8bit", "binary") and (not isinstance(payload, str) or payload.isascii()):
            continue
        data = part.get_payload(decode=True) or b""
        del part["Content-Transfer-Encoding"]
        part.set_payload(data)
        if part.get_content_maintype() == "text":
            encoders.encode_quopri(part)
        else:
            encoders.encode_base64(part)


class MimeAwareSMTPBackend(SMTPBackend):
    """Django's SMTP backend that honours the server's 8BITMIME: with it, a message with 8-bit
    text parts is announced ``BODY=8BITMIME`` on MAIL FROM; without it, those parts are sent
    quoted-printable or base64, so only 7-bit data crosses the wire."""

    def _send(self, email_message):
        if not email_message.recipients():
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = sanitize_address(email_message.from_email, encoding)
        recipients = [sanitize_address(addr, encoding) for addr in email_message.recipients()]
        message = email_message.message()
        data = message.as_bytes(linesep="\r\n")
        options = []
        if not data.isascii():
            self.connection.ehlo_or_helo_if_needed()
            if self.connection.has_extn("8bitmime"):
                options = ["BODY=8BITMIME"]
            else:
                seven_bit(message)
                data = message.as_bytes(linesep="\r\n")
        try:
            self.connection.sendmail(from_email, recipients, data, mail_options=options)
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True


class GuardedSMTPBackend(MimeAwareSMTPBackend):
    """The SMTP backend for an organisation's own server: it connects only to the address
    netguard checked for it."""

    def __init__(self, *, pinned_address: str, **kwargs):
        self.pinned_address = pinned_address
        super().__init__(**kwargs)

    @property
    def connection_class(self):
        cls = _PinnedSMTPSSL if self.use_ssl else _PinnedSMTP
        return partial(cls, pinned_address=self.pinned_address)


def smtp_connection(config: ChannelConfig | None):
    """The installation's SMTP server (the operator's), or an organisation's own — checked like a
    webhook: a public address (unless the operator allows private ones) and an SMTP port."""
    if config is None:
        if settings.EMAIL_BACKEND == DJANGO_SMTP_BACKEND:
            return MimeAwareSMTPBackend(timeout=settings.EMAIL_TIMEOUT)
        return get_connection(timeout=settings.EMAIL_TIMEOUT)
    port = config.smtp_port or 25
    try:
        address = netguard.smtp_address(config.smtp_host, port)
    except netguard.UnsafeURL as exc:
        # A name that does not resolve may be a passing DNS failure; a refused address is not.
        raise DeliveryError(str(exc), permanent=not isinstance(exc, netguard.Unresolvable)) from None
    return GuardedSMTPBackend(
        pinned_address=address,
        host=config.smtp_host,
        port=port,
        username=config.smtp_user or None,
        password=config.secret or None,
        use_tls=config.smtp_security == "starttls",
        use_ssl=config.smtp_security == "ssl",
        timeout=settings.EMAIL_TIMEOUT,
    )


def org_smtp(organization_id: int) -> ChannelConfig | None:
    return (
        ChannelConfig.objects.filter(organization_id=organization_id, kind=ChannelKind.EMAIL, is_active=True)
        .order_by("id")
        .first()
    )


def message_id_header(message: OutboxMessage) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "accord.local"
    return f"<{message.idempotency_key}@{domain}>"


class _Mail(EmailMultiAlternatives):
    """Django takes a part's type as "main/sub"; parameters given with it (``text/calendar;
    method=REQUEST``) become real Content-Type parameters here, next to the charset."""

    def _create_mime_attachment(self, content, mimetype):
        main, _sep, params = mimetype.partition(";")
        part = super()._create_mime_attachment(content, main.strip())
        for param in params.split(";"):
            key, _eq, value = param.partition("=")
            key = key.strip().lower()
            if key and key != "charset":
                # Unquoted, as calendar clients write it themselves (method=REQUEST).
                part.set_param(key, value.strip().strip('"'), requote=False)
        return part


class Disconnected(DeliveryError):
    """The SMTP server closed the connection (on a kept-open one: perhaps after it sat idle)."""


def mail_config(message: OutboxMessage) -> ChannelConfig | None:
    """The organisation's own SMTP server for this mail, or None for the installation's."""
    return message.channel_config if message.channel_config_id else org_smtp(message.organization_id)


def send_email(message: OutboxMessage, *, config=..., connection=None) -> None:
    """Send one mail; over ``connection`` (opened if need be and left open) when given, else
    over a connection of its own. ``config`` is ``mail_config(message)`` when the caller has it."""
    if config is ...:
        config = mail_config(message)
    headers = dict(message.headers)
    headers["Message-ID"] = message_id_header(message)
    reply_to = headers.pop("Reply-To", "")
    recipients = [addr.strip() for addr in message.recipient.split(",") if addr.strip()]
    if not recipients:
        raise DeliveryError("No recipient address", permanent=True)
    try:
        # The one-time secrets go into the mail here and nowhere else.
        body_text, body_html = message.unmask(message.body_text), message.unmask(message.body_html)
        alternatives = [
            (message.unmask(part["content"]), part["mimetype"])
            for part in (message.payload or {}).get("alternatives", [])
        ]
    except ValueError:
        raise DeliveryError(
            "The message's one-time link can no longer be decrypted (the encryption key changed)",
            permanent=True,
        ) from None
    mail = _Mail(
        subject=message.subject,
        body=body_text,
        from_email=(config.from_email if config and config.from_email else None),
        to=recipients,
        headers=headers,
        reply_to=[reply_to] if reply_to else None,
        connection=connection or smtp_connection(config),
    )
    if body_html:
        mail.attach_alternative(body_html, "text/html")
    for content, mimetype in alternatives:
        mail.attach_alternative(content, mimetype)
    for att in message.attachments.all():
        mail.attach(att.filename, bytes(att.content), att.mimetype)
    try:
        if connection is not None:
            connection.open()  # a no-op while it is open
        mail.send()
    except smtplib.SMTPServerDisconnected as exc:
        raise Disconnected(f"SMTP: {_short_reason(exc)}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _msg in exc.recipients.values()]
        refused = ", ".join(f"{addr} ({code})" for addr, (code, _msg) in exc.recipients.items())
        raise DeliveryError(f"Recipients refused: {refused}", permanent=all(c >= 500 for c in codes))
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"SMTP authentication failed: {exc.smtp_code}", permanent=True)
    except smtplib.SMTPResponseException as exc:
        # The code and the enhanced status (5.7.1), never the server's text: whatever answered
        # on that port must not be readable in the outbox.
        raise DeliveryError(
            f"SMTP {exc.smtp_code}{_enhanced_status(exc.smtp_error)}", permanent=exc.smtp_code >= 500
        )
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP: {_short_reason(exc)}")


ENHANCED_STATUS_RE = re.compile(rb"^\s*([245]\.\d{1,3}\.\d{1,3})\b")


def _enhanced_status(reply) -> str:
    if isinstance(reply, str):
        reply = reply.encode("utf-8", "replace")
    match = ENHANCED_STATUS_RE.match(reply or b"")
    return f" {match.group(1).decode()}" if match else ""


def _short_reason(exc: BaseException) -> str:
    """The kind of a network failure ("ConnectionRefusedError: Connection refused"), never text
    the other side sent."""
    reason = getattr(exc, "strerror", None)
    if isinstance(exc, TimeoutError):
        reason = "timed out"
    elif type(exc) is OSError and not exc.errno:
        reason = str(exc)[:200]  # raised by netguard with its own words
    elif isinstance(exc, smtplib.SMTPException) or not reason:
        reason = ""
    return f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__


def send_http(message: OutboxMessage, *, session: netguard.Session | None = None) -> None:
    if message.channel == "webhook" and message.subscription_id:
        sub = message.subscription
        kind, url, secret = "webhook", sub.url, sub.secret
        if not sub.is_active:
            raise DeliveryError("The subscription was switched off", permanent=True)
    elif message.channel_config_id:
        config = message.channel_config
        kind, url, secret = config.kind, config.url, config.secret
        if not config.is_active:
            raise DeliveryError("The channel was switched off", permanent=True)
    else:
        raise DeliveryError("The channel or subscription was deleted", permanent=True)
    payload = message.payload or {}
    with translation.override(message.organization.default_language or settings.LANGUAGE_CODE):
        more_label = gettext("full text")
    url, body, headers = providers.build_request(
        kind,
        url=url,
        secret=secret,
        title=message.subject,
        text=message.body_text,
        link=payload.get("link", ""),
        msg_id=message.idempotency_key,
        data=payload.get("data") if kind == "webhook" else None,
        more_label=more_label,
    )
    try:
        response = (session or netguard).post(url, body, headers=headers)
    except netguard.UnsafeURL as exc:
        raise DeliveryError(str(exc), permanent=not isinstance(exc, netguard.Unresolvable))
    except (TimeoutError, OSError) as exc:
        raise DeliveryError(_short_reason(exc))
    providers.check_response(kind, response.status, response.body)


class MailSession:
    """Mails of one route over one SMTP connection, opened at the first mail (through
    ``smtp_connection``: netguard's check for an organisation's server) and after any failure."""

    def __init__(self, config: ChannelConfig | None):
        self.config = config
        self.backend = None

    def send(self, message: OutboxMessage) -> None:
        reused = self.backend is not None
        try:
            if not reused:
                self.backend = smtp_connection(self.config)
            try:
                send_email(message, config=self.config, connection=self.backend)
            except Disconnected:
                if not reused:
                    raise
                # The server closed the kept-open connection (idle, or a per-connection limit):
                # once more on a new one, under the same Message-ID.
                self.close()
                self.backend = smtp_connection(self.config)
                send_email(message, config=self.config, connection=self.backend)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.backend is not None:
            with contextlib.suppress(Exception):  # a broken connection may fail to quit; it is gone
                self.backend.close()
        self.backend = None


def send(message: OutboxMessage, *, session=None) -> None:
    if message.channel == "email":
        if session is not None:
            session.send(message)
        else:
            send_email(message)
    elif message.channel in IM_KINDS:
        send_http(message, session=session)
    else:
        raise DeliveryError(f"No sender for channel {message.channel!r}", permanent=True)
