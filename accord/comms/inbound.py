"""Mail and IM messages coming in: each becomes an Interaction on the right client, or waits in
the triage list when the sender is unknown. Nothing that arrives is dropped silently."""

from __future__ import annotations

import codecs
import email
import email.header
import email.policy
import hashlib
import logging
import re
from dataclasses import dataclass, field
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accord.audit.services import audit_create, audit_event
from accord.tenancy.access import require_team
from accord.tenancy.models import Membership

from .models import InboundAttachment, InboundMessage, InboundStatus, ProjectMailbox

logger = logging.getLogger(__name__)

REPLY_RE = re.compile(r"reply\+([a-f0-9]{8,40})@", re.IGNORECASE)
FALLBACK_CHARSETS = ("utf-8", "gb18030", "big5", "shift_jis", "latin-1")
# Chinese Outlook and Foxmail label GBK text (镕, 祎, 喆 are not in GB 2312) as gb2312: every label
# of the GB family is read as GB18030, which contains both.
GB_LABELS = frozenset(
    {"gb2312", "gb_2312", "gb_2312-80", "gb2312-80", "csgb2312", "euc-cn", "euccn", "x-euc-cn"}
    | {"gbk", "x-gbk", "cp936", "ms936", "windows-936", "936", "chinese"}
)
GB_ENCODED_WORD_RE = re.compile(r"=\?(?:" + "|".join(re.escape(x) for x in sorted(GB_LABELS)) + r")\?", re.I)


class InboundRejected(Exception):
    """The message cannot be taken (too large, no organisation to file it under)."""


def max_mail_bytes() -> int:
    return int(getattr(settings, "ACCORD_MAX_INBOUND_MAIL_BYTES", 40 * 1024 * 1024))


def max_attachment_bytes() -> int:
    return int(getattr(settings, "ACCORD_MAX_UPLOAD_BYTES", 25 * 1024 * 1024))


@dataclass
class ParsedMail:
    message_id: str
    sender: str
    sender_name: str
    subject: str
    text: str
    date: object
    recipients: list[str]
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    automatic: bool = False


AUTOMATIC_PRECEDENCE = ("bulk", "junk", "list", "auto_reply")
AUTOMATIC_SENDERS = ("mailer-daemon", "postmaster")


def is_automatic(headers, sender: str) -> bool:
    """An out-of-office answer, another responder's mail (RFC 3834 ``Auto-Submitted`` other than
    "no", ``X-Autoreply``, ``X-Autorespond``, ``Precedence: auto_reply/bulk/junk/list``) or a
    delivery report (``multipart/report``, a mailer daemon): it must not open or answer a
    request nor land on a client's timeline — answering it could start a mail loop."""

    def value(name: str) -> str:
        try:
            return str(headers.get(name, "") or "").strip().lower()
        except (TypeError, ValueError, LookupError, IndexError, AttributeError):
            return ""

    auto = value("Auto-Submitted").split(";", 1)[0].strip()
    if auto and auto != "no":
        return True
    if value("Precedence") in AUTOMATIC_PRECEDENCE:
        return True
    if any(value(name) for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder")):
        return True
    if value("Content-Type").split(";", 1)[0].strip() == "multipart/report":
        return True
    local = (sender or "").split("@", 1)[0].lower()
    return not sender or local in AUTOMATIC_SENDERS


# Where a reply's quote of the earlier mail starts, besides what mail-parser-reply finds: Gmail's
# Chinese "… 于2026年12月5日周六 05:09写道：", Foxmail's and QQ Mail's "原始邮件" divider, an
# Outlook divider line of underscores.
QUOTE_START_RE = re.compile(
    r"^\s*(?:On .{1,200} wrote:|-{2,} *Original Message *-{2,}|-{2,} *原始邮件 *-{2,}|_{10,}|"
    r"From: .{1,200}|发件人\s*[:：].{0,200}|.{0,200}于\s*\d{4}\s*年.{0,80}写道\s*[:：]?|"
    r"在 .{1,200}写道\s*[:：]?)\s*$",
    re.IGNORECASE,
)

SIGNATURE_MAX_LINES = 8


def reply_text(text: str) -> str:
    """The new part of an answer: without the quoted earlier mail below it and without the
    signature, in English and Chinese (the whole mail is kept on the ``InboundMessage``)."""
    from mailparser_reply.parser import EmailMessage

    text = (text or "").replace("\r\n", "\n")
    try:
        parsed = EmailMessage(text=text, languages=["zh", "en"], keep_hyphen_lists=True).read()
        first = parsed.replies[0] if parsed.replies else None
        if first is None or first.headers:
            body = text  # it starts with a quote: no new text of its own, nothing is cut
        elif len(first.signatures.splitlines()) <= SIGNATURE_MAX_LINES:
            body = first.body
        else:
            # "Thanks, …" opening a long paragraph is the message, not a signature.
            body = first.full_body
    except (re.error, IndexError, ValueError):
        body = text
    kept = []
    for line in body.splitlines():
        if QUOTE_START_RE.match(line):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    return "\n".join(kept).strip() or text.strip()


def mail_charset(label: str | None) -> str | None:
    """The codec to read text labelled ``label`` with: GB18030 for the whole GB family."""
    if not label:
        return None
    label = label.strip().strip('"').lower()
    if label in GB_LABELS:
        return "gb18030"
    try:
        if codecs.lookup(label).name in ("gb2312", "gbk"):
            return "gb18030"
    except LookupError:
        pass
    return label


def decode_header_text(value: str) -> str:
    """A raw header's text with its RFC 2047 encoded words decoded by ``mail_charset``."""
    chunks = []
    try:
        parts = email.header.decode_header(value)
    except (ValueError, LookupError, UnicodeError):
        return value
    for chunk, charset in parts:
        if isinstance(chunk, str):  # no encoded word: the raw text (8-bit bytes surrogate-escaped)
            chunk, charset = chunk.encode("ascii", "surrogateescape"), None
        chunks.append(_decode_bytes(chunk, mail_charset(charset)))
    return "".join(chunks)


def _decode_bytes(data: bytes, declared: str | None) -> str:
    for charset in (declared, *FALLBACK_CHARSETS):
        if not charset:
            continue
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", "replace")


def _part_text(part) -> str:
    declared = part.get_content_charset()
    if declared and mail_charset(declared) != declared.lower():
        try:
            payload = part.get_payload(decode=True) or b""
        except (ValueError, TypeError, AssertionError):
            payload = b""
        return _decode_bytes(payload, mail_charset(declared))
    try:
        content = part.get_content()
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError, ValueError, AssertionError, KeyError):
        pass
    payload = part.get_payload(decode=True) or b""
    return _decode_bytes(payload, part.get_content_charset())


def _raw_header(msg, name: str) -> str:
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return ""


def _header(msg, name: str) -> str:
    raw = _raw_header(msg, name) if name in ("Subject", "From") else ""
    if raw and GB_ENCODED_WORD_RE.search(raw):
        return decode_header_text(raw)
    try:
        value = msg.get(name)
        return str(value) if value is not None else ""
    except (ValueError, TypeError, IndexError, AttributeError, LookupError):
        raw = (
            msg.get_all(
                name,
                failobj=[""],
            )
            if hasattr(msg, "get_all")
            else [""]
        )
        return str(raw[0]) if raw else ""


QUOTED_NAME_RE = re.compile(r'\b(?:file)?name\s*=\s*"([^"]*)"', re.IGNORECASE)
EXTENDED_NAME_RE = re.compile(r"\b(?:file)?name\*\s*=\s*([\w.:-]+)'[\w-]*'([^;\s]+)", re.IGNORECASE)


def _attachment_name(part) -> str | None:
    """The attachment's name; one in a GB-family charset (Outlook's ``name="=?gb2312?B?…?="``
    or RFC 2231 ``filename*=gb2312''%D6%D0…``) is read as GB18030 like the text."""
    raw = " ".join(_raw_header(part, name) for name in ("Content-Disposition", "Content-Type"))
    for match in EXTENDED_NAME_RE.finditer(raw):
        if mail_charset(match.group(1)) == "gb18030":
            return _decode_bytes(unquote_to_bytes(match.group(2)), "gb18030")
    if GB_ENCODED_WORD_RE.search(raw):
        for match in QUOTED_NAME_RE.finditer(raw):
            if GB_ENCODED_WORD_RE.search(match.group(1)):
                return decode_header_text(match.group(1))
    try:
        return part.get_filename()
    except (ValueError, TypeError, LookupError, UnicodeError):
        return None


def _safe_filename(name: str | None, index: int) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip().strip(".")
    name = re.sub(r"[\x00-\x1f<>:\"|?*]", "_", name)[:200]
    return name or f"attachment-{index}"


def parse_mail(raw: bytes) -> ParsedMail:
    """Read one RFC 5322 message, tolerating broken MIME and wrong or unusual charsets."""
    if len(raw) > max_mail_bytes():
        raise InboundRejected(
            _("The message is larger than %(n)d MB.") % {"n": max_mail_bytes() // (1024 * 1024)}
        )
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = _header(msg, "Message-ID").strip()[:300]
    if not message_id:
        message_id = "<sha256-" + hashlib.sha256(raw).hexdigest() + "@accord.invalid>"
    sender_name, sender = parseaddr(_header(msg, "From"))
    subject = re.sub(r"\s+", " ", _header(msg, "Subject")).strip()[:300]
    try:
        date = parsedate_to_datetime(_header(msg, "Date"))
        if date is None or timezone.is_naive(date):
            date = timezone.now()
    except (TypeError, ValueError, IndexError):
        date = timezone.now()
    if date > timezone.now() + timezone.timedelta(days=1):
        date = timezone.now()
    recipients = [
        addr.lower()
        for _name, addr in getaddresses(
            [_header(msg, h) for h in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")]
        )
        if addr
    ]
    parsed = ParsedMail(
        message_id=message_id,
        sender=sender.strip().lower()[:320],
        sender_name=sender_name.strip()[:200],
        subject=subject,
        text="",
        date=date,
        recipients=recipients,
        automatic=is_automatic(msg, sender),
    )
    try:
        body = msg.get_body(preferencelist=("plain", "html"))
    except (KeyError, ValueError, AttributeError, IndexError):
        body = None
    if body is None and not msg.is_multipart():
        body = msg
    if body is not None:
        text = _part_text(body)
        if body.get_content_type() == "text/html":
            text = strip_tags(text)
        parsed.text = text.replace("\x00", "")[:200_000]
    try:
        parts = list(msg.iter_attachments()) if msg.is_multipart() else []
    except (KeyError, ValueError, AttributeError, TypeError):
        parts = []
        parsed.notes.append("attachments unreadable")
    for index, part in enumerate(parts, start=1):
        try:
            data = part.get_payload(decode=True) or b""
        except (ValueError, TypeError, AssertionError):
            parsed.notes.append(f"attachment {index} unreadable")
            continue
        name = _safe_filename(_attachment_name(part), index)
        if len(data) > max_attachment_bytes():
            parsed.notes.append(f"{name} too large ({len(data)} bytes), not kept")
            continue
        parsed.attachments.append((name, part.get_content_type()[:100], data))
    return parsed


# --- routing ---------------------------------------------------------------------------------


def _contacts_by_email(address: str, organization_id: int | None = None):
    from django.db.models import Q

    from accord.crm.models import Contact

    qs = Contact.objects.filter(Q(email__iexact=address) | Q(email_secondary__iexact=address), is_active=True)
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    return list(qs.select_related("client", "organization"))


def _single_org():
    from accord.tenancy.models import Organization

    orgs = list(Organization.objects.all()[:2])
    return orgs[0] if len(orgs) == 1 else None


@dataclass
class Route:
    organization: object
    client: object = None
    project: object = None
    contacts: list = field(default_factory=list)


def route_mail(parsed: ParsedMail, default_org=None) -> list[Route]:
    """The one organisation a mail belongs to, by the address it was sent TO: a project's reply
    address, else the organisation whose mailbox delivered it (``default_org``: ``mail-in`` /
    ``mail-fetch --org``), else the only organisation of the installation.

    The sender's address only picks the client inside that organisation; it never decides the
    organisation — a contact with the same address elsewhere does not receive the mail.
    (Support addresses are routed before this, by the service area's mail handler.)
    """
    for address in parsed.recipients:
        match = REPLY_RE.search(address)
        if not match:
            continue
        box = (
            ProjectMailbox.objects.filter(token=match.group(1).lower())
            .select_related("project__client", "organization")
            .first()
        )
        if box is not None:
            contacts = [
                c
                for c in _contacts_by_email(parsed.sender, box.organization_id)
                if c.client_id == box.project.client_id
            ]
            return [Route(box.organization, box.project.client, box.project, contacts)]
    org = default_org or _single_org()
    if org is None:
        raise InboundRejected(
            _(
                "The message was not sent to an address of an organisation (a reply address, a "
                "confirmed support address or an organisation's mailbox)."
            )
        )
    route = Route(org, contacts=_contacts_by_email(parsed.sender, org.pk) if parsed.sender else [])
    if len({c.client_id for c in route.contacts}) == 1:
        route.client = route.contacts[0].client  # several clients with that address: triage decides
    return [route]


def _only_open_project(client):
    from accord.projects.models import Project, ProjectStatus

    projects = list(
        Project.objects.filter(
            client=client, status__in=[ProjectStatus.PLANNED, ProjectStatus.ACTIVE, ProjectStatus.ON_HOLD]
        )[:2]
    )
    return projects[0] if len(projects) == 1 else None


def _log_interaction(
    inbound: InboundMessage, *, client, project, contacts, kind: str, channel: str, actor=None
):
    from accord.crm.models import Direction, Interaction

    from .services import interaction_event, interaction_logged

    interaction = Interaction.objects.create(
        organization_id=inbound.organization_id,
        client=client,
        project=project,
        kind=kind,
        channel=channel,
        direction=Direction.INBOUND,
        occurred_at=inbound.received_at,
        summary=(inbound.subject or inbound.body_text.strip().split("\n", 1)[0] or _("(no subject)"))[:300],
        body=(reply_text(inbound.body_text) if channel == "email" else inbound.body_text)[:100_000],
        source=channel if channel != "email" else "email",
        external_id=inbound.message_id[:300],
        created_by=actor,
    )
    if contacts:
        interaction.contacts.set(contacts)
    audit_create(actor, interaction)
    interaction_logged(interaction)
    interaction_event(interaction, contacts or [])
    inbound.interaction = interaction
    inbound.client = client
    inbound.project = project
    inbound.status = InboundStatus.LOGGED
    inbound.save(update_fields=["interaction", "client", "project", "status", "updated_at"])
    return interaction


def _store(route: Route, parsed: ParsedMail, *, automatic: bool = False) -> InboundMessage | None:
    """Keep the message; on the route's client's timeline when it has one. An ``automatic`` one
    (out of office, delivery report) is kept as discarded: it neither lands on a timeline nor
    waits in triage."""
    with transaction.atomic():
        if InboundMessage.objects.filter(
            organization=route.organization, message_id=parsed.message_id
        ).exists():
            return None
        try:
            with transaction.atomic():
                inbound = InboundMessage.objects.create(
                    organization=route.organization,
                    channel="email",
                    message_id=parsed.message_id,
                    sender=parsed.sender or "?",
                    sender_name=parsed.sender_name,
                    subject=parsed.subject,
                    body_text=parsed.text,
                    received_at=parsed.date,
                    status=InboundStatus.DISCARDED if automatic else InboundStatus.TRIAGE,
                    note="; ".join(([_("automatic reply")] if automatic else []) + parsed.notes)[:300],
                )
        except IntegrityError:
            return None  # the same message arrived twice at once
        for name, mimetype, data in parsed.attachments:
            att = InboundAttachment(
                organization=route.organization,
                message=inbound,
                filename=name,
                mimetype=mimetype,
                size=len(data),
            )
            att.file.save(name, ContentFile(data), save=False)
            att.save()
        if route.client is not None:
            project = route.project or _only_open_project(route.client)
            _log_interaction(
                inbound,
                client=route.client,
                project=project,
                contacts=route.contacts,
                kind="email",
                channel="email",
            )
        return inbound


# Other apps take some mail themselves (support requests sent to a support address): a handler,
# registered in ``AppConfig.ready()``, is called as ``handler(parsed, raw, default_org=...)`` and
# returns the rows it filed (empty for a duplicate), or None to leave the message to the routing below.
MAIL_HANDLERS: list[str] = []


def register_mail_handler(dotted: str) -> None:
    if dotted not in MAIL_HANDLERS:
        MAIL_HANDLERS.append(dotted)


def mail_ingest(raw: bytes, *, default_org=None) -> list[InboundMessage]:
    """Take one raw message: file it on the right client(s) or in triage. Returns the rows
    created (empty when it was a duplicate)."""
    parsed = parse_mail(raw)
    for dotted in MAIL_HANDLERS:
        handled = import_string(dotted)(parsed, raw, default_org=default_org)
        if handled is not None:
            return handled
    created = []
    for route in route_mail(parsed, default_org):
        if parsed.automatic:
            route = Route(route.organization)
        inbound = _store(route, parsed, automatic=parsed.automatic)
        if inbound is not None:
            created.append(inbound)
    return created


# --- triage -------------------------------------------------------------------------------------


def _require_triage(actor: Membership, inbound: InboundMessage) -> None:
    """The organisation's team triages its inbox."""
    require_team(actor)
    if inbound.organization_id != actor.organization_id:
        raise PermissionDenied


@transaction.atomic
def triage_assign(*, actor: Membership, inbound: InboundMessage, client, project=None) -> InboundMessage:
    """File a triaged message on ``client`` (and ``project``) as an interaction."""
    _require_triage(actor, inbound)
    if inbound.status != InboundStatus.TRIAGE:
        raise ValidationError({"__all__": _("This message was already handled.")})
    if client.organization_id != inbound.organization_id:
        raise ValidationError({"client": _("Choose a client of your organisation.")})
    if project is not None and project.client_id != client.pk:
        raise ValidationError({"project": _("Choose a project of this client.")})
    contacts = [
        c for c in _contacts_by_email(inbound.sender, inbound.organization_id) if c.client_id == client.pk
    ]
    kind = "email" if inbound.channel == "email" else "im"
    _log_interaction(
        inbound,
        client=client,
        project=project,
        contacts=contacts,
        kind=kind,
        channel=inbound.channel,
        actor=actor.user,
    )
    audit_event(actor.user, inbound, "assigned", {"client": client.name})
    return inbound


@transaction.atomic
def triage_discard(*, actor: Membership, inbound: InboundMessage) -> InboundMessage:
    _require_triage(actor, inbound)
    if inbound.status != InboundStatus.TRIAGE:
        raise ValidationError({"__all__": _("This message was already handled.")})
    inbound.status = InboundStatus.DISCARDED
    inbound.save(update_fields=["status", "updated_at"])
    audit_event(actor.user, inbound, "discarded")
    return inbound


# --- IM messages in ------------------------------------------------------------------------------

IM_CONTACT_FIELD = {"slack": "slack", "feishu": "feishu", "dingtalk": "dingtalk", "wecom": "wecom"}


@transaction.atomic
def im_ingest(*, config, message_id: str, sender_id: str, sender_name: str, text: str, when=None):
    """One IM message from a verified callback. Returns the InboundMessage (None if a duplicate)."""
    from accord.crm.models import Contact

    message_id = f"{config.kind}:{message_id}"[:300]
    if InboundMessage.objects.filter(organization_id=config.organization_id, message_id=message_id).exists():
        return None
    field_name = IM_CONTACT_FIELD.get(config.kind)
    contacts = []
    if field_name and sender_id:
        contacts = list(
            Contact.objects.filter(
                organization_id=config.organization_id, is_active=True, **{field_name: sender_id}
            ).select_related("client")
        )
    project = config.project
    client = project.client if project is not None else None
    if client is None and len({c.client_id for c in contacts}) == 1:
        client = contacts[0].client
    if client is not None:
        contacts = [c for c in contacts if c.client_id == client.pk]
    try:
        with transaction.atomic():
            inbound = InboundMessage.objects.create(
                organization_id=config.organization_id,
                channel=config.kind,
                message_id=message_id,
                sender=sender_id[:320] or "?",
                sender_name=sender_name[:200],
                subject=text.strip().split("\n", 1)[0][:300],
                body_text=text[:100_000],
                received_at=when or timezone.now(),
                status=InboundStatus.TRIAGE,
            )
    except IntegrityError:
        return None
    if client is not None:
        _log_interaction(
            inbound,
            client=client,
            project=project or _only_open_project(client),
            contacts=contacts,
            kind="im",
            channel=config.kind,
        )
    return inbound
