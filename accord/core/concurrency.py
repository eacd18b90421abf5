"""Optimistic concurrency for the edit forms and the board: a save made on a stale page is refused.

Every edit form carries the version of the object it was loaded with (a hidden ``_version``,
see ``accord.lib.versioning``). An edit view opts in with two lines::

    @versioned_edit                      # the POST runs in one transaction; a stale save is a 409
    def task_edit(request, pk):
        task = project_object_for_user(...)
        form = TaskForm(request.POST or None, ...)
        check_version(request, form, task)   # stale → the form is invalid, nothing is saved
        if request.method == "POST" and form.is_valid(): ...

``check_version`` locks the row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises
writers) and compares its version with the one the form was loaded with, inside the same
transaction as the service's write. A stale form is sent back as it was typed, with a panel that
puts their saved values beside yours field by field, and with the new version, so that sending
it again saves your values on top of theirs. A post without ``_version`` (a script, a page from
before this check) is not checked.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from functools import wraps

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accord.audit.display import HistoryRow, history_rows
from accord.audit.services import audit_for
from accord.lib.versioning import locked_version, normalise, token_time, version_of

VERSION_FIELD = "_version"
MAX_SHOWN = 300


@dataclass
class ConflictRow:
    label: str
    theirs: str
    yours: str


@dataclass
class EditConflict:
    """What the 409 page shows: the fields where the saved object and your form differ."""

    rows: list[ConflictRow] = field(default_factory=list)
    last_change: HistoryRow | None = None
    version: str = ""  # the version now current: a resent form saves on top of it


def versioned_edit(view):
    """Run a POST to the view in one transaction and answer 409 when its form was stale."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        with transaction.atomic():
            response = view(request, *args, **kwargs)
        if getattr(request, "edit_conflict", False):
            response.status_code = 409
        return response

    wrapper.versioned_edit = True  # found by the test that walks every edit view
    return wrapper


def is_stale(request, obj) -> bool:
    """Whether the POST carries a ``_version`` other than ``obj``'s committed one (row locked)."""
    sent = normalise(request.POST.get(VERSION_FIELD, ""))
    if not sent:
        return False
    current = locked_version(obj)
    return current is not None and current != sent


def check_posted_values(request, obj, values) -> EditConflict | None:
    """The check for a page without a Django form. ``values`` are ``(label, saved, sent)``
    triples; a stale post gets the conflict to show (and the view answers 409), else ``None``."""
    sent = normalise(request.POST.get(VERSION_FIELD, ""))
    if not sent:
        return None
    current = locked_version(obj)
    if current is None or current == sent:
        return None
    request.edit_conflict = True
    rows = [
        ConflictRow(str(label), _shown(forms.CharField(), saved), _shown(forms.CharField(), typed))
        for label, saved, typed in values
        if (saved or "") != (typed or "")
    ]
    return EditConflict(rows=rows, last_change=_last_change(obj, sent), version=current)


def check_version(request, form, obj) -> None:
    """Give ``form`` the version of ``obj``; when the posted version is stale, make it invalid."""
    form.edit_version = version_of(obj)
    if not form.is_bound or request.method != "POST":
        return
    sent = normalise(form.data.get(VERSION_FIELD, ""))
    if not sent:
        return
    current = locked_version(obj)
    if current is None or current == sent:
        return
    # Resending the form saves on top of the version that is now current.
    form.edit_version = current
    form.edit_conflict = EditConflict(
        rows=_conflict_rows(form, obj), last_change=_last_change(obj, sent), version=current
    )
    form.add_error(
        None,
        _(
            "Someone else saved this while you were editing, so your changes were not saved. "
            "Compare their version with yours below, correct the form and save again."
        ),
    )
    request.edit_conflict = True


def _last_change(obj, sent: str) -> HistoryRow | None:
    loaded_at = token_time(sent)
    if loaded_at is None:
        return None
    newest = audit_for(obj).filter(created_at__gt=loaded_at).first()
    return history_rows([newest])[0] if newest is not None else None


def _saved_value(form, obj, name: str):
    """The saved value of a form field: its initial, or the model field of the same name."""
    if name in form.initial:
        return form[name].initial
    try:
        model_field = obj._meta.get_field(name)
    except FieldDoesNotExist:
        return form[name].initial
    if not model_field.concrete or model_field.many_to_many:
        return form[name].initial
    return getattr(obj, model_field.attname)


def _conflict_rows(form, obj) -> list[ConflictRow]:
    rows = []
    for bound in form.visible_fields():
        field_obj = bound.field
        if isinstance(field_obj, forms.FileField) or isinstance(field_obj.widget, forms.PasswordInput):
            continue
        theirs, yours = _saved_value(form, obj, bound.name), bound.data
        try:
            changed = field_obj.has_changed(theirs, yours)
        except ValidationError:
            changed = True
        if changed:
            rows.append(ConflictRow(str(bound.label), _shown(field_obj, theirs), _shown(field_obj, yours)))
    return rows


def _shown(field_obj, value) -> str:
    """A form value as a person reads it: choice labels, yes/no, "—" for nothing."""
    if isinstance(field_obj, forms.BooleanField | forms.NullBooleanField):
        try:
            value = field_obj.to_python(value)
        except ValidationError:
            return str(value)
        return "—" if value is None else (_("Yes") if value else _("No"))
    with contextlib.suppress(TypeError, ValueError, AttributeError):
        value = field_obj.prepare_value(value)
    values = list(value) if isinstance(value, list | tuple) else [value]
    values = [v for v in values if v not in (None, "")]
    if not values:
        return "—"
    choices = getattr(field_obj, "choices", None)
    if choices is not None:
        labels = {}
        for key, label in choices:
            if isinstance(label, list | tuple):  # an option group
                labels.update({str(k): str(v) for k, v in label})
            else:
                labels[str(key)] = str(label)
        values = [labels.get(str(v), str(v)) for v in values]
    text = ", ".join(str(v) for v in values)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"
