"""What every importable kind shares: columns, checking a row, duplicates, export."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.lib.dates import validate_timezone
from accord.lib.money import validate_currency
from accord.tenancy.models import Membership

from .batch import Batch, RowResult
from .values import (
    _PLAIN_EMAIL,
    Column,
    _choice_map,
    _messages,
    header_zone,
    normalize_header,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_decimal,
)

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
