"""Where a person's data lives: every model that refers to a client contact or stores an
e-mail address, with the rows about one person and the export file they go in.

A model that gains a link to ``crm.Contact`` or an ``EmailField`` must be listed here (or in
``NOT_PERSONAL`` with the reason): a test fails otherwise, so no new table escapes an export
or an erasure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.db.models import Q, QuerySet

# The contact's fields that identify the person (their values are redacted everywhere).
CONTACT_PERSONAL_FIELDS = (
    "first_name",
    "last_name",
    "name_local",
    "title",
    "email",
    "email_secondary",
    "phone",
    "mobile",
    "wechat",
    "wecom",
    "dingtalk",
    "feishu",
    "slack",
    "teams",
)

# Never exported: secrets, hashes and encrypted values are no one's personal data to read.
SECRET_FIELDS = {
    "password",
    "token_hash",
    "previous_token_hash",
    "verification_token_hash",
    "two_factor_secret",
    "two_factor_last_step",
    "calendar_token",
    "secrets_encrypted",
    "secret_encrypted",
    "inbound_secret_encrypted",
    "idempotency_key",
}


@dataclass
class Person:
    """One person, as found in some organisations."""

    email: str
    organization_ids: list[int]
    contact_ids: list[int] = field(default_factory=list)
    # Contacts already deleted, known only from the audit trail: (organization id, contact id).
    deleted_contact_ids: list[str] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)
    values: set[str] = field(default_factory=set)

    def in_orgs(self, qs: QuerySet, path: str = "organization_id") -> QuerySet:
        return qs.filter(**{f"{path}__in": self.organization_ids})


@dataclass(frozen=True)
class Source:
    kind: str  # the export file (``<kind>.json``)
    rows: Callable[[Person], QuerySet]


def _m(label: str):
    return apps.get_model(label)


def _contacts(p: Person) -> QuerySet:
    return _m("crm.Contact").objects.filter(pk__in=p.contact_ids)


def _recipients(p: Person) -> QuerySet:
    return p.in_orgs(
        _m("feedback.SurveyRecipient").objects.filter(
            Q(contact_id__in=p.contact_ids) | Q(email__iexact=p.email)
        )
    )


def _support_requests(p: Person) -> QuerySet:
    return p.in_orgs(_m("service.SupportRequest").objects.filter(contact_id__in=p.contact_ids))


def _inbound(p: Person) -> QuerySet:
    return p.in_orgs(_m("comms.InboundMessage").objects.filter(sender__iexact=p.email))


SOURCES: dict[str, Source] = {
    "crm.contact": Source("contacts", _contacts),
    "crm.mailoptout": Source(
        "contacts", lambda p: p.in_orgs(_m("crm.MailOptOut").objects.filter(contact_id__in=p.contact_ids))
    ),
    "crm.interaction": Source(
        "interactions",
        lambda p: p.in_orgs(_m("crm.Interaction").objects.filter(contacts__in=p.contact_ids).distinct()),
    ),
    "projects.project": Source(
        "projects",
        lambda p: p.in_orgs(_m("projects.Project").objects.filter(contacts__in=p.contact_ids).distinct()),
    ),
    "changes.changerequest": Source(
        "change_requests",
        lambda p: p.in_orgs(
            _m("changes.ChangeRequest").objects.filter(
                Q(requested_by_id__in=p.contact_ids)
                | Q(decided_by_id__in=p.contact_ids)
                | Q(decided_by_email__iexact=p.email)
            )
        ),
    ),
    "needs.need": Source(
        "needs", lambda p: p.in_orgs(_m("needs.Need").objects.filter(source_contact_id__in=p.contact_ids))
    ),
    "comms.planitem": Source(
        "communication_plan",
        lambda p: p.in_orgs(
            _m("comms.PlanItem").objects.filter(audience_contacts__in=p.contact_ids).distinct()
        ),
    ),
    "comms.responsibility": Source(
        "communication_plan",
        lambda p: p.in_orgs(_m("comms.Responsibility").objects.filter(contact_id__in=p.contact_ids)),
    ),
    "comms.outboxmessage": Source(
        "outbox", lambda p: p.in_orgs(_m("comms.OutboxMessage").objects.filter(recipient__icontains=p.email))
    ),
    "comms.inboundmessage": Source("inbound_mail", _inbound),
    "feedback.surveyrecipient": Source("surveys", _recipients),
    "feedback.surveyresponse": Source(
        "surveys", lambda p: _m("feedback.SurveyResponse").objects.filter(recipient__in=_recipients(p))
    ),
    "feedback.answer": Source(
        "surveys", lambda p: _m("feedback.Answer").objects.filter(response__recipient__in=_recipients(p))
    ),
    "meetings.meeting": Source(
        "meetings",
        lambda p: p.in_orgs(
            _m("meetings.Meeting").objects.filter(attendees__contact_id__in=p.contact_ids).distinct()
        ),
    ),
    "meetings.attendee": Source(
        "meetings", lambda p: p.in_orgs(_m("meetings.Attendee").objects.filter(contact_id__in=p.contact_ids))
    ),
    "meetings.agendaitem": Source(
        "meetings",
        lambda p: p.in_orgs(_m("meetings.AgendaItem").objects.filter(owner_contact_id__in=p.contact_ids)),
    ),
    "meetings.actionitem": Source(
        "meetings",
        lambda p: p.in_orgs(_m("meetings.ActionItem").objects.filter(owner_contact_id__in=p.contact_ids)),
    ),
    "service.supportrequest": Source("support", _support_requests),
    "service.supportreply": Source(
        "support", lambda p: _m("service.SupportReply").objects.filter(request__in=_support_requests(p))
    ),
    "service.supportattachment": Source(
        "support", lambda p: _m("service.SupportAttachment").objects.filter(request__in=_support_requests(p))
    ),
    "service.supportmail": Source(
        "support",
        lambda p: _m("service.SupportMail").objects.filter(
            Q(request__in=_support_requests(p)) | Q(inbound__in=_inbound(p))
        ),
    ),
    "service.trainingsession": Source(
        "training",
        lambda p: p.in_orgs(
            _m("service.TrainingSession").objects.filter(attendees__in=p.contact_ids).distinct()
        ),
    ),
    "service.trainingfeedback": Source(
        "training",
        lambda p: p.in_orgs(_m("service.TrainingFeedback").objects.filter(contact_id__in=p.contact_ids)),
    ),
    "tenancy.user": Source("portal_account", lambda p: _m("tenancy.User").objects.filter(pk__in=p.user_ids)),
    "tenancy.membership": Source(
        "portal_account", lambda p: p.in_orgs(_m("tenancy.Membership").objects.filter(user_id__in=p.user_ids))
    ),
    "tenancy.invitation": Source(
        "portal_account",
        lambda p: p.in_orgs(
            _m("tenancy.Invitation").objects.filter(
                Q(email__iexact=p.email) | Q(contact_id__in=p.contact_ids)
            )
        ),
    ),
    "portal.signinlink": Source(
        "portal_account",
        lambda p: p.in_orgs(
            _m("portal.SignInLink").objects.filter(
                Q(contact_id__in=p.contact_ids) | Q(user_id__in=p.user_ids)
            )
        ),
    ),
    # The audit trail is searched by object and by value (services.person_audit_entries).
    "audit.auditentry": Source("audit", lambda p: _m("audit.AuditEntry").objects.none()),
}

# Models with an e-mail field or a contact link that hold no one's personal data.
NOT_PERSONAL = {
    "service.supportmailbox": "the organisation's own support address, not a person's",
}

# Every kind, in the order of the README.
KINDS = (
    "contacts",
    "interactions",
    "projects",
    "change_requests",
    "needs",
    "communication_plan",
    "meetings",
    "training",
    "support",
    "surveys",
    "outbox",
    "inbound_mail",
    "portal_account",
    "audit",
)


def person_models() -> list[str]:
    """Labels of the models that link to a contact or keep an e-mail address."""
    contact = apps.get_model("crm.Contact")
    found = []
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if f.auto_created and not f.concrete:
                continue
            if isinstance(f, models.EmailField) or (f.is_relation and f.related_model is contact):
                found.append(model._meta.label_lower)
                break
    return sorted(set(found))


def row_dict(obj: models.Model) -> dict:
    """A row for an export: every concrete field but the secrets; relations as ids."""
    import datetime as dt
    import decimal
    import uuid

    data = {"id": obj.pk}
    for f in obj._meta.concrete_fields:
        if f.primary_key or f.name in SECRET_FIELDS or f.name.endswith("_encrypted"):
            continue
        if isinstance(f, models.BinaryField):
            continue
        value = getattr(obj, f.attname)
        if isinstance(value, dt.datetime | dt.date | dt.time):
            value = value.isoformat()
        elif isinstance(value, decimal.Decimal | uuid.UUID):
            value = str(value)
        elif hasattr(value, "name") and isinstance(f, models.FileField):
            value = value.name or ""
        data[f.attname] = value
    return data
