"""Support requests and training sessions: every write validated, audited and told to the right people."""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.audit.services import (
    audit_create,
    audit_delete,
    audit_event,
    update_fields,
)
from accord.comms.senders import message_id_header
from accord.comms.services import event_emit, notify, outbox_email
from accord.crm.models import Contact
from accord.portal.services import team_notify
from accord.tenancy.access import can_write_project, portal_contact
from accord.tenancy.members import team_members
from accord.tenancy.models import Membership, hash_token

from .models import (
    NEAR_TARGET_SHARE,
    OPEN_STATUSES,
    RESPONSE_HOURS,
    MailDirection,
    MailState,
    Priority,
    RequestSource,
    RequestStatus,
    SupportAttachment,
    SupportMail,
    SupportMailbox,
    SupportReply,
    SupportRequest,
    TrainingFeedback,
    TrainingMaterial,
    TrainingSession,
)
from .uploads import check_upload

MAX_FILES = 5


def _check_files(files: Iterable, field: str = "files") -> list[tuple[object, str, str]]:
    """Validate every upload before anything is written; returns (upload, name, content type)."""
    files = [f for f in files if f]
    if len(files) > MAX_FILES:
        raise ValidationError({field: _("Attach at most %(n)s files at a time.") % {"n": MAX_FILES}})
    return [(upload, *check_upload(upload, field)) for upload in files]


def _save_attachments(request: SupportRequest, checked, *, user, reply=None) -> list[SupportAttachment]:
    saved = []
    for upload, name, content_type in checked:
        attachment = SupportAttachment(
            organization_id=request.organization_id,
            request=request,
            reply=reply,
            filename=name,
            content_type=content_type,
            size=upload.size,
            uploaded_by=user,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        audit_create(user, attachment)
        saved.append(attachment)
    return saved


def _require_writer(actor: Membership, project) -> None:
    if actor.is_client:
        return
    if not actor.is_team or not can_write_project(actor, project):
        raise PermissionDenied


def _team_url(request: SupportRequest) -> str:
    return reverse("service:request_detail", args=[request.pk])


def support_address(project) -> str:
    """Where the client writes about ``project``: its own support address, else the organisation's."""
    boxes = SupportMailbox.objects.filter(
        organization_id=project.organization_id, is_active=True, verified_at__isnull=False
    ).filter(Q(project=project) | Q(project__isnull=True))
    box = min(boxes, key=lambda b: (b.project_id is None, b.pk), default=None)
    return box.address if box else ""


THREAD_DEPTH = 10


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _thread_headers(request: SupportRequest) -> dict[str, str]:
    """``In-Reply-To`` and ``References`` citing the latest mails of the request's conversation."""
    ids = list(
        SupportMail.objects.filter(organization_id=request.organization_id, request=request)
        .order_by("-created_at", "-id")
        .values_list("message_id", flat=True)[:THREAD_DEPTH]
    )
    if not ids:
        return {}
    return {"In-Reply-To": ids[0], "References": " ".join(reversed(ids))}


def _email_contact(
    request: SupportRequest, subject_text, template: str, context: dict, *, automatic: bool = False
) -> None:
    """Tell the requesting contact, in their language, by e-mail (when they have an address).

    The subject carries ``[#id]`` and the headers thread it into the conversation, so that the
    contact's answer by mail comes back onto the request.
    """
    contact = request.contact
    if contact is None or not (contact.email or contact.portal_user_id):
        return
    to = contact.portal_user.email if contact.portal_user_id else contact.email
    language = (contact.portal_user.language if contact.portal_user_id else "") or contact.language
    reply_to = support_address(request.project)
    headers = _thread_headers(request)
    # The acknowledgement answers the client's mail (RFC 3834 "auto-replied"); a team member's
    # reply was written by a person and carries no Auto-Submitted; any other notice is generated.
    if automatic:
        auto_submitted = "auto-replied"
    elif context.get("reply") is not None:
        auto_submitted = ""
    else:
        auto_submitted = "auto-generated"
    zone = _zone(contact.timezone or contact.client.timezone or request.organization.default_timezone)
    with translation.override(language or request.organization.default_language), timezone.override(zone):
        url = (
            settings.BASE_URL + reverse("service:portal_request_detail", args=[request.pk])
            if contact.portal_user_id
            else ""
        )
        full = {
            "request": request,
            "url": url,
            "contact": contact,
            "reply_by_mail": bool(reply_to),
            **context,
        }
        message = outbox_email(
            organization=request.organization,
            to=to,
            subject=f"[#{request.pk}] {subject_text}",
            text=render_to_string(template, full),
            headers=headers,
            reply_to=reply_to,
            related=request,
            project=request.project,
            auto_submitted=auto_submitted,
        )
    SupportMail.objects.create(
        organization_id=request.organization_id,
        direction=MailDirection.OUT,
        message_id=message_id_header(message),
        state=MailState.SENT,
        request=request,
        reply=context.get("reply"),
    )


def _clean_text(value: str, field: str, message, max_length: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    if max_length and len(value) > max_length:
        raise ValidationError({field: _("Keep it to %(n)s characters or fewer.") % {"n": max_length}})
    return value


def _clean_priority(priority: str) -> str:
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Choose a priority: low, normal, high or urgent.")})
    return priority


# --- support requests ------------------------------------------------------------------------


def support_request_create(
    *,
    actor: Membership,
    project,
    title: str,
    description: str,
    priority: str = Priority.NORMAL,
    contact: Contact | None = None,
    files: Iterable = (),
) -> SupportRequest:
    """Raise a support request on a project: by the client in the portal, or by the team on their behalf."""
    _require_writer(actor, project)
    title = _clean_text(title, "title", _("Say in a few words what you need help with."), 200)
    description = _clean_text(description, "description", _("Describe the problem or the request."))
    priority = _clean_priority(priority)
    if actor.is_client:
        contact = portal_contact(actor)
    elif contact is not None and (
        contact.organization_id != project.organization_id or contact.client_id != project.client_id
    ):
        raise ValidationError({"contact": _("Choose a contact of this project's client.")})
    checked = _check_files(files)
    with transaction.atomic():
        return _request_open(
            project=project,
            title=title,
            description=description,
            priority=priority,
            contact=contact,
            created_by=actor.user,
            checked=checked,
        )


def _request_open(
    *,
    project,
    title: str,
    description: str,
    priority: str,
    contact,
    created_by,
    checked,
    source: str = RequestSource.WEB,
    now=None,
) -> SupportRequest:
    """Write a validated request with its attachments; the team is told. Inside the caller's transaction."""
    now = now or timezone.now()
    request = SupportRequest.objects.create(
        organization_id=project.organization_id,
        project=project,
        title=title,
        description=description,
        priority=priority,
        contact=contact,
        created_by=created_by,
        source=source,
        first_response_due_at=SupportRequest.response_due(priority, now),
    )
    audit_create(created_by, request)
    _save_attachments(request, checked, user=created_by)
    team_notify(
        project=project,
        title=format_lazy(gettext_lazy("Support request raised: {}"), request.title),
        body=format_lazy(
            "{} · {} · {}", project.code, request.get_priority_display(), request.description[:200]
        ),
        url=_team_url(request),
    )
    event_emit(
        organization=project.organization,
        name="support.requested",
        payload={"id": request.pk, "project": project.pk, "priority": priority, "title": title},
    )
    return request


def support_reply_add(
    *, actor: Membership, request: SupportRequest, body: str, internal: bool = False, files: Iterable = ()
) -> SupportReply:
    """A reply on the thread. The team's first public reply is the first response; a client reply
    on a request waiting on them (or resolved) opens it again."""
    _require_writer(actor, request.project)
    body = _clean_text(body, "body", _("Write a reply before sending."))
    from_client = actor.is_client
    if from_client and internal:
        raise PermissionDenied
    if request.status == RequestStatus.CLOSED:
        raise ValidationError({"body": _("This request is closed. Raise a new request instead.")})
    checked = _check_files(files)
    with transaction.atomic():
        return _reply_write(
            request, author=actor.user, from_client=from_client, body=body, internal=internal, checked=checked
        )


def _reply_write(
    request: SupportRequest, *, author, from_client: bool, body: str, internal: bool, checked
) -> SupportReply:
    """Write a reply and move the request on; the other side is told. Inside the caller's transaction."""
    request = (
        SupportRequest.objects.select_for_update(of=("self",))
        .select_related("project", "contact")
        .get(pk=request.pk)
    )
    reply = SupportReply.objects.create(
        organization_id=request.organization_id,
        request=request,
        author=author,
        from_client=from_client,
        body=body,
        internal=internal,
    )
    audit_create(author, reply)
    _save_attachments(request, checked, user=author, reply=reply)
    fields = {}
    if from_client:
        if request.status in (RequestStatus.WAITING, RequestStatus.RESOLVED):
            fields = {"status": RequestStatus.OPEN, "resolved_at": None}
    elif not internal:
        if request.first_response_at is None:
            fields["first_response_at"] = reply.created_at
        if request.status == RequestStatus.NEW:
            fields["status"] = RequestStatus.OPEN
    update_fields(author, request, fields)
    if from_client:
        team_notify(
            project=request.project,
            title=format_lazy(gettext_lazy("The client replied on support request {}"), request.title),
            body=body[:300],
            url=_team_url(request),
        )
    elif not internal:
        subject = format_lazy(gettext_lazy("Reply on your support request: {}"), request.title)
        _email_contact(request, subject, "service/email/reply.txt", {"reply": reply})
    return reply


def support_request_update(
    *,
    actor: Membership,
    request: SupportRequest,
    status: str | None = None,
    priority: str | None = None,
    assignee=None,
    assignee_set: bool = False,
) -> SupportRequest:
    """Change status, priority or assignee (team only). A new priority moves the response target."""
    if actor.is_client:
        raise PermissionDenied
    _require_writer(actor, request.project)
    if status is not None and status not in RequestStatus.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    if priority is not None:
        _clean_priority(priority)
    if (
        assignee_set
        and assignee is not None
        and not team_members(request.organization_id).filter(pk=assignee.pk).exists()
    ):
        raise ValidationError({"assignee": _("Choose a team member of your organisation.")})
    with transaction.atomic():
        request = (
            SupportRequest.objects.select_for_update(of=("self",))
            .select_related("project", "contact")
            .get(pk=request.pk)
        )
        old_status = request.status
        fields = {}
        if priority is not None and priority != request.priority:
            fields["priority"] = priority
            fields["first_response_due_at"] = SupportRequest.response_due(priority, request.created_at)
        if assignee_set:
            fields["assignee"] = assignee
        if status is not None and status != old_status:
            fields["status"] = status
            if status in (RequestStatus.RESOLVED, RequestStatus.CLOSED):
                fields["resolved_at"] = request.resolved_at or timezone.now()
            else:
                fields["resolved_at"] = None
        update_fields(actor.user, request, fields)
        if request.status != old_status:
            event_emit(
                organization=request.project.organization,
                name="support.status_changed",
                payload={
                    "id": request.pk,
                    "project": request.project_id,
                    "from": old_status,
                    "to": request.status,
                },
            )
            if request.status in (RequestStatus.RESOLVED, RequestStatus.WAITING):
                subject = format_lazy(
                    gettext_lazy("Your support request “{}” is now: {}"),
                    request.title,
                    RequestStatus(request.status).label,
                )
                _email_contact(request, subject, "service/email/status.txt", {})
    return request


def support_request_move(*, actor: Membership, request: SupportRequest, project) -> SupportRequest:
    """Move a request to another project of the same client (a mail filed under the wrong one)."""
    if actor.is_client:
        raise PermissionDenied
    _require_writer(actor, request.project)
    if project.organization_id != request.organization_id:
        raise ValidationError({"project": _("Choose a project of your organisation.")})
    _require_writer(actor, project)
    if project.client_id != request.project.client_id:
        raise ValidationError({"project": _("Choose another project of the same client.")})
    with transaction.atomic():
        request = SupportRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
        if request.project_id == project.pk:
            return request
        update_fields(actor.user, request, {"project": project})
        SupportMail.objects.filter(organization_id=request.organization_id, request=request).update(
            project=project
        )
    return request


# --- response-target reminders ---------------------------------------------------------------


def _reminder_recipients(request: SupportRequest) -> list:
    """The assignee; else the project's manager; else the organisation's admins."""
    from accord.tenancy.models import ADMIN_ROLES, User

    for user in (request.assignee, request.project.manager):
        if user is not None and user.is_active:
            return [user]
    return list(
        User.objects.filter(
            memberships__organization_id=request.organization_id,
            memberships__role__in=ADMIN_ROLES,
            memberships__is_active=True,
            is_active=True,
        ).order_by("id")
    )


def support_response_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind once when an unanswered request has used most of its response target and once when
    it has missed it. Each stage is claimed with a conditional UPDATE, so it goes out once however
    many workers run this. Returns the reminders sent."""
    now = now or timezone.now()
    # A request can only be near its target this close to it (the longest target's last part).
    horizon = dt.timedelta(hours=max(RESPONSE_HOURS.values()) * (1 - NEAR_TARGET_SHARE))
    due = (
        SupportRequest.objects.filter(
            status__in=OPEN_STATUSES,
            first_response_at__isnull=True,
            reminded_breach_at__isnull=True,
            first_response_due_at__lte=now + horizon,
        )
        .select_related("organization", "project", "project__manager", "assignee")
        .order_by("first_response_due_at", "id")
    )
    sent = 0
    for request in due:
        if now >= request.first_response_due_at:
            stamp = "reminded_breach_at"
            title = format_lazy(
                gettext_lazy("Support request #{} missed its response target: {}"), request.pk, request.title
            )
        elif request.reminded_near_at is None and now >= request.near_target_at():
            stamp = "reminded_near_at"
            title = format_lazy(
                gettext_lazy("Support request #{} is near its response target: {}"), request.pk, request.title
            )
        else:
            continue
        with transaction.atomic():
            claimed = SupportRequest.objects.filter(
                pk=request.pk,
                status__in=OPEN_STATUSES,
                first_response_at__isnull=True,
                **{f"{stamp}__isnull": True},
            ).update(**{stamp: now})
            if not claimed:
                continue
            due_at = timezone.localtime(
                request.first_response_due_at, _zone(request.organization.default_timezone)
            )
            notify(
                organization=request.organization,
                users=_reminder_recipients(request),
                title=title,
                body=format_lazy(
                    gettext_lazy("{} · {} · first response due {}"),
                    request.project.code,
                    request.get_priority_display(),
                    f"{due_at:%Y-%m-%d %H:%M} ({request.organization.default_timezone})",
                ),
                url=_team_url(request),
                related=request,
            )
            sent += 1
    return sent


# --- support addresses -----------------------------------------------------------------------


def _clean_address(address: str) -> str:
    from django.core.validators import validate_email

    address = (address or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError({"address": _("Enter an e-mail address, e.g. support@example.com.")}) from None
    if "+" in address.split("@", 1)[0]:
        raise ValidationError(
            {"address": _("Leave out the +tag: support+CODE@… reaches a project by its code on its own.")}
        )
    return address


@transaction.atomic
def require_mailbox_admin(actor: Membership) -> None:
    """Support addresses are the organisation's admins' business (the API asks before it looks up
    the project named in the body)."""
    if not actor.is_admin:
        raise PermissionDenied


def support_mailbox_create(
    *, actor: Membership, address: str, project=None, priority: str = Priority.NORMAL
) -> SupportMailbox:
    """A support address of the organisation (or of one project), unconfirmed: a link to confirm
    it is mailed to the address, and mail to it is taken only once it is confirmed. Whether
    another organisation claimed the address is never told. Admins only."""
    require_mailbox_admin(actor)
    address = _clean_address(address)
    priority = _clean_priority(priority)
    if project is not None and project.organization_id != actor.organization_id:
        raise ValidationError({"project": _("Choose a project of your organisation.")})
    if SupportMailbox.objects.filter(organization_id=actor.organization_id, address=address).exists():
        raise ValidationError({"address": _("Your organisation has added this address already.")})
    box = SupportMailbox.objects.create(
        organization_id=actor.organization_id,
        address=address,
        project=project,
        priority=priority,
        created_by=actor.user,
    )
    audit_create(actor.user, box)
    _mailbox_send_confirmation(box, actor)
    return box


ADDRESS_CONFIRM_DAYS = 7
CONFIRM_LINK_INVALID = gettext_lazy(
    "This confirmation link is not valid any more. Send a new one from the support addresses page."
)


def _mailbox_send_confirmation(box: SupportMailbox, actor: Membership) -> None:
    """Mail a new one-time confirmation link to the address (the outbox shows it masked, so only
    who reads that mailbox can follow it). The raw token is left on ``box.raw_token``."""
    raw = secrets.token_urlsafe(32)
    box.verification_token_hash = hash_token(raw)
    box.verification_sent_at = timezone.now()
    box.save(update_fields=["verification_token_hash", "verification_sent_at", "updated_at"])
    organization = actor.organization
    with translation.override(actor.user.language or organization.default_language or "en"):
        context = {
            "address": box.address,
            "organization": organization,
            "url": settings.BASE_URL + reverse("service:mailbox_confirm", args=[raw]),
            "days": ADDRESS_CONFIRM_DAYS,
        }
        outbox_email(
            organization=organization,
            to=box.address,
            subject=_("Confirm the support address %(address)s") % {"address": box.address},
            text=render_to_string("service/email/confirm_address.txt", context),
            related=box,
            secrets=[raw],
        )
    box.raw_token = raw


@transaction.atomic
def support_mailbox_resend(*, actor: Membership, mailbox: SupportMailbox) -> SupportMailbox:
    """Mail a new confirmation link for an unconfirmed address (the earlier link stops working)."""
    require_mailbox_admin(actor)
    if mailbox.is_verified:
        raise ValidationError({"__all__": _("This address is confirmed already.")})
    _mailbox_send_confirmation(mailbox, actor)
    audit_event(actor.user, mailbox, "confirmation_sent")
    return mailbox


def support_mailbox_for_token(raw: str) -> SupportMailbox | None:
    if not raw:
        return None
    return (
        SupportMailbox.objects.select_related("organization")
        .filter(verification_token_hash=hash_token(raw), verified_at__isnull=True)
        .first()
    )


def support_mailbox_confirm(*, raw: str) -> SupportMailbox:
    """Confirm the address whose link this is: proof that the organisation receives mail there.
    The first organisation to confirm an address keeps it; a later confirmation is refused."""
    refused = ValidationError(str(CONFIRM_LINK_INVALID))
    try:
        with transaction.atomic():
            box = (
                SupportMailbox.objects.select_for_update(of=("self",))
                .select_related("organization")
                .filter(verification_token_hash=hash_token(raw or ""), verified_at__isnull=True)
                .first()
            )
            if box is None or box.verification_sent_at is None:
                raise refused
            if timezone.now() - box.verification_sent_at > dt.timedelta(days=ADDRESS_CONFIRM_DAYS):
                raise refused
            if SupportMailbox.objects.filter(address=box.address, verified_at__isnull=False).exists():
                raise ValidationError(_("This address is confirmed for another use already."))
            box.verified_at = timezone.now()
            box.verification_token_hash = ""
            box.save(update_fields=["verified_at", "verification_token_hash", "updated_at"])
            audit_event(None, box, "confirmed")
    except IntegrityError:  # confirmed elsewhere at the same moment
        raise ValidationError(_("This address is confirmed for another use already.")) from None
    return box


@transaction.atomic
def support_mailbox_delete(*, actor: Membership, mailbox: SupportMailbox) -> None:
    require_mailbox_admin(actor)
    audit_delete(actor.user, mailbox)
    mailbox.delete()


# --- training sessions -----------------------------------------------------------------------


def _clean_attendees(project, attendees) -> list[Contact]:
    attendees = list(attendees or [])
    for contact in attendees:
        if contact.organization_id != project.organization_id or contact.client_id != project.client_id:
            raise ValidationError({"attendees": _("Attendees must be contacts of this project's client.")})
    return attendees


def _clean_trainer(project, trainer):
    if trainer is not None and not team_members(project.organization_id).filter(pk=trainer.pk).exists():
        raise ValidationError({"trainer": _("Choose a team member of your organisation as the trainer.")})
    return trainer


def _clean_session_fields(fields: dict) -> dict:
    if "topic" in fields:
        fields["topic"] = _clean_text(fields["topic"], "topic", _("Give the session a topic."), 200)
    if "starts_at" in fields:
        starts_at = fields["starts_at"]
        if not isinstance(starts_at, dt.datetime):
            raise ValidationError({"starts_at": _("Give the date and time of the session.")})
        if timezone.is_naive(starts_at):
            fields["starts_at"] = timezone.make_aware(starts_at)
    if "duration_minutes" in fields:
        duration = fields["duration_minutes"]
        if duration is None or not (1 <= int(duration) <= 24 * 60):
            raise ValidationError({"duration_minutes": _("The duration is between 1 and 1440 minutes.")})
    return fields


@transaction.atomic
def training_session_create(
    *,
    actor: Membership,
    project,
    topic: str,
    starts_at,
    duration_minutes: int = 60,
    location: str = "",
    trainer=None,
    description: str = "",
    attendees=(),
) -> TrainingSession:
    """Plan a training session for the client's people."""
    if not actor.is_team or not can_write_project(actor, project):
        raise PermissionDenied
    fields = _clean_session_fields(
        {"topic": topic, "starts_at": starts_at, "duration_minutes": duration_minutes}
    )
    attendees = _clean_attendees(project, attendees)
    trainer = _clean_trainer(project, trainer)
    session = TrainingSession.objects.create(
        organization_id=project.organization_id,
        project=project,
        location=(location or "").strip()[:300],
        trainer=trainer,
        description=description or "",
        **fields,
    )
    session.attendees.set(attendees)
    audit_create(actor.user, session)
    event_emit(
        organization=project.organization,
        name="training.planned",
        payload={"id": session.pk, "project": project.pk, "topic": session.topic},
    )
    return session


@transaction.atomic
def training_session_update(*, actor: Membership, session: TrainingSession, attendees=None, **fields):
    if not actor.is_team or not can_write_project(actor, session.project):
        raise PermissionDenied
    allowed = {"topic", "starts_at", "duration_minutes", "location", "trainer", "description"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Not a training session field: {', '.join(sorted(unknown))}")
    fields = _clean_session_fields(fields)
    if "trainer" in fields:
        _clean_trainer(session.project, fields["trainer"])
    update_fields(actor.user, session, fields)
    if attendees is not None:
        session.attendees.set(_clean_attendees(session.project, attendees))
    return session


def training_material_add(
    *, actor: Membership, session: TrainingSession, title: str, url: str = "", upload=None
) -> TrainingMaterial:
    """A handout, recording or slide deck: a link, a file, or both."""
    if not actor.is_team or not can_write_project(actor, session.project):
        raise PermissionDenied
    title = _clean_text(title, "title", _("Give the material a title."), 200)
    url = (url or "").strip()
    if url and not url.lower().startswith(("http://", "https://")):
        raise ValidationError({"url": _("Give a web address starting with https:// or http://.")})
    if not url and upload is None:
        raise ValidationError({"file": _("Attach a file or give a link.")})
    checked = _check_files([upload], "file") if upload is not None else []
    with transaction.atomic():
        material = TrainingMaterial(
            organization_id=session.organization_id, session=session, title=title, url=url[:200]
        )
        if checked:
            upload, name, content_type = checked[0]
            material.filename, material.content_type, material.size = name, content_type, upload.size
            material.file.save(name, upload, save=False)
        material.save()
        audit_create(actor.user, material)
    return material


@transaction.atomic
def training_feedback_give(
    *, actor: Membership, session: TrainingSession, rating, comment: str = ""
) -> TrainingFeedback:
    """An attendee rates a session 1–5 (once; giving it again replaces the earlier rating)."""
    contact = portal_contact(actor)
    if not session.attendees.filter(pk=contact.pk).exists():
        raise ValidationError(_("Only the people who attended this session can rate it."))
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Rate the session from 1 (poor) to 5 (excellent).")})
    feedback = TrainingFeedback.objects.filter(session=session, contact=contact).first()
    if feedback is None:
        feedback = TrainingFeedback.objects.create(
            organization_id=session.organization_id,
            session=session,
            contact=contact,
            rating=rating,
            comment=(comment or "").strip(),
        )
        audit_create(actor.user, feedback)
    else:
        update_fields(actor.user, feedback, {"rating": rating, "comment": (comment or "").strip()})
    audit_event(actor.user, session, "feedback_given", {"rating": rating})
    team_notify(
        project=session.project,
        title=format_lazy(
            gettext_lazy("Training feedback: {} rated “{}” {}/5"), contact.display_name, session.topic, rating
        ),
        body=feedback.comment[:300],
        url=reverse("service:training_detail", args=[session.pk]),
    )
    return feedback
