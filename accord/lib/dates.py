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
