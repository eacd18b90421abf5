"""Dates and time zones."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
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


def zone(*names: str | None) -> zoneinfo.ZoneInfo:
    """The first of ``names`` that is a known time zone (UTC when none is)."""
    for name in names:
        if name and name in available_timezones():
            return zoneinfo.ZoneInfo(name)
    return zoneinfo.ZoneInfo("UTC")


def owner_zone(*, owner=None, project=None, organization=None) -> zoneinfo.ZoneInfo:
    """Where a due date is judged: the owner's time zone, else the project's (its client's), else
    the organisation's."""
    client = getattr(project, "client", None) if project is not None else None
    if organization is None and project is not None:
        organization = getattr(project, "organization", None)
    return zone(
        getattr(owner, "timezone", None),
        getattr(client, "timezone", None),
        getattr(organization, "default_timezone", None),
    )


def today_in(tz: dt.tzinfo, *, now: dt.datetime | None = None) -> dt.date:
    """The calendar day it is in ``tz`` at ``now`` (default: now)."""
    return (now or timezone.now()).astimezone(tz).date()


def today_for(*, owner=None, project=None, organization=None, now: dt.datetime | None = None) -> dt.date:
    """Today for whoever owns something due: every reminder and overdue decision asks this, so a
    task due on the 7th is overdue from midnight on the 8th in its owner's zone, not in UTC."""
    return today_in(owner_zone(owner=owner, project=project, organization=organization), now=now)


def is_overdue(due: dt.date | None, *, owner=None, project=None, organization=None, now=None) -> bool:
    if due is None:
        return False
    return due < today_for(owner=owner, project=project, organization=organization, now=now)


# Every zone's day lies within one day of the UTC day (offsets run from -12 to +14 hours): a
# database filter widened by this much finds every candidate; the owner's day then decides.
ZONE_SLACK = dt.timedelta(days=1)


def wall_time(value: dt.datetime, tz_name: str, *, field: str = "starts_at") -> dt.datetime:
    """A clock time as typed (naive) read in the zone ``tz_name``; an aware value is kept.

    A time the clocks skip (02:30 when summer time starts) is refused rather than moved."""
    if timezone.is_aware(value):
        return value
    tz = zoneinfo.ZoneInfo(tz_name)
    aware = value.replace(tzinfo=tz)
    if aware.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) != value:
        raise ValidationError(
            {
                field: _("%(time)s does not exist in %(zone)s (the clocks skip it); choose another time.")
                % {"time": value.strftime("%Y-%m-%d %H:%M"), "zone": tz_name}
            },
            code="nonexistent",
        )
    return aware


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


# A page shows the same few days and minutes many times over (a timeline, a dashboard) and
# Django's date_format costs ~40 µs a call: each text is made once per language.
FORMATTED_KEPT = 4096


@lru_cache(maxsize=FORMATTED_KEPT)
def _formatted(value: dt.date, offset: dt.timedelta | None, language: str | None, fmt: str) -> str:
    # ``offset``: an aware time's UTC offset is part of its key, since two aware times that are
    # the same instant are equal (and hash alike) whatever their wall-clock times.
    from django.utils.formats import date_format

    return date_format(value, fmt)


def _format(value: dt.date, fmt: str) -> str:
    offset = value.utcoffset() if isinstance(value, dt.datetime) else None
    return _formatted(value, offset, translation.get_language(), fmt)


def format_day(value) -> str:
    """A date as the viewer's language writes it (13 Apr 2027, Apr 13, 2027, 2027年4月13日).

    A datetime counts as the day it is in the viewer's time zone. Empty for None/"".
    """
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    if not isinstance(value, dt.date):
        return str(value)
    return _format(value, "DATE_FORMAT")


def format_moment(value) -> str:
    """A point in time in the viewer's time zone and language, to the minute; a date as a day."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return _format(value.replace(second=0, microsecond=0), "DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return format_day(value)
    return str(value)
