"""Dates and time zones."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


@lru_cache(maxsize=1)
def available_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(name: str) -> None:
    if name not in available_timezones():
        raise ValidationError(
            _("“%(name)s” is not a known time zone (for example Asia/Shanghai or Europe/Berlin)."),
            code="timezone",
            params={"name": name},
        )


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_timezones())]


def validate_range(start, end, *, start_field: str = "start", end_field: str = "end") -> None:
    """Refuse a range that ends before it starts, naming the end field."""
    if start and end and end < start:
        raise ValidationError({end_field: _("The end must not be before the start.")}, code="range")


def today() -> dt.date:
    return timezone.localdate()


def week_bounds(day: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the week holding ``day``."""
    day = day or today()
    start = day - dt.timedelta(days=day.weekday())
    return start, start + dt.timedelta(days=6)


EARLIEST_YEAR, LATEST_YEAR = 1900, 2200


def validate_plausible(value, field: str) -> None:
    """Refuse dates a project could not have (year 1130, 9999 …): they break time-zone arithmetic."""
    if value is None:
        return
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(
            {
                field: _("Enter a date between %(start)s and %(end)s.")
                % {"start": EARLIEST_YEAR, "end": LATEST_YEAR}
            },
            code="implausible",
        )


def format_day(value) -> str:
    """A date as the viewer's language writes it (13 Apr 2027, Apr 13, 2027, 2027年4月13日).

    A datetime counts as the day it is in the viewer's time zone. Empty for None/"".
    """
    from django.utils.formats import date_format

    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    if not isinstance(value, dt.date):
        return str(value)
    return date_format(value, "DATE_FORMAT")


def format_moment(value) -> str:
    """A point in time in the viewer's time zone and language, to the minute; a date as a day."""
    from django.utils.formats import date_format

    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return date_format(value.replace(second=0, microsecond=0), "DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return format_day(value)
    return str(value)
