"""The audit trail as people read it (the History panel).

Entries keep the raw data (field attnames, choice values, ids, ISO strings) for the API;
this turns them into field labels, choice labels and object names in the active language.
Related objects are looked up in one query per related model, whatever the number of entries.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from accord.lib.dates import format_day, format_moment

from .models import AuditAction, AuditEntry

MAX_TEXT = 80

# Domain events (``audit_event`` verbs) as the History panel names them.
VERBS = {
    "accepted": gettext_lazy("accepted"),
    "answered": gettext_lazy("answered"),
    "approve": gettext_lazy("approve"),
    "approved": gettext_lazy("approved"),
    "assess": gettext_lazy("assess"),
    "assessed": gettext_lazy("assessed"),
    "assigned": gettext_lazy("assigned"),
    "calendar_feed.rotated": gettext_lazy("calendar link renewed"),
    "calendar_token_rotated": gettext_lazy("calendar link renewed"),
    "cancel": gettext_lazy("cancel"),
    "closed": gettext_lazy("closed"),
    "complete_refused": gettext_lazy("completion refused"),
    "completed": gettext_lazy("completed"),
    "contacts": gettext_lazy("contacts changed"),
    "created_from_template": gettext_lazy("created from a template"),
    "decide": gettext_lazy("decide"),
    "discarded": gettext_lazy("discarded"),
    "duplicated": gettext_lazy("duplicated"),
    "feedback_given": gettext_lazy("feedback given"),
    "finalised": gettext_lazy("finalised"),
    "implement": gettext_lazy("implement"),
    "import.completed": gettext_lazy("import completed"),
    "link refused": gettext_lazy("link refused"),
    "met": gettext_lazy("met"),
    "minutes_published": gettext_lazy("minutes published"),
    "opened_from_mail": gettext_lazy("opened from an e-mail"),
    "people": gettext_lazy("people changed"),
    "plan_copied": gettext_lazy("plan copied"),
    "published": gettext_lazy("published"),
    "refused": gettext_lazy("refused"),
    "reject": gettext_lazy("reject"),
    "rejected": gettext_lazy("rejected"),
    "reminded": gettext_lazy("reminded"),
    "reply_from_mail": gettext_lazy("reply by e-mail"),
    "retry": gettext_lazy("sent again"),
    "reviewed": gettext_lazy("reviewed"),
    "revised": gettext_lazy("revised"),
    "revoked": gettext_lazy("revoked"),
    "sent": gettext_lazy("sent"),
    "submit": gettext_lazy("submit"),
    "taken_up": gettext_lazy("taken up"),
    "test_sent": gettext_lazy("test sent"),
    "turned_into_change_request": gettext_lazy("turned into a change request"),
    "turned_into_tasks": gettext_lazy("turned into tasks"),
    "upload_refused": gettext_lazy("upload refused"),
    "used": gettext_lazy("used"),
    "withdraw": gettext_lazy("withdraw"),
}

# Fields declared without a translated name (Django derives "created by" from created_by).
FIELD_NAMES = {
    "action": gettext_lazy("action"),
    "actor": gettext_lazy("actor"),
    "assessed by": gettext_lazy("assessed by"),
    "change request": gettext_lazy("change request"),
    "changed by": gettext_lazy("changed by"),
    "changes": gettext_lazy("changes"),
    "contact": gettext_lazy("contact"),
    "created by": gettext_lazy("created by"),
    "direction": gettext_lazy("direction"),
    "enabled at": gettext_lazy("enabled at"),
    "external id": gettext_lazy("external ID"),
    "file": gettext_lazy("file"),
    "filename": gettext_lazy("file name"),
    "finalised by": gettext_lazy("finalised by"),
    "interaction": gettext_lazy("interaction"),
    "invited by": gettext_lazy("invited by"),
    "mailbox": gettext_lazy("mailbox"),
    "meeting": gettext_lazy("meeting"),
    "message": gettext_lazy("message"),
    "met by": gettext_lazy("met by"),
    "milestone": gettext_lazy("milestone"),
    "name": gettext_lazy("name"),
    "need": gettext_lazy("need"),
    "new impact": gettext_lazy("new impact"),
    "new probability": gettext_lazy("new probability"),
    "new score": gettext_lazy("new score"),
    "note": gettext_lazy("note"),
    "old impact": gettext_lazy("old impact"),
    "old probability": gettext_lazy("old probability"),
    "old score": gettext_lazy("old score"),
    "plan item": gettext_lazy("plan item"),
    "project": gettext_lazy("project"),
    "published by": gettext_lazy("published by"),
    "question": gettext_lazy("question"),
    "recipient": gettext_lazy("recipient"),
    "reply": gettext_lazy("reply"),
    "response": gettext_lazy("response"),
    "retrospective": gettext_lazy("retrospective"),
    "risk": gettext_lazy("risk"),
    "size": gettext_lazy("size"),
    "source": gettext_lazy("source"),
    "subscription": gettext_lazy("subscription"),
    "survey": gettext_lazy("survey"),
    "task": gettext_lazy("task"),
    "template": gettext_lazy("template"),
    "triage default": gettext_lazy("triage default"),
    "uploaded by": gettext_lazy("uploaded by"),
    "user": gettext_lazy("user"),
}
# Bookkeeping a person never reads: ordering, tokens, hashes, stored paths, raw payloads.
HIDDEN_FIELDS = {
    "position",
    "calendar_token",
    "idempotency_key",
    "token",
    "token_hash",
    "previous_token_hash",
    "inbound_token",
    "headers",
    "payload",
    "stored_path",
    "report_path",
    "claimed_at",
    "content_type_id",
    "object_id",
    "object_repr",
    "mimetype",
    "prefix",
    "requested_ip",
    "related_id",
    "related_type",
    "last_run_at",
    "reminded_before_at",
    "reminded_overdue_at",
    "comms_plan_created",
}

# Keys of event details that are not model fields.
DETAIL_LABELS = {
    "reason": gettext_lazy("reason"),
    "note": gettext_lazy("note"),
    "ip": gettext_lazy("IP address"),
    "from": gettext_lazy("from"),
    "to": gettext_lazy("to"),
    "sender": gettext_lazy("sender"),
    "recipient": gettext_lazy("recipient"),
    "recipients": gettext_lazy("recipients"),
    "subject": gettext_lazy("subject"),
    "contacts": gettext_lazy("contacts"),
    "contact": gettext_lazy("contact"),
    "people": gettext_lazy("people"),
    "template": gettext_lazy("template"),
    "tasks": gettext_lazy("tasks"),
    "items": gettext_lazy("items"),
    "version": gettext_lazy("version"),
    "key": gettext_lazy("key"),
    "as": gettext_lazy("as"),
    "rating": gettext_lazy("rating"),
    "sent": gettext_lazy("sent"),
    "completed_on": gettext_lazy("completed on"),
    "by_client": gettext_lazy("by the client"),
    "change_request": gettext_lazy("change request"),
    "use": gettext_lazy("use"),
    "comment": gettext_lazy("comment"),
    "milestones": gettext_lazy("milestones"),
    "risks": gettext_lazy("risks"),
    "needs": gettext_lazy("needs"),
    "name": gettext_lazy("name"),
    "status": gettext_lazy("status"),
    "project": gettext_lazy("project"),
    "title": gettext_lazy("title"),
    "decision": gettext_lazy("decision"),
    "score": gettext_lazy("score"),
    "count": gettext_lazy("count"),
    "language": gettext_lazy("language"),
    "channel": gettext_lazy("channel"),
    "client": gettext_lazy("client"),
    "completed": gettext_lazy("completed"),
    "rag": gettext_lazy("RAG status"),
    "period": gettext_lazy("period"),
    "contact_email": gettext_lazy("contact's e-mail"),
    "user": gettext_lazy("signed-in account"),
    "user_email": gettext_lazy("signed-in e-mail"),
    "old_email": gettext_lazy("old e-mail"),
    "new_email": gettext_lazy("new e-mail"),
    "email": gettext_lazy("e-mail"),
    "clients_created": gettext_lazy("clients created"),
    "created": pgettext_lazy("count of rows", "created"),
    "updated": gettext_lazy("updated"),
    "skipped": gettext_lazy("skipped"),
    "rows": gettext_lazy("rows"),
    "kind": gettext_lazy("kind"),
    "new_version": gettext_lazy("new version"),
    "plan_item": gettext_lazy("plan item"),
    "role": gettext_lazy("role"),
    "team": gettext_lazy("team"),
}


@dataclass
class Change:
    label: str
    before: str | None
    after: str


@dataclass
class HistoryRow:
    when: dt.datetime
    when_text: str
    who: str
    what: str
    changes: list[Change] = field(default_factory=list)


def action_label(entry: AuditEntry) -> str:
    if entry.action in (AuditAction.EVENT, AuditAction.DENIED) and entry.verb:
        verb = VERBS.get(entry.verb)
        verb_text = str(verb) if verb is not None else entry.verb.replace("_", " ").replace(".", " ")
        if entry.action == AuditAction.DENIED:
            return _("refused: %(event)s") % {"event": verb_text}
        return verb_text
    return str(AuditAction(entry.action).label) if entry.action in AuditAction.values else entry.action


def _hidden_attnames(model) -> set[str]:
    return {f.attname for f in model._meta.concrete_fields if not f.editable} if model is not None else set()


def _fields_by_attname(model) -> dict[str, models.Field]:
    if model is None:
        return {}
    # Fields a person never edits (uid, sequence, position counters) are bookkeeping, not history.
    return {f.attname: f for f in model._meta.concrete_fields if f.editable}


def _truncate(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _plain_value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        # A structured snapshot (a report's content, a plan's settings): not readable as a value.
        return _("(details changed)")
    if isinstance(value, list):
        if all(isinstance(v, str | int | float) for v in value) and value:
            return _truncate(", ".join(str(v) for v in value))
        return _("%(count)s items") % {"count": len(value)} if value else "—"
    if isinstance(value, str):
        parsed = parse_datetime(value) if "T" in value and len(value) >= 16 else None
        if parsed is not None:
            return format_moment(parsed)
        day = parse_date(value) if len(value) == 10 and value[4:5] == "-" else None
        if day is not None:
            return format_day(day)
    return _truncate(str(value))


def _field_value(field_obj: models.Field, value: Any, related: dict) -> str:
    if value is None or value == "":
        return "—"
    if field_obj.is_relation and field_obj.many_to_one:
        obj = related.get(field_obj.related_model, {}).get(_as_pk(field_obj.related_model, value))
        return _truncate(str(obj)) if obj is not None else _("#%(id)s (removed)") % {"id": value}
    if field_obj.name == "language" and isinstance(value, str):
        return _language_name(value)
    labels = dict(field_obj.flatchoices) if field_obj.choices else _choices_named(field_obj.name)
    if not isinstance(value, list | dict) and value in labels:  # a JSON field's value is neither
        return str(labels[value])
    if isinstance(field_obj, models.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(field_obj, models.DateTimeField):
        parsed = parse_datetime(str(value))
        return format_moment(parsed) if parsed else str(value)
    if isinstance(field_obj, models.DateField):
        parsed = parse_date(str(value))
        return format_day(parsed) if parsed else str(value)
    if isinstance(field_obj, models.DecimalField):
        try:
            return str(decimal.Decimal(str(value)))
        except decimal.InvalidOperation:
            return str(value)
    if isinstance(field_obj, models.JSONField) or isinstance(value, dict | list):
        return _plain_value(value) if not isinstance(value, dict) else _("(details changed)")
    return _plain_value(value)


@cache
def _choices_named(name: str) -> dict:
    """Choice labels of fields called ``name`` elsewhere (a project's industry is a client's)."""
    labels: dict = {}
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if f.name == name and f.choices:
                labels.update({k: v for k, v in f.flatchoices if k not in labels})
    return labels


def _language_name(code: str) -> str:
    names = dict(settings.LANGUAGES)
    names.setdefault("en", names.get("en-us", code))
    return str(names.get(code, code))


def _as_pk(model, value):
    try:
        return model._meta.pk.to_python(value)
    except Exception:  # noqa: BLE001 — an unreadable id shows as removed
        return value


def history_rows(entries) -> list[HistoryRow]:
    """Readable rows for ``entries`` (an iterable of AuditEntry, newest first)."""
    entries = list(entries)
    fields_of: dict[int, dict[str, models.Field]] = {}
    hidden: dict[int, set[str]] = {}
    wanted: dict[type[models.Model], set] = {}
    for entry in entries:
        if entry.content_type_id not in fields_of:
            model = ContentType.objects.get_for_id(entry.content_type_id).model_class()
            fields_of[entry.content_type_id] = _fields_by_attname(model)
            hidden[entry.content_type_id] = _hidden_attnames(model)
            # Every related model of the trail's object types is read once, whether or not the
            # entries shown name one: the panel's query count depends on the page, not on the data.
            for field_obj in fields_of[entry.content_type_id].values():
                if field_obj.is_relation and field_obj.many_to_one and field_obj.name != "organization":
                    wanted.setdefault(field_obj.related_model, set())
        fields = fields_of[entry.content_type_id]
        for key, pair in (entry.changes or {}).items():
            field_obj = fields.get(key)
            if field_obj is None or not (field_obj.is_relation and field_obj.many_to_one):
                continue
            for value in pair if isinstance(pair, list) else []:
                if value not in (None, ""):
                    model = field_obj.related_model
                    wanted.setdefault(model, set()).add(_as_pk(model, value))
    related = {model: _bulk(model, ids, entries) for model, ids in wanted.items()}

    rows = []
    for entry in entries:
        fields = fields_of[entry.content_type_id]
        changes = []
        for key, pair in (entry.changes or {}).items():
            before, after = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
            if entry.action != AuditAction.UPDATE and isinstance(after if before is None else before, dict):
                continue  # a structured snapshot taken on creation says nothing to a reader
            field_obj = fields.get(key)
            if key in HIDDEN_FIELDS or (field_obj is None and key in hidden.get(entry.content_type_id, ())):
                continue
            if field_obj is not None:
                verbose = field_obj.verbose_name
                named = verbose if isinstance(verbose, Promise) else FIELD_NAMES.get(verbose, verbose)
                label = str(named)
                render = lambda v, f=field_obj: _field_value(f, v, related)  # noqa: E731
            else:
                label = str(DETAIL_LABELS.get(key, key.replace("_", " ")))
                render = _plain_value
            shown_before = None if before is None else render(before)
            changes.append(Change(label=label, before=shown_before, after=render(after)))
        rows.append(
            HistoryRow(
                when=entry.created_at,
                when_text=format_moment(entry.created_at),
                who=entry.actor_label or _("system"),
                what=action_label(entry),
                changes=changes,
            )
        )
    return rows


def _bulk(model, ids: set, entries: list[AuditEntry]) -> dict:
    queryset = model._default_manager.all()
    organization_ids = {e.organization_id for e in entries}
    if any(f.attname == "organization_id" for f in model._meta.concrete_fields) and organization_ids:
        # Only objects of the trail's own organisation, whatever ids a change holds.
        queryset = queryset.filter(organization_id__in=organization_ids)
    if not ids:
        list(queryset.filter(pk__isnull=True))  # the same one query as with ids (see history_rows)
        return {}
    return queryset.in_bulk(list(ids))
