"""Support by e-mail. Mail to a support address (``support@…``, ``support+CODE@…``) from a known
contact opens a request on their project; an answer to one of our support mails (its
``In-Reply-To``/``References``, or ``[#id]`` in the subject) is added to that request. What
cannot be matched waits for the team in the unmatched list — nothing is dropped.

Every message is also kept by comms as an ``InboundMessage`` (the same Message-ID twice is
filed once), and a matched one lands on the client's timeline.
"""

from __future__ import annotations

import email.policy
import re
from email.parser import BytesHeaderParser
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.audit.services import audit_event
from accord.comms import inbound as comms_inbound
from accord.comms.models import InboundStatus
from accord.crm.models import Contact
from accord.projects.models import Project, ProjectStatus
from accord.tenancy.access import can_write_project
from accord.tenancy.models import Membership

from . import services
from .models import (
    MailDirection,
    MailState,
    Priority,
    RequestSource,
    RequestStatus,
    SupportMail,
    SupportMailbox,
    SupportRequest,
    UnmatchedReason,
)
from .uploads import check_upload

TOKEN_RE = re.compile(r"\[#(\d{1,12})\]")
MESSAGE_ID_RE = re.compile(r"<[^<>\s]{1,250}>")
REPLY_PREFIX_RE = re.compile(r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|回复|答复|转发)\s*[:：]\s*)+", re.IGNORECASE)
MAX_REFERENCES = 30


def _headers(raw: bytes):
    return BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)


def _header(headers, name: str) -> str:
    try:
        return str(headers.get(name, "") or "")
    except (TypeError, ValueError, LookupError):
        return ""


def references(headers) -> list[str]:
    """The Message-IDs a mail answers (In-Reply-To first, then References newest first)."""
    found = MESSAGE_ID_RE.findall(_header(headers, "In-Reply-To"))
    found += reversed(MESSAGE_ID_RE.findall(_header(headers, "References")))
    return list(dict.fromkeys(found))[:MAX_REFERENCES]


def mailbox_for(recipients: list[str]) -> tuple[SupportMailbox | None, str]:
    """The support address a mail was sent to, and the ``+tag`` it carried."""
    wanted: dict[str, tuple[str, str]] = {}
    for address in recipients:
        local, _at, domain = address.partition("@")
        base, _plus, tag = local.partition("+")
        wanted[address] = (f"{base}@{domain}", tag)
    names = set(wanted) | {base for base, _tag in wanted.values()}
    boxes = {
        box.address: box
        # Only a confirmed address routes: its organisation proved it receives mail there.
        for box in SupportMailbox.objects.filter(
            address__in=names, is_active=True, verified_at__isnull=False
        ).select_related("organization", "project")
    }
    for address, (base, tag) in wanted.items():
        if address in boxes:
            return boxes[address], ""
        if base in boxes:
            return boxes[base], tag
    return None, ""


def thread_request(refs: list[str], subject: str, organization_id: int | None) -> SupportRequest | None:
    """The request a mail answers: by the Message-IDs it cites; for mail to a support address also
    by the ``[#id]`` in its subject."""
    related = ("organization", "project__client", "contact")
    if refs:
        mails = SupportMail.objects.filter(message_id__in=refs, request__isnull=False)
        if organization_id is not None:
            mails = mails.filter(organization_id=organization_id)
        mail = (
            mails.select_related(*(f"request__{r}" for r in related)).order_by("-created_at", "-id").first()
        )
        if mail is not None:
            return mail.request
    match = TOKEN_RE.search(subject or "") if organization_id is not None else None
    if match:
        return (
            SupportRequest.objects.filter(organization_id=organization_id, pk=int(match.group(1)))
            .select_related(*related)
            .first()
        )
    return None


def _contacts(organization_id: int, sender: str) -> list[Contact]:
    if not sender:
        return []
    return list(
        Contact.objects.filter(
            Q(email__iexact=sender) | Q(email_secondary__iexact=sender),
            organization_id=organization_id,
            is_active=True,
        ).select_related("client", "portal_user")
    )


def pick_project(organization_id: int, contacts: list[Contact], mailbox, tag: str):
    """(project, contact) for a new request: the mailbox's project, else the one the tag names,
    else the contacts' most recent project (open ones first). Either may be None."""
    if mailbox is not None and mailbox.project_id:
        project = mailbox.project
        return project, next((c for c in contacts if c.client_id == project.client_id), None)
    if not contacts:
        return None, None
    by_client = {c.client_id: c for c in contacts}
    live = Project.objects.filter(organization_id=organization_id).exclude(status=ProjectStatus.CANCELLED)
    if tag:
        project = live.filter(code__iexact=tag, client_id__in=by_client).first()
        if project is not None:
            return project, by_client[project.client_id]
    through = Project.contacts.through.objects.filter(contact__in=contacts, project__in=live)
    stakeholder = dict(through.values_list("project_id", "contact_id"))
    projects = list(live.filter(pk__in=stakeholder)) or list(live.filter(client_id__in=by_client))
    if not projects:
        return None, None
    project = min(projects, key=lambda p: (not p.is_open, -p.start_date.toordinal(), -p.pk))
    contact_id = stakeholder.get(project.pk)
    contact = next((c for c in contacts if c.pk == contact_id), None) or by_client[project.client_id]
    return project, contact


def request_title(subject: str, text: str) -> str:
    title = TOKEN_RE.sub("", REPLY_PREFIX_RE.sub("", subject or "")).strip()
    if not title:
        title = next((line.strip() for line in (text or "").splitlines() if line.strip()), "")
    return (title or _("(no subject)"))[:200]


def check_mail_files(files: list[tuple[str, bytes]]) -> tuple[list, list[str]]:
    """Attachments through the portal's checks: (accepted, reasons for the refused ones)."""
    checked, refused = [], []
    for name, data in files:
        upload = SimpleUploadedFile(name, data)
        if len(checked) >= services.MAX_FILES:
            refused.append(
                f"{name}: " + _("Attach at most %(n)s files at a time.") % {"n": services.MAX_FILES}
            )
            continue
        try:
            checked.append((upload, *check_upload(upload, "files")))
        except ValidationError as exc:
            refused.append(f"{name}: {' '.join(exc.messages)}")
    return checked, refused


def _note_refused(request: SupportRequest, refused: list[str], notes: list[str]) -> None:
    """An internal note on what the mail brought that was not kept."""
    lines = [*refused, *notes]
    if not lines:
        return
    with translation.override(request.organization.default_language):
        body = (
            _("Attachments of the e-mail that were not kept:") + "\n\n" + "\n".join(f"- {x}" for x in lines)
        )
        services._reply_write(request, author=None, from_client=False, body=body, internal=True, checked=[])


# --- mail in -----------------------------------------------------------------------------------


def own_address_organization(recipients: list[str], default_org=None):
    """The organisation a mail was sent to when it went to one of its own sending addresses (the
    From of its SMTP channel, or the installation's sender when it serves one organisation), or
    came through the organisation's own mailbox (``default_org``)."""
    from accord.comms.models import ChannelConfig, ChannelKind
    from accord.tenancy.models import Organization

    if default_org is not None:
        return default_org
    wanted = {address.lower() for address in recipients}
    if not wanted:
        return None
    configs = ChannelConfig.objects.filter(kind=ChannelKind.EMAIL, is_active=True).exclude(from_email="")
    owners = {
        config.organization_id
        for config in configs.only("organization_id", "from_email")
        if parseaddr(config.from_email)[1].lower() in wanted
    }
    if len(owners) == 1:
        return Organization.objects.get(pk=owners.pop())
    if not owners and parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower() in wanted:
        orgs = list(Organization.objects.all()[:2])
        return orgs[0] if len(orgs) == 1 else None
    return None


def support_mail_ingest(parsed, raw: bytes, default_org=None):
    """The comms mail-in hook: file a mail that concerns support, or return None to leave it to comms.

    A mail is support's when it went to a support address, cites one of our support mails
    (``In-Reply-To``/``References``), or carries a request's ``[#id]`` in its subject and went to
    one of the organisation's own addresses (an Outlook reply keeps only ``Thread-Index``)."""
    headers = _headers(raw)
    refs = references(headers)
    mailbox, tag = mailbox_for(parsed.recipients)
    organization_id = mailbox.organization_id if mailbox else None
    request = thread_request(refs, parsed.subject, organization_id)
    if mailbox is None and request is None and TOKEN_RE.search(parsed.subject or ""):
        own = own_address_organization(parsed.recipients, default_org)
        if own is not None:
            request = thread_request([], parsed.subject, own.pk)
    if mailbox is None and request is None:
        return None
    organization = mailbox.organization if mailbox else request.organization
    contacts = _contacts(organization.pk, parsed.sender)
    project = contact = None
    reason = ""
    if parsed.automatic:
        reason = UnmatchedReason.AUTOMATIC
    elif request is not None:
        contact = next((c for c in contacts if c.client_id == request.project.client_id), None)
        if contact is None:
            reason = UnmatchedReason.UNKNOWN_SENDER if not contacts else UnmatchedReason.OTHER_CLIENT
        elif request.status == RequestStatus.CLOSED:
            reason = UnmatchedReason.CLOSED
    else:
        project, contact = pick_project(organization.pk, contacts, mailbox, tag)
        if not contacts:
            reason = UnmatchedReason.UNKNOWN_SENDER
        elif project is None:
            reason = UnmatchedReason.NO_PROJECT
        elif contact is None:
            reason = UnmatchedReason.OTHER_CLIENT
    suggested = (
        request.project if request is not None else (project or (mailbox.project if mailbox else None))
    )
    with transaction.atomic():
        if reason:
            inbound = comms_inbound._store(comms_inbound.Route(organization), parsed)
            if inbound is None:
                return []  # the same Message-ID was filed before
            _record(
                inbound,
                MailState.UNMATCHED,
                mailbox=mailbox,
                project=suggested,
                refers_to=request,
                reason=reason,
            )
            return [inbound]
        target = request.project if request is not None else project
        route = comms_inbound.Route(organization, target.client, target, [contact])
        inbound = comms_inbound._store(route, parsed)
        if inbound is None:
            return []
        checked, refused = check_mail_files([(name, data) for name, _mime, data in parsed.attachments])
        if request is not None:
            _reply_by_mail(request, contact, parsed, inbound, mailbox, checked)
        else:
            request = _request_by_mail(project, contact, parsed, inbound, mailbox, checked)
        _note_refused(request, refused, parsed.notes)
    return [inbound]


def _request_by_mail(project, contact, parsed, inbound, mailbox, checked) -> SupportRequest:
    request = services._request_open(
        project=project,
        title=request_title(parsed.subject, parsed.text),
        description=(parsed.text or "").strip() or _("(no text)"),
        priority=mailbox.priority if mailbox is not None else Priority.NORMAL,
        contact=contact,
        created_by=contact.portal_user,
        checked=checked,
        source=RequestSource.EMAIL,
    )
    _record(inbound, MailState.OPENED, request=request, mailbox=mailbox)
    _acknowledge(request)
    return request


def _reply_by_mail(request, contact, parsed, inbound, mailbox, checked) -> None:
    reply = services._reply_write(
        request,
        author=contact.portal_user,
        from_client=True,
        body=comms_inbound.reply_text(parsed.text) or _("(no text)"),
        internal=False,
        checked=checked,
    )
    _record(inbound, MailState.REPLIED, request=request, mailbox=mailbox, reply=reply)


def _record(
    inbound, state: str, *, request=None, mailbox=None, reply=None, project=None, **fields
) -> SupportMail:
    """The support side of a mail that came in, beside comms' ``InboundMessage``."""
    return SupportMail.objects.create(
        organization_id=inbound.organization_id,
        direction=MailDirection.IN,
        message_id=inbound.message_id,
        state=state,
        request=request,
        reply=reply,
        inbound=inbound,
        mailbox=mailbox,
        project=request.project if request is not None else project,
        **fields,
    )


def _acknowledge(request: SupportRequest) -> None:
    """Tell the requester their request's number (an automatic answer: it must not start a loop)."""
    services._email_contact(
        request,
        format_lazy(gettext_lazy("We received your support request: {}"), request.title),
        "service/email/received.txt",
        {},
        automatic=True,
    )


# --- the team handles what did not match ----------------------------------------------------------


def _lock_unmatched(mail: SupportMail) -> SupportMail:
    mail = (
        SupportMail.objects.select_for_update(of=("self",))
        .select_related("inbound", "organization")
        .get(pk=mail.pk)
    )
    if (
        mail.state != MailState.UNMATCHED
        or mail.inbound is None
        or mail.inbound.status != InboundStatus.TRIAGE
    ):
        raise ValidationError({"__all__": _("This e-mail was already handled.")})
    return mail


def _inbound_files(mail: SupportMail) -> tuple[list, list[str]]:
    files = []
    for att in mail.inbound.attachments.order_by("id"):
        with att.file.open("rb") as handle:
            files.append((att.filename, handle.read()))
    return check_mail_files(files)


def _writer(actor, project) -> None:
    if not actor.is_team or not can_write_project(actor, project):
        raise PermissionDenied


def support_mail_open_request(
    *, actor: Membership, mail: SupportMail, project, priority: str = Priority.NORMAL
):
    """Open a request on ``project`` from an unmatched mail (the sender, when a contact of the
    project's client, becomes the requester and hears back by mail)."""
    _writer(actor, project)
    if project.organization_id != mail.organization_id:
        raise ValidationError({"project": _("Choose a project of your organisation.")})
    priority = services._clean_priority(priority)
    with transaction.atomic():
        mail = _lock_unmatched(mail)
        inbound = mail.inbound
        contact = next(
            (c for c in _contacts(mail.organization_id, inbound.sender) if c.client_id == project.client_id),
            None,
        )
        checked, refused = _inbound_files(mail)
        request = services._request_open(
            project=project,
            title=request_title(inbound.subject, inbound.body_text),
            description=inbound.body_text.strip() or _("(no text)"),
            priority=priority,
            contact=contact,
            created_by=actor.user,
            checked=checked,
            source=RequestSource.EMAIL,
        )
        comms_inbound.triage_assign(actor=actor, inbound=inbound, client=project.client, project=project)
        mail.state, mail.request, mail.project = MailState.ASSIGNED, request, project
        mail.save(update_fields=["state", "request", "project", "updated_at"])
        audit_event(actor.user, request, "opened_from_mail", {"sender": inbound.sender})
        _note_refused(request, refused, [])
        if contact is not None:
            _acknowledge(request)
    return request


def support_mail_add_to_request(*, actor: Membership, mail: SupportMail, request: SupportRequest):
    """Add an unmatched mail to ``request`` as the client's reply."""
    _writer(actor, request.project)
    if request.organization_id != mail.organization_id:
        raise ValidationError({"request": _("Choose a request of your organisation.")})
    if request.status == RequestStatus.CLOSED:
        raise ValidationError({"request": _("This request is closed. Open a new request instead.")})
    with transaction.atomic():
        mail = _lock_unmatched(mail)
        inbound = mail.inbound
        body = comms_inbound.reply_text(inbound.body_text) or _("(no text)")
        contact = request.contact
        if contact is None or inbound.sender.lower() not in {
            (contact.email or "").lower(),
            (contact.email_secondary or "").lower(),
        }:
            sender = f"{inbound.sender_name} <{inbound.sender}>" if inbound.sender_name else inbound.sender
            body = _("From: %(sender)s") % {"sender": sender} + "\n\n" + body
        checked, refused = _inbound_files(mail)
        reply = services._reply_write(
            request, author=None, from_client=True, body=body, internal=False, checked=checked
        )
        comms_inbound.triage_assign(
            actor=actor, inbound=inbound, client=request.project.client, project=request.project
        )
        mail.state, mail.request, mail.reply, mail.project = (
            MailState.ASSIGNED,
            request,
            reply,
            request.project,
        )
        mail.save(update_fields=["state", "request", "reply", "project", "updated_at"])
        audit_event(actor.user, request, "reply_from_mail", {"sender": inbound.sender})
        _note_refused(request, refused, [])
    return reply


def support_mail_discard(*, actor: Membership, mail: SupportMail) -> SupportMail:
    if not actor.is_team:
        raise PermissionDenied
    with transaction.atomic():
        mail = _lock_unmatched(mail)
        comms_inbound.triage_discard(actor=actor, inbound=mail.inbound)
        mail.state = MailState.DISCARDED
        mail.save(update_fields=["state", "updated_at"])
    return mail
