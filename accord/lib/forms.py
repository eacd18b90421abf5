"""Date and time inputs every form uses.

A browser's <input type="date"> and <input type="datetime-local"> only hold ISO values
(2026-12-01, 2026-12-01T10:00); anything else — such as the Chinese locale's 2026/12/01 — shows as
empty and is submitted empty, erasing the date on an unchanged save. These widgets render ISO in
every language; ``IsoDatesMixin`` puts them on every date field of a form.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, format=None):  # noqa: A002 - Django's argument name
        super().__init__(attrs, format=ISO_DATE)

    def format_value(self, value):
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.strftime(ISO_DATE)
        return super().format_value(value)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None, format=None):  # noqa: A002 - Django's argument name
        super().__init__(attrs, format=ISO_DATETIME)

    def format_value(self, value):
        if isinstance(value, dt.datetime):
            return value.strftime(ISO_DATETIME)
        return super().format_value(value)


class WallDateTimeField(forms.DateTimeField):
    """A clock time as typed, left naive: the form reads it in a zone it names (a meeting's),
    not in the zone of whoever fills it in."""

    widget = DateTimeInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value
        if isinstance(value, dt.date):
            return dt.datetime(value.year, value.month, value.day)
        try:
            result = parse_datetime(str(value).strip())
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        # Not read in the active zone (DateTimeField would): the form names the zone.
        return result or forms.BaseTemporalField.to_python(self, value)

    def prepare_value(self, value):
        return value


def iso_date_widgets(form: forms.BaseForm) -> None:
    """Give every date and date-time field of ``form`` the ISO widgets (keeping their attributes)."""
    for field in form.fields.values():
        if isinstance(field, forms.SplitDateTimeField):
            continue
        if isinstance(field, forms.DateTimeField) and not isinstance(field.widget, DateTimeInput):
            attrs = {k: v for k, v in field.widget.attrs.items() if k != "type"}
            field.widget = DateTimeInput(attrs)
        elif isinstance(field, forms.DateField) and not isinstance(
            field.widget, DateInput | forms.HiddenInput
        ):
            attrs = {k: v for k, v in field.widget.attrs.items() if k != "type"}
            field.widget = DateInput(attrs)


def _to_the_minute(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.replace(second=0, microsecond=0)


def keep_unchanged_times(form: forms.BaseForm) -> None:
    """A date-time input shows minutes; when what comes back is the initial value to the minute,
    keep the initial value, so saving a form unchanged does not cut off its seconds."""
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if not isinstance(field, forms.DateTimeField) or not isinstance(value, dt.datetime):
            continue
        initial = form.initial.get(name, field.initial)  # with its microseconds, unlike get_initial_for_field
        if not isinstance(initial, dt.datetime) or (initial.tzinfo is None) != (value.tzinfo is None):
            continue
        if initial != value and _to_the_minute(initial) == _to_the_minute(value):
            form.cleaned_data[name] = initial


class IsoDatesMixin:
    """Put first in a form's bases: its date and date-time inputs render ISO in every language,
    and a date-time saved unchanged keeps its seconds."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        iso_date_widgets(self)

    def _clean_form(self):
        super()._clean_form()
        keep_unchanged_times(self)
