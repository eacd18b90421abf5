"""Data protection: a person's data exported or erased, an organisation's data exported,
deleted after a grace period, and kept only as long as the organisation decided.

``actor`` is the membership acting on the web; None means the operator at the command line
(who may act on any organisation of the installation).
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accord.audit.models import AuditEntry
from accord.audit.services import audit_event, audit_redact, update_fields
from accord.core.search import compact_indexes
from accord.crm.models import Contact
from accord.lib.redact import Redactor
from accord.tenancy.models import Membership, Organization, Role, User

from .models import ExportStatus, OrganizationDeletion, OrganizationExport, RetentionPolicy
from .registry import CONTACT_PERSONAL_FIELDS, KINDS, SOURCES, Person, row_dict

logger = logging.getLogger(__name__)

COMMAND_LINE = "accord (command line)"
EXPORT_KEEP_DAYS = 7
ERASED = "[erased]"


def _record(actor: Membership | None, obj, verb: str, detail: dict) -> AuditEntry:
    entry = audit_event(actor.user if actor else None, obj, verb, detail)
    if actor is None:
        AuditEntry.objects.filter(pk=entry.pk).update(actor_label=COMMAND_LINE)
    return entry


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            _("Enter the person's e-mail address, for example li.na@example.com.")
        ) from None
    return email


# --- finding a person ---------------------------------------------------------------------------


def _contact_values(contact: Contact) -> set[str]:
    values = {getattr(contact, name) for name in CONTACT_PERSONAL_FIELDS if name != "title"}
    western = " ".join(p for p in (contact.first_name, contact.last_name) if p)
    values |= {western, f"{contact.last_name} {contact.first_name}".strip(), contact.display_name}
    return {v for v in values if v}


def person_find(*, email: str, organization_ids: list[int]) -> Person:
    """Everything Accord knows identifies the person with ``email`` in these organisations:
    their contact rows (also those already deleted, from the audit trail) and portal account."""
    email = _clean_email(email)
    person = Person(email=email, organization_ids=list(organization_ids), values={email})
    contacts = list(
        Contact.objects.filter(organization_id__in=organization_ids).filter(
            Q(email__iexact=email) | Q(email_secondary__iexact=email)
        )
    )
    person.contact_ids = [c.pk for c in contacts]
    for contact in contacts:
        person.values |= _contact_values(contact)
    # Contacts deleted since: their audit entries still name them.
    entries = AuditEntry.objects.filter(
        organization_id__in=organization_ids,
        content_type__app_label="crm",
        content_type__model="contact",
    ).values_list("object_id", "object_repr", "changes")
    by_object: dict[str, list] = {}
    for object_id, object_repr, changes in entries.iterator(chunk_size=2000):
        by_object.setdefault(object_id, []).append((object_repr, changes or {}))
    wanted = email.casefold()
    for object_id, rows in by_object.items():
        mentioned = any(
            isinstance(v, str) and v.casefold() == wanted
            for _repr, changes in rows
            for key in ("email", "email_secondary")
            for v in (changes.get(key) or [])
        )
        if not mentioned:
            continue
        if not object_id.isdigit() or int(object_id) not in person.contact_ids:
            person.deleted_contact_ids.append(object_id)
        for object_repr, changes in rows:
            person.values.add(object_repr)
            for key in CONTACT_PERSONAL_FIELDS:
                if key == "title":  # a job title names no one; blanked on the contact only
                    continue
                person.values.update(v for v in (changes.get(key) or []) if isinstance(v, str) and v)
            first = [v for v in (changes.get("first_name") or []) if v]
            last = [v for v in (changes.get("last_name") or []) if v]
            person.values.update(f"{a} {b}" for a in first for b in last)
            person.values.update(f"{b} {a}" for a in first for b in last)
    # The portal account: the contacts' own, or the address's if it is a client's here.
    user_ids = {c.portal_user_id for c in contacts if c.portal_user_id}
    user_ids |= set(
        Membership.objects.filter(
            organization_id__in=organization_ids, role=Role.CLIENT, user__email__iexact=email
        ).values_list("user_id", flat=True)
    )
    person.user_ids = sorted(user_ids)
    for user in User.objects.filter(pk__in=user_ids):
        person.values |= {v for v in (user.email, user.full_name) if v}
    return person


def person_audit_entries(person: Person, redactor: Redactor | None = None):
    """The audit entries about the person's contacts or mentioning one of their values."""
    redactor = redactor or Redactor(person.values)
    object_ids = {str(pk) for pk in person.contact_ids} | set(person.deleted_contact_ids)
    found = []
    qs = AuditEntry.objects.filter(organization_id__in=person.organization_ids).select_related("content_type")
    for entry in qs.order_by("created_at", "id").iterator(chunk_size=2000):
        ct = entry.content_type
        about_them = (ct.app_label, ct.model) == ("crm", "contact") and entry.object_id in object_ids
        if about_them or redactor.found_in(entry.object_repr) or redactor.found_in(entry.changes):
            found.append(entry)
    return found


# --- export -------------------------------------------------------------------------------------


def _readme(language: str, counts: dict[str, int]) -> str:
    with translation.override(language):
        described = {
            "contacts": _("Your contact records: name, addresses, phone numbers and messaging handles."),
            "interactions": _("Calls, e-mails, meetings and notes you took part in."),
            "projects": _("Projects on which you are a client stakeholder."),
            "change_requests": _("Change requests you asked for or decided on."),
            "needs": _("Needs and requirements you raised."),
            "communication_plan": _("Communication plan items addressed to you, and who looks after you."),
            "meetings": _("Meetings you attended, agenda items and action items you own."),
            "training": _("Training sessions you attended and the feedback you gave."),
            "support": _("Your support requests, their messages and attachments (names only)."),
            "surveys": _("Survey invitations sent to you and your answers."),
            "outbox": _("Messages sent to your address (one-time links and secrets are masked)."),
            "inbound_mail": _("E-mails received from your address."),
            "portal_account": _("Your client portal account, its sign-in links and invitations."),
            "audit": _("Entries of the change history that concern you or mention your details."),
        }
        lines = [
            _("Your personal data"),
            "",
            _(
                "This archive holds the data this organisation keeps about you in Accord, one JSON "
                "file per kind of record. Dates are in UTC (ISO 8601); other records are referred to "
                "by their number (id)."
            ),
            "",
        ]
        for kind in KINDS:
            lines.append(f"{kind}.json ({counts.get(kind, 0)}): {described[kind]}")
        lines += [
            "",
            _(
                "To have any of this corrected or erased, write to the organisation that sent you "
                "this archive."
            ),
        ]
    return "\n".join(lines) + "\n"


def _person_language(person: Person) -> str:
    contact = Contact.objects.filter(pk__in=person.contact_ids).order_by("id").first()
    if contact is not None:
        return contact.language
    user = User.objects.filter(pk__in=person.user_ids).first()
    if user is not None and user.language:
        return user.language
    return settings.LANGUAGE_CODE


def person_export_archive(person: Person) -> tuple[bytes, dict[str, int], set[int]]:
    """The zip of everything about ``person``: one JSON file per kind and a README.txt; with
    the count per kind and the organisations the records came from."""
    files: dict[str, dict[str, list]] = {kind: {} for kind in KINDS}
    for label, source in SOURCES.items():
        if source.kind == "audit":
            continue
        rows = [row_dict(obj) for obj in source.rows(person).order_by("pk")]
        files[source.kind][label] = rows
    files["audit"]["audit.auditentry"] = [
        {
            "id": e.pk,
            "organization_id": e.organization_id,
            "created_at": e.created_at.isoformat(),
            "actor": e.actor_label,
            "action": e.action,
            "verb": e.verb,
            "object_type": f"{e.content_type.app_label}.{e.content_type.model}",
            "object_id": e.object_id,
            "object": e.object_repr,
            "changes": e.changes,
        }
        for e in person_audit_entries(person)
    ]
    counts = {kind: sum(len(rows) for rows in files[kind].values()) for kind in KINDS}
    found_in = {
        row["organization_id"]
        for kind in files.values()
        for rows in kind.values()
        for row in rows
        if row.get("organization_id")
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _readme(_person_language(person), counts))
        for kind in KINDS:
            archive.writestr(
                f"{kind}.json", json.dumps(files[kind], ensure_ascii=False, indent=2, default=str)
            )
    return buffer.getvalue(), counts, found_in


def require_person_exporter(actor: Membership) -> None:
    """Managers and admins export a person's data (the page asks before it checks the contact)."""
    if not actor.can_manage_projects:
        raise PermissionDenied


def require_person_eraser(actor: Membership, organization: Organization) -> None:
    """The organisation's admins erase a person (the page asks before it shows the form)."""
    if not actor.is_admin or actor.organization_id != organization.pk:
        raise PermissionDenied


def person_export(*, actor: Membership | None, email: str, organizations: list[Organization]) -> bytes:
    """Export a person's data (managers and admins; every organisation for the operator).
    Audited, without the data, in the caller's organisation and in each one the records came from."""
    if actor is not None:
        require_person_exporter(actor)
        if any(org.pk != actor.organization_id for org in organizations):
            raise PermissionDenied
    person = person_find(email=email, organization_ids=[o.pk for o in organizations])
    data, counts, found_in = person_export_archive(person)
    with transaction.atomic():
        for org in organizations:
            if actor is not None or org.pk in found_in:
                _record(actor, org, "personal data exported", {"records": sum(counts.values())})
    return data


# --- erasure ------------------------------------------------------------------------------------

# Free-text and JSON columns the generic pass skips: secrets, and tables with their own step.
_SKIP_COLUMNS = {"token_hash", "previous_token_hash", "idempotency_key", "verification_token_hash"}


def _text_columns(model) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField)
        and f.name not in _SKIP_COLUMNS
        and not f.name.endswith("_encrypted")
        and not f.choices
    ]


def _tenant_models():
    from django.apps import apps

    for model in apps.get_models():
        field = next((f for f in model._meta.concrete_fields if f.name == "organization"), None)
        if field is not None and field.is_relation and field.related_model is Organization:
            yield model


def _redact_everywhere(organization_id: int, redactor: Redactor, skip: set[str]) -> int:
    """Redact the known values in every text and JSON column of the organisation's tables."""
    changed = 0
    for model in _tenant_models():
        if model._meta.label_lower in skip:
            continue
        columns = _text_columns(model)
        if not columns:
            continue
        rows = model._default_manager.filter(organization_id=organization_id).values_list("pk", *columns)
        for pk, *values in rows.iterator(chunk_size=2000):
            update = {}
            for column, value in zip(columns, values, strict=True):
                if value in (None, "", {}, []):
                    continue
                new = redactor.data(value)
                if new != value:
                    update[column] = new
            if update:
                model._default_manager.filter(pk=pk).update(**update)
                changed += 1
    return changed


def _erase_contact(contact: Contact) -> None:
    Contact.objects.filter(pk=contact.pk).update(
        first_name="Erased contact",
        last_name=f"#{contact.pk}",
        notes="",
        is_active=False,
        portal_user=None,
        timezone="",
        **{name: "" for name in CONTACT_PERSONAL_FIELDS if name not in ("first_name", "last_name")},
    )


def _erase_portal_user(user: User, organization_id: int) -> None:
    from accord.portal.models import SignInLink
    from accord.tenancy.models import ApiToken, Invitation

    Membership.objects.filter(organization_id=organization_id, user=user).update(is_active=False)
    ApiToken.objects.filter(organization_id=organization_id, user=user).delete()
    SignInLink.objects.filter(organization_id=organization_id, user=user).delete()
    Invitation.objects.filter(organization_id=organization_id, email__iexact=user.email).delete()
    others = (
        Membership.objects.filter(is_active=True).exclude(organization_id=organization_id).filter(user=user)
    )
    if others.exists() or user.is_staff:
        return  # the account serves elsewhere; only its access here ends
    user.email = f"erased-{user.pk}@erased.invalid"
    user.full_name = ""
    user.is_active = False
    user.calendar_token = ""
    user.two_factor_secret = ""
    user.two_factor_enabled_at = None
    user.set_unusable_password()
    user.save()
    user.recovery_codes.all().delete()


def person_erase_plan(*, email: str, organization: Organization) -> dict[str, int]:
    """What an erasure would touch (shown before the operator confirms)."""
    person = person_find(email=email, organization_ids=[organization.pk])
    return {
        "contacts": len(person.contact_ids) + len(person.deleted_contact_ids),
        "portal_accounts": len(person.user_ids),
        "audit_entries": len(person_audit_entries(person)),
    }


def person_erase(*, actor: Membership | None, email: str, organization: Organization) -> dict[str, int]:
    """Erase a person from an organisation: contacts anonymised in place (links kept), their
    mail redacted, portal account closed, their values redacted in every table and the audit
    trail. Admins of the organisation, or the operator. Audited, without the personal data."""
    from accord.comms.models import (
        InboundAttachment,
        InboundMessage,
        OutboxAttachment,
        OutboxMessage,
        OutboxStatus,
    )
    from accord.feedback.models import SurveyRecipient
    from accord.portal.models import SignInLink
    from accord.tenancy.models import Invitation

    if actor is not None:
        require_person_eraser(actor, organization)
    email = _clean_email(email)
    team = Membership.objects.filter(
        organization=organization, user__email__iexact=email, role__in=[r for r in Role if r != Role.CLIENT]
    )
    if team.exists():
        raise ValidationError(
            _("This address belongs to a member of your team. Remove them from the team first, then erase.")
        )
    files = []
    with transaction.atomic():
        person = person_find(email=email, organization_ids=[organization.pk])
        redactor = Redactor(person.values, ERASED)
        counts = {"contacts": len(person.contact_ids) + len(person.deleted_contact_ids)}
        # Mail to them: the text goes, the fact that a message was sent stays.
        outbox = OutboxMessage.objects.filter(organization=organization, recipient__icontains=email)
        OutboxAttachment.objects.filter(message__in=outbox).delete()
        outbox.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.FAILED, OutboxStatus.SENDING]).update(
            status=OutboxStatus.DEAD, last_error=ERASED
        )
        counts["outbox"] = outbox.update(
            recipient=ERASED,
            subject=ERASED,
            body_text="",
            body_html="",
            payload={},
            headers={},
            secrets_encrypted="",
        )
        inbound = InboundMessage.objects.filter(organization=organization, sender__iexact=email)
        for attachment in InboundAttachment.objects.filter(message__in=inbound):
            files.append(attachment.file)
        InboundAttachment.objects.filter(message__in=inbound).delete()
        counts["inbound_mail"] = inbound.update(sender=ERASED, sender_name="", subject=ERASED, body_text="")
        for contact in Contact.objects.filter(pk__in=person.contact_ids):
            _erase_contact(contact)
        for user in User.objects.filter(pk__in=person.user_ids):
            _erase_portal_user(user, organization.pk)
        counts["portal_accounts"] = len(person.user_ids)
        SignInLink.objects.filter(organization=organization, contact_id__in=person.contact_ids).delete()
        Invitation.objects.filter(organization=organization).filter(
            Q(email__iexact=email) | Q(contact_id__in=person.contact_ids)
        ).delete()
        # Survey answers stay, as anonymous ones.
        SurveyRecipient.objects.filter(organization=organization, email__iexact=email).update(email="")
        counts["audit_entries"] = audit_redact(
            organization_id=organization.pk,
            redactor=redactor,
            object_ids={"crm.contact": [str(pk) for pk in person.contact_ids] + person.deleted_contact_ids},
        )
        counts["other_records"] = _redact_everywhere(organization.pk, redactor, skip={"audit.auditentry"})
        _erase_login_records(email)
        _record(actor, organization, "person erased", counts)
        # the search indexes' old entries go too, once the erasure is committed
        transaction.on_commit(compact_indexes)
    for f in files:
        transaction.on_commit(lambda f=f: f.storage.delete(f.name) if f.name else None)
    return counts


def _erase_login_records(email: str) -> None:
    """Failed and successful sign-ins are logged under the address typed (django-axes)."""
    from django.apps import apps

    for name in ("AccessAttempt", "AccessLog", "AccessFailureLog"):
        try:
            model = apps.get_model("axes", name)
        except LookupError:
            continue
        model.objects.filter(username__iexact=email).delete()


# --- organisation export ------------------------------------------------------------------------


def require_owner(actor: Membership) -> None:
    """The organisation's export and deletion are its owners' (the pages ask before showing them)."""
    if actor is None or actor.role != Role.OWNER:
        raise PermissionDenied


def organization_export_request(*, actor: Membership) -> OrganizationExport:
    """Queue an export of all of the organisation's data (owners only)."""
    from .tasks import organization_export_task

    require_owner(actor)
    with transaction.atomic():
        export = OrganizationExport.objects.create(
            organization_id=actor.organization_id, requested_by=actor.user
        )
        _record(actor, actor.organization, "organisation export requested", {"export": export.pk})
        transaction.on_commit(lambda: organization_export_task.enqueue(export.pk))
    return export


def organization_export_build(*, export_id: int) -> OrganizationExport:
    """Prepare a queued export (the background task). Claims it once."""
    from . import orgdata

    claimed = OrganizationExport.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING
    )
    export = OrganizationExport.objects.select_related("organization").get(pk=export_id)
    if not claimed:
        return export
    path = orgdata.export_dir(export.organization_id) / f"export-{export.pk}.zip"
    try:
        size = orgdata.organization_export_to(export.organization, path)
    except Exception as exc:  # the owner sees that it failed; the operator has the log
        logger.exception("Organisation export %s failed", export.pk)
        export.status, export.error = ExportStatus.FAILED, str(exc)[:1000]
    else:
        export.status, export.size_bytes = ExportStatus.READY, size
        export.stored_path = str(path.relative_to(orgdata.storage_root()))
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "error", "size_bytes", "stored_path", "finished_at", "updated_at"])
    return export


# --- organisation deletion ----------------------------------------------------------------------


def organization_deletion_schedule(*, actor: Membership, confirm_name: str) -> OrganizationDeletion:
    """Schedule the organisation's deletion after the grace period (owners only; they type its name)."""
    require_owner(actor)
    organization = actor.organization
    if (confirm_name or "").strip() != organization.name:
        raise ValidationError(
            {"confirm_name": _("Type the organisation's name exactly as shown to confirm.")}
        )
    if OrganizationDeletion.objects.filter(organization=organization).exists():
        raise ValidationError(_("The organisation's deletion is already scheduled."))
    due = timezone.now() + timedelta(days=settings.ACCORD_ORG_DELETE_GRACE_DAYS)
    with transaction.atomic():
        deletion = OrganizationDeletion.objects.create(
            organization=organization, requested_by=actor.user, due_at=due
        )
        _record(actor, organization, "deletion scheduled", {"due_at": due})
    return deletion


def organization_deletion_cancel(*, actor: Membership) -> None:
    require_owner(actor)
    with transaction.atomic():
        deleted, _rows = OrganizationDeletion.objects.filter(organization_id=actor.organization_id).delete()
        if not deleted:
            raise ValidationError(_("No deletion of the organisation is scheduled."))
        _record(actor, actor.organization, "deletion cancelled", {})


def organization_delete_now(organization: Organization) -> None:
    """Delete the organisation, its rows, its files, and the accounts that served only it."""
    import shutil

    from django.db.models import ProtectedError

    from accord.projects.models import Project

    from . import orgdata

    files = orgdata.organization_files(organization)
    member_ids = list(Membership.objects.filter(organization=organization).values_list("user_id", flat=True))
    org_id = organization.pk
    with transaction.atomic():
        Project.objects.filter(organization=organization).delete()  # projects protect their client
        organization.delete()
    for user in User.objects.filter(pk__in=member_ids, memberships__isnull=True, is_staff=False):
        try:
            with transaction.atomic():
                user.delete()
        except ProtectedError:  # still named as the owner of another organisation's rows
            User.objects.filter(pk=user.pk).update(is_active=False)
    for name, storage in files:
        storage.delete(name)
    # Files kept outside the models: exports, and the import runs' uploads (accord.dataio).
    for folder in (
        orgdata.export_dir(org_id, create=False),
        orgdata.storage_root() / "imports" / str(org_id),
    ):
        shutil.rmtree(folder, ignore_errors=True)


def organization_deletions_run(now=None) -> list[int]:
    """Carry out the deletions whose grace period has passed (the periodic job)."""
    now = now or timezone.now()
    done = []
    for deletion in OrganizationDeletion.objects.filter(due_at__lte=now).select_related("organization"):
        org_id = deletion.organization_id
        try:
            organization_delete_now(deletion.organization)
        except Exception:  # one failed deletion must not stop the others; retried next hour
            logger.exception("Deleting organisation %s failed", org_id)
            continue
        logger.info("Organisation %s deleted after its grace period", org_id)
        done.append(org_id)
    return done


def organization_deletion_pending(organization_id: int) -> OrganizationDeletion | None:
    return OrganizationDeletion.objects.filter(organization_id=organization_id).first()


# --- retention ----------------------------------------------------------------------------------


def retention_policy_for(organization_id: int) -> RetentionPolicy:
    return RetentionPolicy.objects.filter(organization_id=organization_id).first() or RetentionPolicy(
        organization_id=organization_id
    )


def retention_policy_update(
    *, actor: Membership, outbox_body_days: int | None, closed_support_days: int | None
) -> RetentionPolicy:
    """Set how long the organisation keeps message bodies and closed support conversations (admins)."""
    if actor is None or not actor.is_admin:
        raise PermissionDenied
    for name, value in (("outbox_body_days", outbox_body_days), ("closed_support_days", closed_support_days)):
        if value is not None and value < 1:
            raise ValidationError({name: _("Enter a number of days of at least 1, or leave it empty.")})
    with transaction.atomic():
        policy, created = RetentionPolicy.objects.get_or_create(organization_id=actor.organization_id)
        update_fields(
            actor.user,
            policy,
            {"outbox_body_days": outbox_body_days, "closed_support_days": closed_support_days},
        )
    return policy


def retention_apply(now=None) -> dict[str, int]:
    """Apply every organisation's own retention (the periodic job), and remove organisation
    exports older than a week. The installation-wide pruning (accord.ops) still runs; an
    organisation can only keep things for a shorter time."""
    from accord.comms.models import OutboxMessage
    from accord.ops.services import outbox_bodies_clear
    from accord.service.models import RequestStatus, SupportRequest

    from . import orgdata

    now = now or timezone.now()
    counts = {"outbox_bodies": 0, "support_requests": 0, "exports": 0}
    # An organisation's export is a copy of everything: kept a week, then removed.
    for export in OrganizationExport.objects.filter(created_at__lt=now - timedelta(days=EXPORT_KEEP_DAYS)):
        if export.stored_path:
            (orgdata.storage_root() / export.stored_path).unlink(missing_ok=True)
        export.delete()
        counts["exports"] += 1
    for policy in RetentionPolicy.objects.exclude(
        outbox_body_days__isnull=True, closed_support_days__isnull=True
    ):
        if policy.outbox_body_days:
            counts["outbox_bodies"] += outbox_bodies_clear(
                OutboxMessage.objects.filter(organization_id=policy.organization_id),
                sent_before=now - timedelta(days=policy.outbox_body_days),
            )
        if policy.closed_support_days:
            old = SupportRequest.objects.filter(
                organization_id=policy.organization_id,
                status__in=[RequestStatus.RESOLVED, RequestStatus.CLOSED],
                resolved_at__lt=now - timedelta(days=policy.closed_support_days),
            )
            for attachment in _support_files(old):
                transaction.on_commit(lambda a=attachment: a.storage.delete(a.name))
            counts["support_requests"] += old.delete()[1].get("service.SupportRequest", 0)
    return counts


def _support_files(requests) -> list:
    from accord.service.models import SupportAttachment

    return [a.file for a in SupportAttachment.objects.filter(request__in=requests) if a.file]
