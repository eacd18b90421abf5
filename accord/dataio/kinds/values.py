"""Columns, header names and the cleaning of cell values (dates, numbers, choices, phones)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from dateutil import parser as dateparser
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Column:
    key: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    kind: str = "text"  # text, email, choice, currency, timezone, url, date, datetime, decimal, bool, ref


# What makes two rows the same record (lazy: translated only when a duplicate is reported).
BY_NAME = gettext_lazy("name")
BY_EMAIL = gettext_lazy("e-mail")
BY_PHONE = gettext_lazy("phone")
BY_EXTERNAL_ID = gettext_lazy("external ID")
BY_PROJECT_TITLE = gettext_lazy("project and title")
BY_CLIENT_TIME_SUMMARY = gettext_lazy("client, time and summary")


def normalize_header(text: str) -> str:
    text = (text or "").replace("\ufeff", "").strip().lower()
    text = re.sub(r"[\s_*:：（）()\[\]]+", " ", text)
    return text.strip()


_ZONE_SUFFIX = re.compile(r"^(?P<name>.*?)\s*\((?P<zone>UTC|[A-Za-z]+(?:/[A-Za-z0-9_+-]+)+)\)\s*$")


def header_zone(header: str):
    """A header that names the zone of its times, as Accord's workbooks write them
    (``occurred_at (Asia/Shanghai)``): the bare header and the zone; else the header and None."""
    import zoneinfo

    match = _ZONE_SUFFIX.match(header or "")
    if match is None:
        return header, None
    try:
        return match["name"], zoneinfo.ZoneInfo(match["zone"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return header, None


# --- value cleaning -------------------------------------------------------------------------------


_CHOICE_MAPS: dict[tuple[str, str], dict[str, str]] = {}

# Words people write in Chinese spreadsheets besides the exact labels of the choices.
CHOICE_SYNONYMS: dict[tuple[str, str], dict[str, str]] = {
    ("crm.Client", "status"): {
        "潜在客户": "prospect",
        "潜在": "prospect",
        "活跃": "active",
        "合作中": "active",
        "现有客户": "active",
        "前客户": "former",
        "已流失": "former",
        "过往客户": "former",
    },
    ("crm.Client", "industry"): {
        "软件": "software",
        "it": "software",
        "制造": "manufacturing",
        "制造业": "manufacturing",
        "零售": "retail",
        "电商": "retail",
        "金融": "finance",
        "医疗": "healthcare",
        "建筑": "construction",
        "政府": "government",
        "教育": "education",
        "营销": "marketing",
        "咨询": "consulting",
        "物流": "logistics",
        "能源": "energy",
        "其他": "other",
    },
    ("crm.Contact", "role"): {
        "发起人": "sponsor",
        "决策者": "decision_maker",
        "关键用户": "key_user",
        "其他": "other",
    },
    ("crm.Interaction", "kind"): {
        "邮件": "email",
        "电话": "call",
        "会议": "meeting",
        "即时消息": "im",
        "拜访": "visit",
        "备注": "note",
    },
    ("projects.Task", "status"): {
        "待办": "todo",
        "未开始": "todo",
        "进行中": "doing",
        "受阻": "blocked",
        "阻塞": "blocked",
        "已完成": "done",
        "完成": "done",
    },
}


def _choice_map(model_field) -> dict[str, str]:
    """Accepted spellings of a choice: its value and its label in English and Chinese."""
    cache_key = (model_field.model._meta.label, model_field.name)
    if cache_key in _CHOICE_MAPS:
        return _CHOICE_MAPS[cache_key]
    mapping: dict[str, str] = {}
    for value, label in model_field.choices:
        mapping[str(value).lower()] = value
        for lang in ("en", "zh-hans"):
            with translation.override(lang):
                mapping[str(label).strip().lower()] = value
    mapping.update(CHOICE_SYNONYMS.get(cache_key, {}))
    _CHOICE_MAPS[cache_key] = mapping
    return mapping


_TRUE = {"1", "true", "yes", "y", "x", "是", "对", "✓", "✔"}
_FALSE = {"0", "false", "no", "n", "否", "不", ""}


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValidationError(_("“%(value)s” is not yes or no."), params={"value": raw})


def parse_date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        pass
    try:
        return dateparser.parse(raw, yearfirst=True, dayfirst=False).date()
    except (ValueError, OverflowError, TypeError):
        raise ValidationError(
            _("“%(value)s” is not a date (write it as 2026-03-31)."), params={"value": raw}
        ) from None


def parse_datetime(raw: str, tz) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        try:
            value = dateparser.parse(raw, yearfirst=True, dayfirst=False)
        except (ValueError, OverflowError, TypeError):
            raise ValidationError(
                _("“%(value)s” is not a date and time (write it as 2026-03-31 14:30)."), params={"value": raw}
            ) from None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, tz)
    return value


def parse_decimal(raw: str) -> Decimal:
    try:
        value = Decimal(raw.replace(",", "").replace(" ", ""))
    except InvalidOperation:
        raise ValidationError(_("“%(value)s” is not a number."), params={"value": raw}) from None
    if not value.is_finite() or value < 0:
        raise ValidationError(_("“%(value)s” must be zero or more."), params={"value": raw})
    return value


# Addresses Django's EmailValidator certainly accepts: dot-atoms of common characters at a
# domain of letter-digit-hyphen labels with an alphabetic top level.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)
_NON_DIGITS = re.compile(r"\D")
_LIST_SEPARATORS = re.compile(r"[\s,;，；、]+")


def phone_key(raw: str) -> str:
    digits = _NON_DIGITS.sub("", raw or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if len(digits) >= 6 else ""


def _messages(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)
