"""The import engine with real files: rules, duplicates, policies, all-or-nothing and audit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accord.audit.models import AuditEntry
from accord.crm.models import Client, Contact, Interaction
from accord.dataio import services
from accord.dataio.models import ImportRun, ImportStatus
from accord.projects.models import Task
from accord.testing import factories as f

from .conftest import upload


def run_import(
    member, kind, name, content, *, duplicates="skip", default_client=None, mapping=None, encoding="utf-8"
):
    run = services.import_run_create(
        actor=member, kind=kind, upload=upload(name, content, encoding), default_client=default_client
    )
    run = services.import_run_configure(
        actor=member,
        run=run,
        mapping=mapping or run.mapping,
        duplicates=duplicates,
        default_client=default_client,
    )
    preview = services.import_preview(actor=member, run=run)
    return services.import_run_execute(run_id=run.pk), preview


@pytest.fixture
def admin(world):
    return world.memberships[world.admin.pk]


def test_google_contacts_export_maps_and_imports(world, admin):
    text = (
        "Name,Given Name,Family Name,E-mail 1 - Value,Phone 1 - Value,"
        "Organization 1 - Name,Organization 1 - Title,Notes\n"
        "Wei Wang,Wei,Wang,wang.wei@example.cn,+86 138 0000 0001,"
        'Huaxin Manufacturing 华信制造,CIO,"met at\nthe fair"\n'
    )
    run, preview = run_import(admin, "contacts", "google.csv", text)
    assert run.mapping == {
        "0": "name",
        "1": "first_name",
        "2": "last_name",
        "3": "email",
        "4": "phone_1_value",  # read by its type column; without one, the first free phone
        "5": "client",
        "6": "title",
        "7": "notes",
    }
    assert (preview.total, preview.new, preview.invalid) == (1, 1, 0)
    assert run.status == ImportStatus.DONE and run.created_count == 1
    contact = Contact.objects.get(email="wang.wei@example.cn")
    assert (contact.first_name, contact.last_name, contact.title) == ("Wei", "Wang", "CIO")
    assert (contact.phone, contact.mobile) == ("+86 138 0000 0001", "")
    assert contact.client_id == world.client.pk
    assert contact.organization_id == world.org.pk
    assert contact.notes == "met at\nthe fair"


def test_outlook_export_prefers_job_title_over_honorific(admin):
    text = (
        "Title,First Name,Last Name,Company,Job Title,Business Phone,Mobile Phone,E-mail Address\n"
        "Mr.,John,Smith,Newco,CTO,+1 555 0100,+1 555 0101,john@newco.example\n"
    )
    run, _p = run_import(admin, "contacts", "outlook.csv", text)
    assert run.mapping["4"] == "title" and "0" not in run.mapping
    contact = Contact.objects.get(email="john@newco.example")
    assert contact.title == "CTO" and contact.mobile == "+1 555 0101"
    # An unknown company becomes a new client of the organisation, with its defaults.
    assert contact.client.name == "Newco" and contact.client.organization_id == contact.organization_id
    assert contact.client.currency == "EUR"


def test_chinese_headers_gbk_and_problems_per_row(world, admin):
    text = (
        "姓名,邮箱,手机,公司,职位,微信,时区\r\n"
        "王伟,wang.wei@example.cn,13800000001,华信制造新公司,经理,wangwei88,Asia/Shanghai\r\n"
        "张三,not-an-email,,华信制造新公司,,,\r\n"
        ",nobody@example.cn,,华信制造新公司,,,\r\n"
        "李四,lisi@example.cn,,华信制造新公司,,,Mars/Olympus\r\n"
        "王伟二号,WANG.WEI@example.cn,,华信制造新公司,,,\r\n"
        "李娜,li.na@client.example,,,,,\r\n"
        "赵六,zhao@example.cn,138-0000-0001,华信制造新公司,,,\r\n"
    )
    run, preview = run_import(admin, "contacts", "gbk.csv", text, encoding="gbk", default_client=world.client)
    assert run.encoding == "gb18030"
    problems = {row["row"]: row["problems"] for row in preview.rows}
    assert problems[2] == []
    assert "Enter a valid email address" in problems[3][0]
    assert problems[4] == ["Enter a name: a first or last name, or the name in Chinese."]
    assert "not a known time zone" in problems[5][0]
    assert "Duplicate of row 2 in this file (same e-mail)" in problems[6][0]
    assert "Duplicate of row 2 in this file (same phone)" in problems[8][0]
    assert next(r for r in preview.rows if r["row"] == 7)["duplicate_of"] == world.contact.pk
    assert (preview.total, preview.new, preview.duplicates, preview.invalid) == (7, 1, 1, 5)
    assert (run.created_count, run.skipped_count, run.rejected_count) == (1, 1, 5)
    wang = Contact.objects.get(email="wang.wei@example.cn")
    assert (wang.name_local, wang.wechat, wang.timezone) == ("王伟", "wangwei88", "Asia/Shanghai")
    report = (services.storage_dir() / run.report_path).read_bytes()
    assert report.startswith(b"\xef\xbb\xbf")
    assert "not-an-email" in report.decode("utf-8-sig")
    assert report.decode("utf-8-sig").count("\n") == 6  # header + 5 rejected rows


def test_update_duplicates_changes_only_given_values(world, admin):
    world.contact.phone = "+49 30 1234567"
    world.contact.save()
    text = "email,title,phone\nLI.NA@client.example,采购总监,\n"
    run, _p = run_import(admin, "contacts", "u.csv", text, duplicates="update", default_client=world.client)
    assert (run.created_count, run.updated_count) == (0, 1)
    world.contact.refresh_from_db()
    assert world.contact.title == "采购总监"
    assert world.contact.phone == "+49 30 1234567"  # an empty cell keeps what is there


def test_skip_duplicates_leaves_record_alone(world, admin):
    text = "email,title\nli.na@client.example,Changed\n"
    run, _p = run_import(admin, "contacts", "s.csv", text, default_client=world.client)
    assert (run.created_count, run.skipped_count) == (0, 1)
    world.contact.refresh_from_db()
    assert world.contact.title != "Changed"


def test_other_organisations_records_are_not_duplicates(world, admin):
    text = f"email,last name\n{world.foreign_contact.email},Someone\n"
    run, _p = run_import(admin, "contacts", "x.csv", text, default_client=world.client)
    assert run.created_count == 1
    assert Contact.objects.filter(email=world.foreign_contact.email, organization=world.org).exists()


def test_one_summary_audit_event_per_run(world, admin):
    text = "last name,email\n" + "".join(f"P{i},p{i}@example.cn\n" for i in range(30))
    before = AuditEntry.objects.count()
    run, _p = run_import(admin, "contacts", "many.csv", text, default_client=world.client)
    assert run.created_count == 30
    entries = AuditEntry.objects.filter(id__gt=0).order_by("-id")[: AuditEntry.objects.count() - before]
    assert len(entries) == 1
    assert entries[0].verb == "import.completed"
    assert entries[0].changes["created"] == [None, 30]


def test_required_column_must_be_mapped(world, admin):
    run = services.import_run_create(
        actor=admin, kind="clients", upload=upload("c.csv", "industry\nretail\n")
    )
    with pytest.raises(ValidationError, match="Name"):
        services.import_run_configure(actor=admin, run=run, mapping=run.mapping, duplicates="skip")
    with pytest.raises(ValidationError, match="Two columns"):
        run2 = services.import_run_create(actor=admin, kind="clients", upload=upload("c.csv", "a,b\nx,y\n"))
        services.import_run_configure(
            actor=admin, run=run2, mapping={"0": "name", "1": "name"}, duplicates="skip"
        )


def test_clients_with_choices_in_either_language(world, admin):
    text = (
        "客户名称,行业,状态,币种,时区,网站,标签\n"
        "东方物流,物流,潜在客户,cny,Asia/Shanghai,dongfang.example,物流，重点, 物流\n"
        "Acme,Retail and e-commerce,active,ABC,UTC,,\n"
        "Huaxin Manufacturing 华信制造,software,,,,,\n"
    )
    run, preview = run_import(admin, "clients", "clients.csv", text)
    assert preview.invalid == 1 and preview.duplicates == 1
    client = Client.objects.get(name="东方物流")
    assert (client.industry, client.status, client.currency) == ("logistics", "prospect", "CNY")
    assert client.website == "https://dongfang.example"
    assert client.tags == "物流, 重点"
    bad = next(r for r in preview.rows if r["row"] == 3)
    assert "ISO 4217" in bad["problems"][0]


def test_interactions_need_a_known_client_and_project(world, admin):
    text = (
        "client,project,kind,when,summary,external id\n"
        f"{world.client.name},{world.project.code},call,2026-03-02 10:00,Kick-off call,ext-1\n"
        f"{world.client.name},{world.foreign_project.code},note,2026-03-02,Wrong project,\n"
        "Nobody Ltd,,note,2026-03-02,Unknown client,\n"
        f"{world.client.name},,meeting,yesterday-ish,Bad date,\n"
        f"{world.client.name},,email,2026-03-03T09:00:00+08:00,Same again,ext-1\n"
    )
    run, preview = run_import(admin, "interactions", "i.csv", text)
    assert run.created_count == 1 and run.rejected_count == 4
    interaction = Interaction.objects.get(external_id="ext-1")
    assert interaction.project_id == world.project.pk and interaction.source == "import"
    assert interaction.created_by_id == world.admin.pk
    # Naive times are in the organisation's time zone (UTC here).
    assert interaction.occurred_at == dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    # Importing the same file again finds every accepted row already there.
    run2, preview2 = run_import(admin, "interactions", "i.csv", text)
    assert preview2.duplicates == 1 and run2.created_count == 0


def test_tasks_only_on_projects_the_importer_works_on(world):
    manager = world.memberships[world.manager.pk]
    foreign_manager_project = f.ProjectFactory(client=world.client, manager=world.owner)
    text = (
        "项目编号,任务名称,状态,负责人,截止日期,预估工时,客户可见\n"
        f"{world.project.code},Install ERP,进行中,member@acme.example,2026-04-30,12.5,是\n"
        f"{foreign_manager_project.code},Not mine,todo,,,,\n"
        f"{world.project.code},Bad owner,todo,someone@else.example,,,\n"
        f"{world.project.code},Bad hours,todo,,,-3,\n"
    )
    run, _preview = run_import(manager, "tasks", "tasks.csv", text)
    assert (run.created_count, run.rejected_count) == (1, 3)
    task = Task.objects.get(title="Install ERP")
    assert (task.status, task.assignee_id, task.estimate_hours, task.client_visible) == (
        "doing",
        world.member.pk,
        Decimal("12.5"),
        True,
    )
    assert task.due_date == dt.date(2026, 4, 30)


def test_members_may_not_import(world):
    member = world.memberships[world.member.pk]
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.import_run_create(actor=member, kind="clients", upload=upload("c.csv", "name\nA\n"))


def test_a_database_failure_rolls_back_the_whole_run(world, admin, monkeypatch):
    text = "last name,email\n" + "".join(f"P{i},p{i}@example.cn\n" for i in range(5))
    run = services.import_run_create(
        actor=admin, kind="contacts", upload=upload("c.csv", text), default_client=world.client
    )
    services.import_run_configure(
        actor=admin, run=run, mapping=run.mapping, duplicates="skip", default_client=world.client
    )
    before = Contact.objects.count()
    # The file is changed on disk after it was checked: a bad byte appears halfway.
    path = services.run_path(run)
    path.write_bytes(path.read_bytes() + b"P9,\xff\xfe@example.cn\n")
    run = services.import_run_execute(run_id=run.pk)
    assert run.status == ImportStatus.FAILED
    assert "not valid" in run.error
    assert Contact.objects.count() == before
    assert run.created_count == 0


def test_run_is_claimed_once(world, admin):
    run, _p = run_import(admin, "clients", "c.csv", "name\nOnce Ltd\n")
    again = services.import_run_execute(run_id=run.pk)
    assert again.status == ImportStatus.DONE
    assert Client.objects.filter(name="Once Ltd").count() == 1
    with pytest.raises(ValidationError, match="already run"):
        services.import_run_configure(actor=admin, run=again, mapping={"0": "name"}, duplicates="skip")


def test_large_file_runs_in_the_background(world, admin, settings, django_capture_on_commit_callbacks):
    settings.ACCORD_IMPORT_SYNC_ROWS = 2
    text = "name\n" + "".join(f"Background {i}\n" for i in range(5))
    run = services.import_run_create(actor=admin, kind="clients", upload=upload("c.csv", text))
    services.import_run_configure(actor=admin, run=run, mapping=run.mapping, duplicates="skip")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = services.import_run_start(actor=admin, run=run)
        assert run.status == ImportStatus.QUEUED
    assert callbacks  # the task was enqueued after commit, not before
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE and run.created_count == 5


def test_dry_run_saves_nothing(world, admin):
    run = services.import_run_create(actor=admin, kind="clients", upload=upload("c.csv", "name\nDry Ltd\n"))
    services.import_run_configure(actor=admin, run=run, mapping=run.mapping, duplicates="skip")
    run = services.import_run_execute(run_id=run.pk, dry_run=True)
    assert run.created_count == 1
    assert not Client.objects.filter(name="Dry Ltd").exists()
    assert ImportRun.objects.filter(pk=run.pk).exists()


def test_vcard_import(world, admin):
    import vobject

    card = vobject.vCard()
    card.add("n").value = vobject.vcard.Name(family="Smith", given="Jane")
    card.add("fn").value = "Jane Smith"
    card.add("org").value = [world.client.name]
    card.add("email").value = "jane@example.com"
    run, _p = run_import(admin, "contacts", "jane.vcf", card.serialize())
    assert run.file_format == "vcf" and run.created_count == 1
    assert Contact.objects.get(email="jane@example.com").client_id == world.client.pk


def test_vcard_only_for_contacts(admin):
    with pytest.raises(ValidationError, match="contacts"):
        services.import_run_create(
            actor=admin, kind="clients", upload=upload("a.vcf", "BEGIN:VCARD\nEND:VCARD\n")
        )


def test_upload_over_the_cap_is_refused(admin, settings):
    settings.ACCORD_MAX_UPLOAD_BYTES = 100
    with pytest.raises(ValidationError, match="larger than"):
        services.import_run_create(actor=admin, kind="clients", upload=upload("c.csv", "name\n" + "x" * 200))
    assert not ImportRun.objects.exists()


def test_too_long_values_are_problems_not_truncations(world, admin):
    text = "last name,job title\nLong,{}\n".format("x" * 151)
    run, preview = run_import(admin, "contacts", "long.csv", text, default_client=world.client)
    assert "at most 150 characters" in preview.rows[0]["problems"][0]
    assert run.rejected_count == 1 and run.created_count == 0


def test_messages_in_chinese(world, admin):
    from django.utils import translation

    with translation.override("zh-hans"):
        run = services.import_run_create(
            actor=admin,
            kind="contacts",
            upload=upload("c.csv", "姓名,邮箱\n王伟,bad\n"),
            default_client=world.client,
        )
        preview = services.import_preview(actor=admin, run=run)
    assert "有效的 Email 地址" in preview.rows[0]["problems"][0]


def test_extra_and_unknown_columns_are_ignored(world, admin):
    text = "name;Favourite colour;industry\nExtra Columns Ltd;blue;retail;surplus;cells\nShort Row Ltd\n"
    run, preview = run_import(admin, "clients", "semi.csv", text)
    assert run.delimiter == ";"
    assert run.mapping == {"0": "name", "2": "industry"}
    assert (run.created_count, run.rejected_count) == (2, 0)
    assert Client.objects.get(name="Extra Columns Ltd").industry == "retail"
    assert Client.objects.get(name="Short Row Ltd").industry == "other"


# --- imported interactions count as communication ------------------------------------------


def _weekly_call(world):
    from django.utils import timezone

    from accord.comms.services import plan_item_create

    return plan_item_create(
        actor=world.memberships[world.manager.pk],
        project=world.project,
        contacts=[world.contact],
        purpose="Weekly call",
        channel="phone",
        cadence="weekly",
        weekday=timezone.localdate().weekday(),
        owner=world.manager,
        start_date=world.project.start_date,
    )


def _today(world, *rows: tuple[str, str, str]) -> str:
    """Interactions on the world's project now: (kind, summary, contacts) per row."""
    from django.utils import timezone

    when = timezone.now().strftime("%Y-%m-%d %H:%M")
    start = f"{world.client.name},{world.project.code}"
    lines = "".join(f"{start},{kind},{when},{summary},{contacts}\n" for kind, summary, contacts in rows)
    return "client,project,kind,when,summary,contacts\n" + lines


def test_imported_interaction_meets_the_obligation_as_one_logged_by_hand(world, admin):
    from django.utils import timezone

    item = _weekly_call(world)
    due = item.obligations.get(due_date=timezone.localdate())
    text = _today(world, ("call", "Weekly call", world.contact.email.upper()), ("call", "Internal sync", ""))
    run, preview = run_import(admin, "interactions", "calls.csv", text)
    assert (preview.invalid, run.created_count) == (0, 2)
    call = Interaction.objects.get(summary="Weekly call")
    assert list(call.contacts.all()) == [world.contact]
    assert not Interaction.objects.get(summary="Internal sync").contacts.exists()
    due.refresh_from_db()
    assert (due.status, due.met_on_time, due.interaction_id) == ("met", True, call.pk)
    assert due.met_source == f"crm.interaction:{call.pk}"
    # Only the obligation due today was met, and only once.
    assert item.obligations.filter(status="met").count() == 1


def test_imported_interaction_without_a_project_counts_for_the_clients_projects(world, admin):
    from django.utils import timezone

    item = _weekly_call(world)
    when = timezone.now().strftime("%Y-%m-%d %H:%M")
    header = "client,kind,when,summary,contacts\n"
    visit = f"{world.client.name},visit,{when},Site visit,{world.contact.email}\n"
    run, _p = run_import(admin, "interactions", "visit.csv", header + visit)
    assert run.created_count == 1
    # A visit is no phone call; the same contact on the phone is.
    assert not item.obligations.filter(status="met").exists()
    call = f"{world.client.name},call,{when},Quick call,{world.contact.email}\n"
    run, _p = run_import(admin, "interactions", "call.csv", header + call)
    met = item.obligations.get(status="met")
    assert met.interaction == Interaction.objects.get(summary="Quick call")


def test_updating_an_imported_interaction_with_its_contacts_meets_the_obligation(world, admin):
    item = _weekly_call(world)
    first = _today(world, ("call", "Weekly call", ""))
    run, _p = run_import(admin, "interactions", "calls.csv", first)
    assert run.created_count == 1 and not item.obligations.filter(status="met").exists()
    # The same row again, now saying who was on the call: the update sets them and counts.
    again = _today(world, ("call", "Weekly call", world.contact.email))
    run, preview = run_import(admin, "interactions", "calls.csv", again, duplicates="update")
    assert (preview.duplicates, run.updated_count, run.created_count) == (1, 1, 0)
    call = Interaction.objects.get(summary="Weekly call")
    assert list(call.contacts.all()) == [world.contact]
    assert item.obligations.get(status="met").interaction_id == call.pk
    # Once more with an empty cell: nothing changes, the contacts stay.
    run, _p = run_import(admin, "interactions", "calls.csv", first, duplicates="update")
    assert (run.updated_count, run.skipped_count) == (0, 1)
    assert list(call.contacts.all()) == [world.contact]


def test_imported_interaction_outside_the_audience_or_channel_meets_nothing(world, admin):
    item = _weekly_call(world)
    stranger = f.ContactFactory(client=world.client, email="stranger@client.example")
    text = _today(
        world,
        ("call", "Wrong person", "stranger@client.example"),
        ("email", "Wrong channel", world.contact.email),
    )
    run, _p = run_import(admin, "interactions", "calls.csv", text)
    assert run.created_count == 2
    assert list(Interaction.objects.get(summary="Wrong person").contacts.all()) == [stranger]
    assert not item.obligations.filter(status="met").exists()


def test_interaction_contacts_must_be_the_clients(world, admin):
    text = (
        "client,when,summary,contacts\n"
        f"{world.client.name},2026-03-02 10:00,Call,{world.foreign_contact.email}\n"
        f"{world.client.name},2026-03-02 11:00,Call,nobody@nowhere.example; {world.contact.email}\n"
    )
    run, preview = run_import(admin, "interactions", "i.csv", text)
    assert run.rejected_count == 2 and run.created_count == 0
    problems = {row["row"]: row["problems"] for row in preview.rows}
    assert problems[2] == [
        f"“{world.foreign_contact.email}” is not the e-mail of one of this client’s contacts."
    ]
    assert problems[3] == ["“nobody@nowhere.example” is not the e-mail of one of this client’s contacts."]


def test_plain_email_shortcut_accepts_only_what_django_accepts(world, admin):
    from django.core.validators import validate_email

    from accord.dataio.kinds.values import _PLAIN_EMAIL

    addresses = [
        "li.na@client.example",
        "a+b_c-d@x-y.example.cn",
        "a..b@example.com",
        ".a@example.com",
        "a@-example.com",
        "a@example-.com",
        "a@example.c",
        "a@example.123",
        "a@localhost",
        "a@" + "x" * 64 + ".example",
        '"quoted"@example.com',
        "a@[127.0.0.1]",
        "a@b.example\n",
    ]
    for address in addresses:
        if _PLAIN_EMAIL.fullmatch(address):
            validate_email(address)  # raises if the shortcut let through what Django refuses
    assert _PLAIN_EMAIL.fullmatch("li.na@client.example")
