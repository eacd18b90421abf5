"""Recurrence rules (RFC 5545 RRULE) in words: "every other Friday", "每两周的周五".

The one way a rule is shown to people; the rule itself stays what calendars and the scheduler read.
"""

from __future__ import annotations

import datetime as dt

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrulestr
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from accord.lib.dates import format_day


def _weekday(index: int) -> str:
    return [
        pgettext("weekday", "Monday"),
        pgettext("weekday", "Tuesday"),
        pgettext("weekday", "Wednesday"),
        pgettext("weekday", "Thursday"),
        pgettext("weekday", "Friday"),
        pgettext("weekday", "Saturday"),
        pgettext("weekday", "Sunday"),
    ][index]


def _ordinal(n: int) -> str:
    names = {
        1: pgettext("nth weekday of a month", "first"),
        2: pgettext("nth weekday of a month", "second"),
        3: pgettext("nth weekday of a month", "third"),
        4: pgettext("nth weekday of a month", "fourth"),
        -1: pgettext("nth weekday of a month", "last"),
    }
    return names.get(n, str(n))


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s and %(last)s") % {
        "first": pgettext("list separator", ", ").join(items[:-1]),
        "last": items[-1],
    }


def describe_rrule(rule: str, *, start: dt.date | dt.datetime | None = None) -> str:
    """``rule`` (e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=FR) in the active language; "" for no rule."""
    text = (rule or "").strip()
    if not text:
        return ""
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    anchor = (
        start
        if isinstance(start, dt.datetime)
        else dt.datetime.combine(start or dt.date(2000, 1, 3), dt.time(9))
    )
    try:
        parsed = rrulestr(text, dtstart=anchor.replace(tzinfo=None))
    except (ValueError, TypeError):
        return _("a repetition of its own")
    freq, interval = parsed._freq, parsed._interval or 1
    count, until = parsed._count, parsed._until
    upper = text.upper()
    weekdays = sorted(parsed._byweekday or ()) if "BYDAY" in upper or freq == WEEKLY else []
    nth = list(parsed._bynweekday or ())
    monthdays = list(parsed._bymonthday or ()) + list(parsed._bynmonthday or ())

    if freq == DAILY and count == 1:
        return _("once")
    if freq == DAILY:
        words = _("every day") if interval == 1 else _("every %(n)s days") % {"n": interval}
    elif freq == WEEKLY:
        days = _join([_weekday(d) for d in weekdays])
        if interval == 1:
            words = _("every %(days)s") % {"days": days}
        elif interval == 2:
            words = _("every other %(days)s") % {"days": days}
        else:
            words = _("every %(n)s weeks on %(days)s") % {"n": interval, "days": days}
    elif freq == MONTHLY and nth:
        day, which = nth[0]
        values = {"nth": _ordinal(which), "day": _weekday(day)}
        if interval == 1:
            words = _("every month on the %(nth)s %(day)s") % values
        else:
            words = _("every %(n)s months on the %(nth)s %(day)s") % {**values, "n": interval}
    elif freq == MONTHLY:
        day = monthdays[0] if monthdays else anchor.day
        if day == -1:
            words = (
                _("on the last day of every month")
                if interval == 1
                else _("on the last day of every %(n)s months") % {"n": interval}
            )
        elif interval == 1:
            words = _("every month on day %(day)s") % {"day": day}
        else:
            words = _("every %(n)s months on day %(day)s") % {"n": interval, "day": day}
    elif freq == YEARLY:
        words = _("every year") if interval == 1 else _("every %(n)s years") % {"n": interval}
    else:
        return _("a repetition of its own")
    if count:
        words = _("%(rule)s, %(times)s") % {
            "rule": words,
            "times": ngettext("%(count)s time", "%(count)s times", count) % {"count": count},
        }
    elif until:
        words = _("%(rule)s, until %(day)s") % {"rule": words, "day": format_day(until.date())}
    return words
