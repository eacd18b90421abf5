"""The audit trail: who changed what, when, from what to what.

Services call these next to the write they audit, inside the same transaction.
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile

from .models import AuditAction, AuditEntry

_SKIP = {"created_at", "updated_at", "organization", "password", "token_hash", "secret", "secrets"}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The audited field values of ``obj`` (concrete fields, foreign keys as ids)."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in _SKIP or field.primary_key or field.name.endswith("_encrypted"):
            continue
        data[field.attname] = _plain(getattr(obj, field.attname))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {key: [before.get(key), after.get(key)] for key in after if before.get(key) != after.get(key)}


def _project_id(obj: models.Model) -> int | None:
    if obj._meta.label_lower == "projects.project":
        return obj.pk
    return getattr(obj, "project_id", None)


def _record(actor, obj: models.Model, action: str, changes: dict, verb: str = "", organization_id=None):
    organization_id = organization_id or getattr(obj, "organization_id", None)
    if organization_id is None and obj._meta.label_lower == "tenancy.organization":
        organization_id = obj.pk
    return AuditEntry.objects.create(
        organization_id=organization_id,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=str(actor) if actor else "",
        action=action,
        verb=verb,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        changes=changes,
        project_id=_project_id(obj),
    )


def audit_create(actor, obj: models.Model) -> AuditEntry:
    return _record(
        actor,
        obj,
        AuditAction.CREATE,
        {k: [None, v] for k, v in snapshot(obj).items() if v not in (None, "")},
    )


def audit_update(actor, obj: models.Model, before: dict[str, Any]) -> AuditEntry | None:
    """Record what changed since ``before`` (a :func:`snapshot`); nothing when nothing did."""
    changes = diff(before, snapshot(obj))
    if not changes:
        return None
    return _record(actor, obj, AuditAction.UPDATE, changes)


def update_fields(actor, obj: models.Model, fields: dict[str, Any]) -> AuditEntry | None:
    """Set ``fields`` (already validated) on ``obj``, save it and record what changed: the
    snapshot → set → save → audit step of an update service, inside its transaction.

    Only those columns are written (with the ``auto_now`` ones, so the row's version moves on):
    another edit saved meanwhile to other fields of the same row is kept, not overwritten with
    the values ``obj`` was loaded with."""
    before = snapshot(obj)
    for key, value in fields.items():
        setattr(obj, key, value)
    obj.save(update_fields=_columns(obj, fields))
    return audit_update(actor, obj, before)


def with_values(obj: models.Model, values: dict[str, Any]) -> models.Model:
    """A copy of ``obj`` with ``values`` set, for an update service to check (and normalise) as
    a whole before it writes the checked values with :func:`update_fields`."""
    candidate = copy.copy(obj)  # Model.__getstate__ copies its state and cached relations too
    for key, value in values.items():
        setattr(candidate, key, value)
    return candidate


def _columns(obj: models.Model, fields: dict[str, Any]) -> list[str] | None:
    """The concrete fields named in ``fields`` plus the ``auto_now`` ones; None (every column)
    when a name is not a concrete field."""
    concrete = {f.name: f for f in obj._meta.concrete_fields} | {
        f.attname: f for f in obj._meta.concrete_fields
    }
    if not fields or any(key not in concrete for key in fields):
        return None
    names = {concrete[key].name for key in fields}
    names |= {f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)}
    return sorted(names)


def audit_delete(actor, obj: models.Model) -> AuditEntry:
    return _record(
        actor,
        obj,
        AuditAction.DELETE,
        {k: [v, None] for k, v in snapshot(obj).items() if v not in (None, "")},
    )


def audit_event(
    actor, obj: models.Model, verb: str, detail: dict | None = None, *, denied: bool = False
) -> AuditEntry:
    """A domain event on ``obj`` (approved, published, sign-in link used …) or a refused attempt."""
    changes = {key: [None, _plain(value)] for key, value in (detail or {}).items()}
    return _record(actor, obj, AuditAction.DENIED if denied else AuditAction.EVENT, changes, verb=verb)


def audit_for(obj: models.Model):
    """The trail of one object, newest first (``obj`` was already fetched through access)."""
    return (
        AuditEntry.objects.filter(
            organization_id=getattr(obj, "organization_id", None),
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def audit_redact(*, organization_id: int, redactor, object_ids: dict[str, list[str]] | None = None) -> int:
    """Take a person's data out of an organisation's trail, keeping the events.

    Every value known to ``redactor`` (a :class:`accord.lib.redact.Redactor`) is replaced in the
    changes and the object's name; entries about the objects in ``object_ids`` ("app.model" →
    ids, e.g. the person's contact rows) are renamed to the placeholder and have every recorded
    string value replaced. Returns the number of entries changed.
    """
    changed = 0
    whole: set[tuple[int, str]] = set()
    for label, ids in (object_ids or {}).items():
        app_label, model = label.split(".")
        ct = ContentType.objects.get_by_natural_key(app_label, model)
        whole.update((ct.pk, str(pk)) for pk in ids)
    rows = AuditEntry.objects.filter(organization_id=organization_id).values_list(
        "pk", "content_type_id", "object_id", "object_repr", "changes"
    )
    for pk, ct_id, object_id, object_repr, changes in rows.iterator(chunk_size=2000):
        if (ct_id, object_id) in whole:
            new_repr = f"{redactor.placeholder} #{object_id}"
            new_changes = {
                key: [redactor.placeholder if isinstance(v, str) and v else v for v in pair]
                if isinstance(pair, list)
                else pair
                for key, pair in redactor.data(changes or {}).items()
            }
        else:
            new_repr = redactor.text(object_repr)
            new_changes = redactor.data(changes)
        if new_repr != object_repr or new_changes != changes:
            AuditEntry.objects.filter(pk=pk).update(object_repr=new_repr[:300], changes=new_changes)
            changed += 1
    return changed
