"""The CRM kinds: clients, contacts (with the phone columns of other tools) and interactions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.crm.models import Client, Contact, Interaction

from ..readers import cjk_full_name, has_cjk
from .base import KindSpec
from .values import (
    _LIST_SEPARATORS,
    BY_CLIENT_TIME_SUMMARY,
    BY_EMAIL,
    BY_EXTERNAL_ID,
    BY_NAME,
    BY_PHONE,
    Column,
    _messages,
    phone_key,
)


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
        from ..selectors import client_export_queryset

        return client_export_queryset(member, params)


# Numbered phone columns of a Google export read by type; the words their type column uses.
PHONE_PAIRS = (1, 2, 3)
MOBILE_WORDS = ("mobile", "cell", "iphone", "手机", "移动")
WORK_WORDS = ("work", "business", "main", "company", "办公", "工作", "单位")
NOT_PHONE_WORDS = ("fax", "pager", "传真")


class ClientPhones:
    """The existing contacts' phone numbers by client, each client's worked out (``phone_key``)
    the first time a row of that client asks: a file for a few clients no longer normalises the
    numbers of every contact of the organisation (200,000 numbers: a third of a 10,000-row
    import). Added newest first: for a number two contacts share, the oldest is the match."""

    def __init__(self):
        self.rows: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
        self.keys: dict[int, dict[str, int]] = {}

    def add(self, client_id: int, pk: int, phone: str, mobile: str) -> None:
        self.rows[client_id].append((pk, phone, mobile))

    def get(self, client_id: int, number: str) -> int | None:
        keys = self.keys.get(client_id)
        if keys is None:
            keys = self.keys[client_id] = {}
            for pk, phone, mobile in self.rows.pop(client_id, ()):
                for raw in (phone, mobile):
                    key = phone_key(raw)
                    if key:
                        keys[key] = pk
        return keys.get(number)


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
        phones = ClientPhones()
        for pk, client_id, email, phone, mobile in (
            Contact.objects.filter(organization_id=batch.org_id)
            .order_by("-id")
            .values_list("id", "client_id", "email", "phone", "mobile")
        ):
            if email:
                emails[email.lower()] = pk
            if phone or mobile:
                phones.add(client_id, pk, phone, mobile)
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
                    existing = existing or cache["phones"].get(row_client, number)
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
        from ..writer import writer_for

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
        from ..selectors import contact_export_queryset

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

        from ..writer import writer_for

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

        from ..writer import writer_for

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
        from ..selectors import interaction_export_queryset

        return interaction_export_queryset(member, params)
