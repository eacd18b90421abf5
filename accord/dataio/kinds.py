"""What each importable kind looks like: its columns (with the header names other tools use),
how a row is checked (the same rules as the CRM and project forms), how duplicates are found,
and how it is exported.

A ``Batch`` holds lookups fetched once per run (clients by name, existing e-mails and phones,
projects by code …) so that checking a row never queries the database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from dateutil import parser as dateparser
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.crm.models import Client, Contact, Interaction
from accord.lib.dates import validate_timezone
from accord.lib.money import validate_currency
from accord.projects.models import Milestone, Project, Task
from accord.tenancy.models import TEAM_ROLES, Membership, Role

from .readers import cjk_full_name, has_cjk


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


# --- the per-run context --------------------------------------------------------------------------


@dataclass(slots=True)
class RowResult:
    number: int
    values: dict
    problems: list[str] = field(default_factory=list)
    duplicate_of: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class Batch:
    """Lookups for one run, fetched once; and what the file has shown so far (in-file duplicates)."""

    def __init__(self, spec: KindSpec, member: Membership, default_client: Client | None = None):
        self.spec = spec
        self.member = member
        self.organization = member.organization
        self.org_id = member.organization_id
        self.tz = _org_zone(self.organization)
        # Zones that a file's headers name for their columns (keyed by field), set by the run.
        self.zones: dict = {}
        self.default_client = default_client
        self.seen: dict[str, int] = {}
        self.cache: dict = {}
        self.labels = spec.column_labels()
        # Set when the run commits batch by batch: what each batch writes besides plain inserts
        # (values replaced, links removed, obligations met) is recorded there to be undone.
        self.undo = None
        spec.prepare(self)

    # shared lookups
    def clients_by_name(self) -> dict[str, int]:
        if "clients" not in self.cache:
            mapping: dict[str, int] = {}
            for pk, name in (
                Client.objects.filter(organization_id=self.org_id).order_by("-id").values_list("id", "name")
            ):
                mapping[name.strip().lower()] = pk
            self.cache["clients"] = mapping
        return self.cache["clients"]

    def projects_by_code(self) -> dict[str, tuple[int, int, bool]]:
        """code → (project id, client id, may the importer write to it)."""
        if "projects" not in self.cache:
            member = self.member
            everything = member.role in (Role.OWNER, Role.ADMIN)
            on_team = set(
                Project.team.through.objects.filter(
                    user_id=member.user_id, project__organization_id=self.org_id
                ).values_list("project_id", flat=True)
            )
            mapping = {}
            for pk, code, client_id, manager_id in Project.objects.filter(
                organization_id=self.org_id
            ).values_list("id", "code", "client_id", "manager_id"):
                visible = (
                    member.role in (Role.OWNER, Role.ADMIN, Role.MANAGER)
                    or pk in on_team
                    or (manager_id == member.user_id)
                )
                writable = everything or pk in on_team or manager_id == member.user_id
                if visible:
                    mapping[code.strip().lower()] = (pk, client_id, writable)
            self.cache["projects"] = mapping
        return self.cache["projects"]

    def team_by_email(self) -> dict[str, int]:
        if "team" not in self.cache:
            self.cache["team"] = {
                email.lower(): user_id
                for user_id, email in Membership.objects.filter(
                    organization_id=self.org_id, role__in=TEAM_ROLES, is_active=True
                ).values_list("user_id", "user__email")
            }
        return self.cache["team"]

    def check_file_duplicate(self, result: RowResult, keys: list[tuple[str, str]]) -> None:
        for label, key in keys:
            if key in self.seen:
                result.problems.append(
                    _("Duplicate of row %(row)s in this file (same %(what)s).")
                    % {"row": self.seen[key], "what": label}
                )
                return

    def remember(self, result: RowResult, keys: list[tuple[str, str]]) -> None:
        for _label, key in keys:
            self.seen.setdefault(key, result.number)


def _org_zone(organization):
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(organization.default_timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


# --- kinds ---------------------------------------------------------------------------------------


class KindSpec:
    key = ""
    label = ""
    model: type[models.Model]
    columns: tuple[Column, ...] = ()
    # Export: (header, values_list path)
    export_fields: tuple[tuple[str, str], ...] = ()
    # Whether after_create needs the ids of the inserted rows.
    needs_ids = False

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def column_labels(self) -> dict[str, str]:
        labels = {}
        for col in self.columns:
            try:
                labels[col.key] = capfirst(str(self.model._meta.get_field(col.key).verbose_name))
            except Exception:  # noqa: BLE001 - virtual columns (a full name, a client by name)
                labels[col.key] = capfirst(str(VIRTUAL_LABELS.get(col.key, col.key)))
        return labels

    def prepare(self, batch: Batch) -> None:
        pass

    def suggest_mapping(self, headers: list[str]) -> dict[str, str]:
        """Column index (as a string) → field key, from header names in English and Chinese."""
        labels = self.column_labels()
        best: dict[str, tuple[int, int]] = {}  # key → (rank, index)
        for index, header in enumerate(headers):
            norm = normalize_header(header_zone(header)[0])
            if not norm:
                continue
            for col in self.columns:
                names = [*col.aliases, col.key.replace("_", " "), labels[col.key].lower()]
                with translation.override("zh-hans"):
                    names.append(str(labels_zh(self, col.key)).lower())
                names = [normalize_header(n) for n in names]
                if norm in names:
                    rank = names.index(norm)
                    if col.key not in best or rank < best[col.key][0]:
                        best[col.key] = (rank, index)
        mapping: dict[str, str] = {}
        taken: set[int] = set()
        for key, (_rank, index) in sorted(best.items(), key=lambda item: item[1][0]):
            if index in taken:
                continue
            taken.add(index)
            mapping[str(index)] = key
        return mapping

    # cleaning ---------------------------------------------------------------------------------
    def cleaners(self) -> dict[str, Callable]:
        """Per column, a function from a cell to its checked value (built once per kind)."""
        found = self.__dict__.get("_cleaners")
        if found is None:
            found = self.__dict__["_cleaners"] = {
                col.key: self._cleaner(col) for col in self.columns if col.kind != "ref"
            }
        return found

    def _cleaner(self, col: Column) -> Callable:
        kind = col.kind
        if kind == "currency":

            def currency(raw, batch):
                value = raw.strip().upper()
                validate_currency(value)
                return value

            return currency
        if kind == "timezone":

            def zone(raw, batch):
                value = raw.strip()
                validate_timezone(value)
                return value

            return zone
        if kind == "bool":
            return lambda raw, batch: parse_bool(raw)
        if kind == "date":
            return lambda raw, batch: parse_date(raw)
        if kind == "datetime":
            key = col.key
            return lambda raw, batch: parse_datetime(raw, batch.zones.get(key, batch.tz))
        if kind == "decimal":
            return lambda raw, batch: parse_decimal(raw)
        model_field = self.model._meta.get_field(col.key)
        if kind == "choice":
            accepted = _choice_map(model_field)

            def choice(raw, batch):
                value = accepted.get(raw.strip().lower())
                if value is None:
                    raise ValidationError(
                        _("“%(value)s” is not one of: %(choices)s."),
                        params={"value": raw, "choices": ", ".join(str(k) for k, _v in model_field.choices)},
                    )
                return value

            return choice
        limit = getattr(model_field, "max_length", None) or 0
        if kind == "text":
            # The common case, kept cheap: Django's own checks run only when a limit is broken.
            def text(raw, batch):
                if (limit and len(raw) > limit) or "\x00" in raw:
                    return model_field.clean(raw, None)
                return raw

            return text
        if kind == "email":
            # Plain addresses (what nearly every row holds) pass a stricter pattern than
            # Django's validator; anything else gets the validator and its message.
            def email(raw, batch):
                raw = raw.strip().lower()
                if len(raw) <= limit and _PLAIN_EMAIL.fullmatch(raw):
                    return raw
                return model_field.clean(raw, None)

            return email
        if kind == "url":
            return lambda raw, batch: model_field.clean(raw if "://" in raw else "https://" + raw, None)
        return lambda raw, batch: model_field.clean(raw, None)

    def row_cleaner(self, mapping: dict[str, str], batch: Batch) -> Callable[[int, list[str]], RowResult]:
        """A function checking one row's cells against the kind's rules, with everything that
        is the same for every row (positions, cleaners, labels) worked out once."""
        labels = batch.labels
        positions = {key: int(index) for index, key in mapping.items()}
        cleaners = self.cleaners()
        unmapped = 1 << 30  # past the end of any row: the cell reads as empty
        plan = []
        for col in self.columns:
            if col.key not in positions and not col.required:
                continue
            required = None
            if col.required and not self.has_fallback(col.key, batch):
                required = _("%(column)s: a value is required.") % {"column": labels[col.key]}
            # Plain text within its limit is kept as it is without a call (most cells are).
            limit = 0
            if col.kind == "text":
                limit = getattr(self.model._meta.get_field(col.key), "max_length", None) or 1 << 30
            plan.append(
                (
                    positions.get(col.key, unmapped),
                    col.key,
                    col.kind == "ref",
                    limit,
                    required,
                    cleaners.get(col.key),
                )
            )
        check_row = self.check_row

        def clean(number: int, cells: list[str]) -> RowResult:
            values: dict = {}
            problems: list[str] = []
            width = len(cells)
            for position, key, is_ref, limit, required, cleaner in plan:
                value = cells[position] if position < width else ""
                if not value:
                    if required is not None:
                        problems.append(required)
                    continue
                if is_ref:
                    values[key] = value.strip()
                elif limit and len(value) <= limit and "\x00" not in value:
                    values[key] = value
                else:
                    try:
                        values[key] = cleaner(value, batch)
                    except ValidationError as exc:
                        problems.append(f"{labels[key]}: {_messages(exc)}")
            result = RowResult(number, values, problems)
            check_row(result, batch)
            return result

        return clean

    def has_fallback(self, key: str, batch: Batch) -> bool:
        return False

    def check_row(self, result: RowResult, batch: Batch) -> None:
        """Kind-specific rules, references and duplicates."""

    def build(self, result: RowResult, batch: Batch) -> dict:
        """The new row as ``{attname: value}`` (the checked values; ``result`` is used up);
        fields left out get the model's defaults."""
        row = result.values  # the writer takes the model's fields from it and skips the rest
        row.update(row.pop("_refs", ()))
        row["organization_id"] = batch.org_id
        return row

    def apply(self, obj: models.Model, result: RowResult) -> list[str]:
        changed = []
        names = self.model_fields()
        for key, value in {
            **{k: v for k, v in result.values.items() if k in names},
            **result.values.get("_refs", {}),
        }.items():
            if getattr(obj, key) != value:
                setattr(obj, key, value)
                changed.append(key)
        return changed

    def model_fields(self) -> frozenset[str]:
        names = self.__dict__.get("_model_fields")
        if names is None:
            names = frozenset(f.name for f in self.model._meta.concrete_fields if not f.is_relation)
            self.__dict__["_model_fields"] = names
        return names

    def before_create(self, rows: list[dict], batch: Batch) -> None:
        """What a batch of new rows needs before it is inserted (clients they name …)."""

    def before_update(self, objs: list[models.Model], batch: Batch) -> None:
        """The same for a batch of changed records."""

    # The page of a record of this kind (linked from the preview's duplicate rows), if it has one.
    detail_url_name = ""

    def matches(self, org_id: int, ids: list[int]) -> dict[int, dict]:
        """The existing records rows match, by id: their name and page (one query)."""
        if not ids:
            return {}
        found = self.model.objects.filter(organization_id=org_id).in_bulk(ids)
        return {
            pk: {
                "name": str(obj),
                "url": reverse(self.detail_url_name, args=[pk]) if self.detail_url_name else "",
            }
            for pk, obj in found.items()
        }

    def existing(self, batch: Batch, ids: list[int]) -> dict[int, models.Model]:
        """The records a batch of duplicates will update, by id (one query)."""
        return self.model.objects.filter(organization_id=batch.org_id).in_bulk(ids)

    def after_update(self, objs: list[models.Model], batch: Batch) -> None:
        """What follows the update of a batch of changed records."""

    def after_create(self, rows: list[dict], ids: list[int], batch: Batch) -> None:
        """What follows the insert of a batch (with the new ids when ``needs_ids``)."""

    def export_queryset(self, member: Membership, params) -> models.QuerySet:
        raise NotImplementedError


VIRTUAL_LABELS = {
    "name": gettext_lazy("full name"),
    "phone_1_type": gettext_lazy("phone 1 (type)"),
    "phone_1_value": gettext_lazy("phone 1 (number)"),
    "phone_2_type": gettext_lazy("phone 2 (type)"),
    "phone_2_value": gettext_lazy("phone 2 (number)"),
    "phone_3_type": gettext_lazy("phone 3 (type)"),
    "phone_3_value": gettext_lazy("phone 3 (number)"),
    "phonetic_first_name": gettext_lazy("first name (pinyin)"),
    "phonetic_last_name": gettext_lazy("last name (pinyin)"),
    "client": gettext_lazy("client"),
    "project": gettext_lazy("project"),
    "assignee": gettext_lazy("assignee"),
    "milestone": gettext_lazy("milestone"),
    "owner": gettext_lazy("owner"),
}


def labels_zh(spec: KindSpec, key: str) -> str:
    try:
        return str(spec.model._meta.get_field(key).verbose_name)
    except Exception:  # noqa: BLE001
        return str(VIRTUAL_LABELS.get(key, key))


class ClientSpec(KindSpec):
    key = "clients"
    label = gettext_lazy("Clients")
    model = Client
    detail_url_name = "crm:client_detail"
    columns = (
        Column(
            "name",
            (
                "client name",
                "company",
                "company name",
                "client",
                "organization",
                "organisation",
                "account name",
                "客户名称",
                "客户",
                "公司名称",
                "公司",
                "单位",
                "名称",
            ),
            required=True,
        ),
        Column("status", ("状态",), kind="choice"),
        Column("industry", ("行业", "sector"), kind="choice"),
        Column("size", ("company size", "规模", "公司规模", "人数"), kind="choice"),
        Column("website", ("web page", "web site", "url", "网站", "网址", "官网"), kind="url"),
        Column("address", ("business address", "地址", "公司地址")),
        Column("language", ("语言",), kind="choice"),
        Column("timezone", ("time zone", "时区"), kind="timezone"),
        Column("currency", ("币种", "货币"), kind="currency"),
        Column("tags", ("labels", "标签")),
        Column("business", ("主营业务", "业务")),
        Column("goals", ("目标",)),
        Column("priorities", ("优先事项",)),
        Column("preferred_channel", ("channel", "首选渠道", "沟通渠道"), kind="choice"),
        Column("report_cadence", ("cadence", "汇报频率"), kind="choice"),
        Column("notes", ("note", "备注", "说明")),
    )
    export_fields = tuple((c.key, c.key) for c in columns)
    needs_ids = True

    def prepare(self, batch):
        batch.clients_by_name()

    def check_row(self, result, batch):
        from accord.crm.services import normalize_tags

        name = result.values.get("name", "")
        if "tags" in result.values:
            result.values["tags"] = normalize_tags(result.values["tags"])
        if not name:
            return
        key = "name:" + name.lower()
        batch.check_file_duplicate(result, [(BY_NAME, key)])
        result.duplicate_of = batch.clients_by_name().get(name.lower())
        batch.remember(result, [(BY_NAME, key)])

    def build(self, result, batch):
        org = batch.organization
        row = super().build(result, batch)
        row.setdefault("currency", org.default_currency)
        row.setdefault("timezone", org.default_timezone)
        return row

    def after_create(self, rows, ids, batch):
        mapping = batch.clients_by_name()
        for row, pk in zip(rows, ids, strict=True):
            mapping.setdefault(row["name"].lower(), pk)

    def export_queryset(self, member, params):
        from .selectors import client_export_queryset

        return client_export_queryset(member, params)


# Numbered phone columns of a Google export read by type; the words their type column uses.
PHONE_PAIRS = (1, 2, 3)
MOBILE_WORDS = ("mobile", "cell", "iphone", "手机", "移动")
WORK_WORDS = ("work", "business", "main", "company", "办公", "工作", "单位")
NOT_PHONE_WORDS = ("fax", "pager", "传真")


class ContactSpec(KindSpec):
    key = "contacts"
    label = gettext_lazy("Contacts")
    model = Contact
    detail_url_name = "crm:contact_detail"
    columns = (
        Column(
            "name",
            ("full name", "display name", "file as", "姓名", "名字", "联系人", "联系人姓名"),
            kind="ref",
        ),
        Column("first_name", ("first name", "given name", "名")),
        Column("last_name", ("last name", "family name", "surname", "姓")),
        Column("name_local", ("name in chinese", "chinese name", "local name", "中文名", "中文姓名")),
        Column(
            "client",
            (
                "company",
                "organization name",
                "organization 1 - name",
                "organization",
                "organisation",
                "client name",
                "account",
                "公司",
                "公司名称",
                "客户",
                "客户名称",
                "单位",
            ),
            kind="ref",
        ),
        Column(
            "title",
            (
                "job title",
                "organization title",
                "organization 1 - title",
                "position",
                "职位",
                "职务",
                "头衔",
                "title",
            ),
        ),
        Column("role", ("角色",), kind="choice"),
        Column(
            "email",
            (
                "e-mail",
                "email address",
                "e-mail address",
                "e-mail 1 - value",
                "email 1 - value",
                "primary email",
                "mail",
                "邮箱",
                "电子邮件",
                "电子邮箱",
                "邮件",
                "邮箱地址",
            ),
            kind="email",
        ),
        Column(
            "email_secondary",
            (
                "e-mail 2 address",
                "e-mail 2 - value",
                "email 2",
                "secondary email",
                "备用邮箱",
                "邮箱2",
                "第二邮箱",
            ),
            kind="email",
        ),
        Column(
            "phone",
            (
                "business phone",
                "work phone",
                "telephone",
                "phone number",
                "电话",
                "座机",
                "办公电话",
                "工作电话",
                "电话号码",
            ),
        ),
        Column(
            "mobile",
            (
                "mobile phone",
                "cell",
                "cell phone",
                "手机",
                "手机号",
                "手机号码",
                "移动电话",
            ),
        ),
        # Google's numbered phones: the type column says what each number is (Mobile, Work …).
        *(
            column
            for n in PHONE_PAIRS
            for column in (
                Column(f"phone_{n}_type", (f"phone {n} - type", f"phone {n} - label"), kind="ref"),
                Column(f"phone_{n}_value", (f"phone {n} - value",), kind="ref"),
            )
        ),
        Column(
            "phonetic_first_name", ("phonetic first name", "given name yomi", "first name yomi"), kind="ref"
        ),
        Column(
            "phonetic_last_name", ("phonetic last name", "family name yomi", "last name yomi"), kind="ref"
        ),
        Column("wechat", ("wechat id", "weixin", "微信", "微信号")),
        Column("wecom", ("企业微信",)),
        Column("dingtalk", ("钉钉",)),
        Column("feishu", ("lark", "飞书")),
        Column("slack", ()),
        Column("teams", ("microsoft teams",)),
        Column("preferred_channel", ("channel", "首选渠道"), kind="choice"),
        Column("language", ("语言",), kind="choice"),
        Column("timezone", ("time zone", "时区"), kind="timezone"),
        Column("notes", ("note", "备注", "说明")),
    )
    export_fields = (
        ("first_name", "first_name"),
        ("last_name", "last_name"),
        ("name_local", "name_local"),
        ("client", "client__name"),
        ("title", "title"),
        ("role", "role"),
        ("email", "email"),
        ("email_secondary", "email_secondary"),
        ("phone", "phone"),
        ("mobile", "mobile"),
        ("wechat", "wechat"),
        ("wecom", "wecom"),
        ("dingtalk", "dingtalk"),
        ("feishu", "feishu"),
        ("slack", "slack"),
        ("teams", "teams"),
        ("preferred_channel", "preferred_channel"),
        ("language", "language"),
        ("timezone", "timezone"),
        ("notes", "notes"),
    )

    def prepare(self, batch):
        batch.clients_by_name()
        emails: dict[str, int] = {}
        # E-mail addresses identify a person across the organisation; a phone number only
        # within one client (a switchboard or a shared line is not the same person elsewhere).
        phones: dict[tuple[int, str], int] = {}
        for pk, client_id, email, phone, mobile in (
            Contact.objects.filter(organization_id=batch.org_id)
            .order_by("-id")
            .values_list("id", "client_id", "email", "phone", "mobile")
        ):
            if email:
                emails[email.lower()] = pk
            for number in (phone, mobile):
                key = phone_key(number)
                if key:
                    phones[(client_id, key)] = pk
        batch.cache["emails"], batch.cache["phones"] = emails, phones
        batch.cache["new_client_note"] = _("New client “%(name)s” will be created.")

    def has_fallback(self, key, batch):
        return key == "client" and batch.default_client is not None

    def check_row(self, result, batch):
        values = result.values
        get = values.get
        self._phones_by_type(result, batch)
        phonetic = values.pop("phonetic_first_name", ""), values.pop("phonetic_last_name", "")
        if has_cjk(get("first_name", "") + get("last_name", "")):
            # A Chinese name split into given and family (Google, Outlook): written family
            # first without a space; the Western name is its pinyin, when the file has it.
            if not get("name_local"):
                values["name_local"] = cjk_full_name(get("last_name", ""), get("first_name", ""))[:100]
            values["first_name"], values["last_name"] = phonetic[0][:100], phonetic[1][:100]
        full = values.pop("name", "")
        if full and not (get("first_name") or get("last_name") or get("name_local")):
            if has_cjk(full):
                values["name_local"] = full[:100]
            else:
                parts = full.rsplit(" ", 1)
                first, last = (parts[0], parts[1]) if len(parts) == 2 else ("", full)
                values["first_name"], values["last_name"] = first[:100], last[:100]
        cache = batch.cache
        client_name = values.pop("client", "")
        refs = {}
        new_client = ""
        if client_name:
            client_id = cache["clients"].get(client_name.lower())
            if client_id is None:
                if len(client_name) > 200:
                    result.problems.append(_("The client’s name is longer than 200 characters."))
                else:
                    result.notes.append(cache["new_client_note"] % {"name": client_name})
                    new_client = client_name
            else:
                refs["client_id"] = client_id
        values["_refs"] = refs
        values["_new_client"] = new_client
        # What makes a contact the same as another: its e-mail (anywhere in the organisation),
        # or either phone number of a contact of the row's own client.
        if new_client:
            row_client, client_key = None, "new:" + new_client.lower()
        elif client_name:
            row_client = client_key = refs.get("client_id")
        else:
            row_client = client_key = batch.default_client.pk if batch.default_client else None
        keys = []
        existing = None
        email = get("email")
        if email:
            keys.append((BY_EMAIL, "email:" + email))
            existing = cache["emails"].get(email)
        for field_name in ("mobile", "phone"):
            number = get(field_name)
            if number and (number := phone_key(number)) and client_key is not None:
                keys.append((BY_PHONE, f"phone:{client_key}:{number}"))
                if row_client is not None:
                    existing = existing or cache["phones"].get((row_client, number))
        if keys:
            batch.check_file_duplicate(result, keys)
        result.duplicate_of = existing
        if not existing:
            # A new contact needs a name and a client; an update keeps the ones it has.
            if not (get("first_name") or get("last_name") or get("name_local")):
                result.problems.append(_("Enter a name: a first or last name, or the name in Chinese."))
            if not client_name and batch.default_client is None:
                result.problems.append(
                    _("Client: a value is required (or choose a client for rows without one).")
                )
        if keys and not result.problems:
            batch.remember(result, keys)

    def _phones_by_type(self, result, batch) -> None:
        """Google's numbered phone columns put where their type says: a mobile number in mobile,
        a work number in phone, any other number in whichever of the two is still empty."""
        values = result.values
        untyped = []
        for n in PHONE_PAIRS:
            label = values.pop(f"phone_{n}_type", "").lower()
            number = values.pop(f"phone_{n}_value", "").split(":::")[0].strip()
            if not number or any(word in label for word in NOT_PHONE_WORDS):
                continue
            if any(word in label for word in MOBILE_WORDS):
                target = "mobile"
            elif any(word in label for word in WORK_WORDS):
                target = "phone"
            else:
                untyped.append(number)
                continue
            if not values.get(target):
                values[target] = number
        for number in untyped:
            target = "phone" if not values.get("phone") else "mobile"
            if not values.get(target):
                values[target] = number
        cleaners = self.cleaners()
        for key in ("phone", "mobile"):
            if values.get(key):
                try:
                    values[key] = cleaners[key](values[key], batch)
                except ValidationError as exc:
                    result.problems.append(f"{batch.labels[key]}: {_messages(exc)}")
                    values.pop(key)

    def build(self, result, batch):
        row = super().build(result, batch)
        row["_new_client"] = new_client = result.values.get("_new_client", "")
        if "client_id" not in row and not new_client and batch.default_client is not None:
            row["client_id"] = batch.default_client.pk
        return row

    def apply(self, obj, result):
        changed = super().apply(obj, result)
        obj._new_client = result.values.get("_new_client", "")
        if obj._new_client and "client_id" not in changed:
            changed.append("client_id")
        return changed

    def before_create(self, rows, batch):
        known = self._create_clients([row.get("_new_client", "") for row in rows], batch)
        for row in rows:
            name = row.pop("_new_client", "")
            if name:
                row["client_id"] = known[name.lower()]

    def before_update(self, objs, batch):
        known = self._create_clients([getattr(obj, "_new_client", "") for obj in objs], batch)
        for obj in objs:
            name = getattr(obj, "_new_client", "")
            if name:
                obj.client_id = known[name.lower()]

    def _create_clients(self, names: list[str], batch) -> dict[str, int]:
        """Create the clients that rows name but that do not exist yet, in one insert."""
        from .writer import writer_for

        known = batch.clients_by_name()
        wanted: dict[str, str] = {}
        for name in names:
            if name and name.lower() not in known:
                wanted.setdefault(name.lower(), name)
        if wanted:
            org = batch.organization
            rows = [
                {
                    "organization_id": batch.org_id,
                    "name": name,
                    "currency": org.default_currency,
                    "timezone": org.default_timezone,
                }
                for name in wanted.values()
            ]
            ids = writer_for(Client).insert(rows, returning=True)
            for key, pk in zip(wanted, ids, strict=True):
                known[key] = pk
            batch.cache["created_clients"] = batch.cache.get("created_clients", 0) + len(wanted)
        return known

    def export_queryset(self, member, params):
        from .selectors import contact_export_queryset

        return contact_export_queryset(member, params)


class InteractionSpec(KindSpec):
    key = "interactions"
    label = gettext_lazy("Interactions")
    model = Interaction
    detail_url_name = "crm:interaction_detail"
    columns = (
        Column("client", ("company", "client name", "客户", "客户名称", "公司"), kind="ref", required=True),
        Column("project", ("project code", "项目", "项目编号", "项目代码"), kind="ref"),
        Column("kind", ("type", "类型", "方式"), kind="choice"),
        Column("channel", ("渠道",), kind="choice"),
        Column("direction", ("方向",), kind="choice"),
        Column(
            "occurred_at",
            ("when", "date", "datetime", "occurred at", "time", "时间", "日期", "发生时间"),
            required=True,
            kind="datetime",
        ),
        Column("summary", ("subject", "title", "摘要", "主题", "标题"), required=True),
        Column("body", ("details", "description", "notes", "详情", "内容", "正文")),
        Column("sentiment", ("情绪", "态度"), kind="choice"),
        Column("follow_up_on", ("follow up on", "follow-up date", "跟进日期"), kind="date"),
        Column("external_id", ("external id", "id", "外部编号")),
        Column(
            "contacts",
            ("contact", "contact e-mails", "participants", "attendees", "with", "联系人", "参与人", "参会人"),
            kind="ref",
        ),
    )
    export_fields = (
        ("client", "client__name"),
        ("project", "project__code"),
        ("kind", "kind"),
        ("channel", "channel"),
        ("direction", "direction"),
        ("occurred_at", "occurred_at"),
        ("summary", "summary"),
        ("body", "body"),
        ("sentiment", "sentiment"),
        ("follow_up_on", "follow_up_on"),
        ("external_id", "external_id"),
        ("contacts", "contact_emails"),
    )

    def prepare(self, batch):
        batch.clients_by_name()
        batch.projects_by_code()
        existing: dict[str, int] = {}
        for pk, client_id, when, summary, external in Interaction.objects.filter(
            organization_id=batch.org_id
        ).values_list("id", "client_id", "occurred_at", "summary", "external_id"):
            if external:
                existing["ext:" + external] = pk
            # To the second: a spreadsheet keeps no finer time, so a workbook round trip still matches.
            existing[f"row:{client_id}:{when.replace(microsecond=0).isoformat()}:{summary.lower()}"] = pk
        batch.cache["interactions"] = existing

    def has_fallback(self, key, batch):
        return key == "client" and batch.default_client is not None

    def check_row(self, result, batch):
        values = result.values
        if "summary" in values and not values["summary"].strip():
            result.problems.append(_("Enter a one-line summary."))
        refs = {}
        client_name = values.pop("client", "")
        client_id = None
        if client_name:
            client_id = batch.clients_by_name().get(client_name.lower())
            if client_id is None:
                result.problems.append(
                    _("No client is named “%(name)s”: import the client first or correct the name.")
                    % {"name": client_name}
                )
        elif batch.default_client is not None:
            client_id = batch.default_client.pk
        refs["client_id"] = client_id
        code = values.pop("project", "")
        if code:
            project = batch.projects_by_code().get(code.lower())
            if project is None or (client_id and project[1] != client_id):
                result.problems.append(_("“%(code)s” is not one of this client’s projects.") % {"code": code})
            else:
                refs["project_id"] = project[0]
        values["_refs"] = refs
        values["_contact_ids"] = self._contact_ids(result, values.pop("contacts", ""), client_id, batch)
        keys = []
        if values.get("external_id"):
            keys.append((BY_EXTERNAL_ID, "ext:" + values["external_id"]))
        elif client_id and values.get("occurred_at") and values.get("summary"):
            when = values["occurred_at"].astimezone(dt.UTC).replace(microsecond=0)
            keys.append(
                (
                    BY_CLIENT_TIME_SUMMARY,
                    f"row:{client_id}:{when.isoformat()}:{values['summary'].lower()}",
                )
            )
        batch.check_file_duplicate(result, keys)
        for _label, key in keys:
            existing = batch.cache["interactions"].get(key)
            if existing:
                result.duplicate_of = existing
        if result.ok:
            batch.remember(result, keys)

    def _contact_ids(self, result, cell: str, client_id, batch) -> list[int]:
        """The client's contacts a cell names by e-mail (several separated by commas,
        semicolons or spaces)."""
        if not cell:
            return []
        if "contacts" not in batch.cache:
            by_email: dict[str, tuple[int, int]] = {}
            for pk, contact_client, email, secondary in (
                Contact.objects.filter(organization_id=batch.org_id)
                .order_by("-id")
                .values_list("id", "client_id", "email", "email_secondary")
            ):
                for address in (secondary, email):
                    if address:
                        by_email[address.lower()] = (pk, contact_client)
            batch.cache["contacts"] = by_email
        ids: list[int] = []
        for address in _LIST_SEPARATORS.split(cell.lower()):
            if not address:
                continue
            found = batch.cache["contacts"].get(address)
            if found is None or (client_id and found[1] != client_id):
                result.problems.append(
                    _("“%(email)s” is not the e-mail of one of this client’s contacts.") % {"email": address}
                )
            elif found[0] not in ids:
                ids.append(found[0])
        return ids

    def build(self, result, batch):
        row = super().build(result, batch)
        row["created_by_id"] = batch.member.user_id
        row["source"] = "import"
        return row

    needs_ids = True

    def after_create(self, rows, ids, batch):
        """Who took part, and the plan obligations the new interactions meet (as when they are
        logged by hand), for the whole batch at once."""
        from accord.comms.services import interactions_logged

        from .writer import writer_for

        through = Interaction.contacts.through
        links = [
            {"interaction_id": pk, "contact_id": contact_id}
            for row, pk in zip(rows, ids, strict=True)
            for contact_id in row["_contact_ids"]
        ]
        if not links:
            return
        writer_for(through).insert(links)
        logged, contacts = [], {}
        for row, pk in zip(rows, ids, strict=True):
            if row["_contact_ids"]:
                logged.append(Interaction(pk=pk, **{k: v for k, v in row.items() if not k.startswith("_")}))
                contacts[pk] = set(row["_contact_ids"])
        met = interactions_logged(logged, contacts=contacts)
        if batch.undo is not None and met:
            batch.undo.met(type(met[0]), [o.pk for o in met])

    def existing(self, batch, ids):
        return (
            Interaction.objects.filter(organization_id=batch.org_id).prefetch_related("contacts").in_bulk(ids)
        )

    def apply(self, obj, result):
        changed = super().apply(obj, result)
        current = {c.pk for c in obj.contacts.all()}
        wanted = result.values.get("_contact_ids") or []
        # A cell naming contacts sets who took part; an empty one keeps them.
        obj._new_contacts = wanted if wanted and set(wanted) != current else None
        obj._contact_set = set(wanted) if wanted else current
        if obj._new_contacts is not None:
            changed.append("contacts")
        return changed

    def after_update(self, objs, batch):
        """New participants, and the plan obligations the changed interactions meet (as when
        they are changed by hand), for the whole batch at once."""
        from accord.comms.services import interactions_logged

        from .writer import writer_for

        through = Interaction.contacts.through
        replaced = [obj for obj in objs if obj._new_contacts is not None]
        if replaced:
            removed = through.objects.filter(interaction_id__in=[obj.pk for obj in replaced])
            if batch.undo is not None:
                batch.undo.unlinked(through, list(removed.values("interaction_id", "contact_id")))
            removed.delete()
            writer_for(through).insert(
                [{"interaction_id": obj.pk, "contact_id": pk} for obj in replaced for pk in obj._new_contacts]
            )
        met = interactions_logged(objs, contacts={obj.pk: obj._contact_set for obj in objs})
        if batch.undo is not None and met:
            batch.undo.met(type(met[0]), [o.pk for o in met])

    def export_queryset(self, member, params):
        from .selectors import interaction_export_queryset

        return interaction_export_queryset(member, params)


class TaskSpec(KindSpec):
    key = "tasks"
    label = gettext_lazy("Tasks")
    model = Task
    columns = (
        Column("project", ("project code", "项目", "项目编号", "项目代码"), kind="ref", required=True),
        Column("title", ("task", "task name", "name", "subject", "标题", "任务", "任务名称"), required=True),
        Column("description", ("details", "notes", "描述", "说明", "详情")),
        Column("status", ("状态",), kind="choice"),
        Column("kind", ("type", "类型"), kind="choice"),
        Column("assignee", ("assigned to", "owner", "负责人", "执行人", "指派给"), kind="ref"),
        Column("due_date", ("due", "due date", "deadline", "截止日期", "到期日", "截止时间"), kind="date"),
        Column("estimate_hours", ("estimate", "estimated hours", "预估工时", "估计工时"), kind="decimal"),
        Column("spent_hours", ("spent", "actual hours", "实际工时", "已用工时"), kind="decimal"),
        Column("milestone", ("里程碑",), kind="ref"),
        Column("client_visible", ("visible to the client", "client visible", "客户可见"), kind="bool"),
    )
    export_fields = (
        ("project", "project__code"),
        ("title", "title"),
        ("description", "description"),
        ("status", "status"),
        ("kind", "kind"),
        ("assignee", "assignee__email"),
        ("due_date", "due_date"),
        ("estimate_hours", "estimate_hours"),
        ("spent_hours", "spent_hours"),
        ("milestone", "milestone__name"),
        ("client_visible", "client_visible"),
    )

    def prepare(self, batch):
        projects = batch.projects_by_code()
        batch.team_by_email()
        ids = [p[0] for p in projects.values()]
        batch.cache["milestones"] = {
            (project_id, name.strip().lower()): pk
            for pk, project_id, name in Milestone.objects.filter(
                organization_id=batch.org_id, project_id__in=ids
            ).values_list("id", "project_id", "name")
        }
        batch.cache["tasks"] = {
            f"{project_id}:{title.strip().lower()}": pk
            for pk, project_id, title in Task.objects.filter(organization_id=batch.org_id).values_list(
                "id", "project_id", "title"
            )
        }

    def check_row(self, result, batch):
        values = result.values
        refs = {}
        code = values.pop("project", "")
        project_id = None
        if code:
            project = batch.projects_by_code().get(code.lower())
            if project is None:
                result.problems.append(_("No project has the code “%(code)s”.") % {"code": code})
            elif not project[2]:
                result.problems.append(
                    _("You may not add tasks to project “%(code)s”: you are not on its team.")
                    % {"code": code}
                )
            else:
                project_id = refs["project_id"] = project[0]
        email = values.pop("assignee", "").lower()
        if email:
            user_id = batch.team_by_email().get(email)
            if user_id is None:
                result.problems.append(_("“%(email)s” is not a member of your team.") % {"email": email})
            else:
                refs["assignee_id"] = user_id
        milestone = values.pop("milestone", "")
        if milestone and project_id:
            milestone_id = batch.cache["milestones"].get((project_id, milestone.lower()))
            if milestone_id is None:
                result.problems.append(
                    _("Project “%(code)s” has no milestone “%(name)s”.") % {"code": code, "name": milestone}
                )
            else:
                refs["milestone_id"] = milestone_id
        if values.get("status") == "done" and "done_on" not in values:
            values["done_on"] = timezone.localdate()
        values["_refs"] = refs
        keys = []
        if project_id and values.get("title"):
            keys.append((BY_PROJECT_TITLE, f"{project_id}:{values['title'].lower()}"))
        batch.check_file_duplicate(result, keys)
        for _label, key in keys:
            result.duplicate_of = batch.cache["tasks"].get(key)
        if result.ok:
            batch.remember(result, keys)

    def export_queryset(self, member, params):
        from .selectors import task_export_queryset

        return task_export_queryset(member, params)


SPECS: dict[str, KindSpec] = {
    spec.key: spec for spec in (ClientSpec(), ContactSpec(), InteractionSpec(), TaskSpec())
}


def register_risks() -> None:
    """Risks join the kinds here (their module builds on this one)."""
    from .risk_kind import risk_spec

    SPECS[risk_spec().key] = risk_spec()


def spec_for(kind: str) -> KindSpec:
    from django.http import Http404

    if kind not in SPECS:
        register_risks()
    try:
        return SPECS[kind]
    except KeyError:
        raise Http404 from None
