"""Exports: round trips back through the importer, formats written by real tools, filters,
formula neutralisation, streaming and pinned query counts."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import vobject
from django.urls import reverse
from openpyxl import load_workbook

from accord.crm.models import Client, Contact, Interaction
from accord.dataio import services
from accord.projects.models import Task
from accord.risks.models import Risk
from accord.testing import factories as f

from .conftest import upload


def download(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def export(world, user, kind, **params):
    response = world.http(user).get(reverse("dataio:export", args=[kind]), params)
    assert response.status_code == 200, response.content
    return response, download(response)


def reimport(member, kind, name, content, **kw):
    run = services.import_run_create(actor=member, kind=kind, upload=upload(name, content))
    run = services.import_run_configure(
        actor=member, run=run, mapping=run.mapping, duplicates=kw.get("duplicates", "skip")
    )
    return services.import_run_execute(run_id=run.pk)


def fields(qs, names):
    return sorted(tuple(str(getattr(o, n)) for n in names) for o in qs)


CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "name_local",
    "title",
    "role",
    "email",
    "phone",
    "mobile",
    "wechat",
    "notes",
    "language",
    "timezone",
)


def make_contacts(world):
    f.ContactFactory(
        client=world.client,
        first_name="Wei",
        last_name="Wang",
        name_local="王伟",
        title="CIO",
        role="decision_maker",
        mobile="+86 138 0000 0001",
        wechat="wangwei88",
        notes="Prefers calls,\nnot e-mail",
        language="zh-hans",
        timezone="Asia/Shanghai",
    )
    f.ContactFactory(
        client=f.ClientFactory(organization=world.org, name="Newco"), first_name="Ann", last_name="Lee"
    )


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_contacts_round_trip(world, file_format):
    make_contacts(world)
    _response, content = export(world, world.admin, "contacts", format=file_format)
    before = fields(Contact.objects.filter(organization=world.org), CONTACT_FIELDS + ("client_id",))
    # Into an empty organisation: the same people, at clients of the same names.
    f.MembershipFactory(organization=world.other_org, user=world.manager, role="manager")
    target = world.memberships[world.outsider.pk]
    Contact.objects.filter(organization=world.other_org).delete()
    run = reimport(target, "contacts", f"contacts.{file_format}", content)
    assert run.status == "done" and run.rejected_count == 0, run.error
    after = Contact.objects.filter(organization=world.other_org)
    assert fields(after, CONTACT_FIELDS) == [row[:-1] for row in before]
    assert {c.client.name for c in after} == {world.client.name, "Newco"}
    # And back into the same organisation: every row is a duplicate.
    again = reimport(world.memberships[world.admin.pk], "contacts", f"contacts.{file_format}", content)
    assert (again.created_count, again.skipped_count) == (0, 3)


def test_contacts_vcard_round_trip_and_written_by_vobject(world):
    make_contacts(world)
    response, content = export(world, world.admin, "contacts", format="vcf")
    assert response["Content-Type"].startswith("text/vcard")
    cards = list(vobject.readComponents(content.decode()))
    assert len(cards) == 3
    wang = next(c for c in cards if c.fn.value == "王伟")
    assert (wang.n.value.family, wang.n.value.given) == ("王", "伟")
    assert wang.x_phonetic_last_name.value == "Wang" and wang.org.value == [world.client.name]
    Contact.objects.filter(organization=world.other_org).delete()
    run = reimport(world.memberships[world.outsider.pk], "contacts", "contacts.vcf", content)
    assert run.created_count == 3
    copy = Contact.objects.get(organization=world.other_org, name_local="王伟")
    assert (copy.first_name, copy.last_name, copy.mobile, copy.wechat, copy.title) == (
        "Wei",
        "Wang",
        "+86 138 0000 0001",
        "wangwei88",
        "CIO",
    )


def test_clients_interactions_tasks_risks_round_trip(world):
    admin = world.memberships[world.admin.pk]
    world.client.tags = "制造, VIP"
    world.client.business = "=cmd|' /C calc'!A0"
    world.client.save()
    when = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC)
    weekly = f.InteractionFactory(
        client=world.client,
        project=world.project,
        summary="周会",
        occurred_at=when,
        body="+ agenda",
        follow_up_on=dt.date(2026, 3, 9),
    )
    colleague = f.ContactFactory(client=world.client, email="wang.wei@client.example")
    weekly.contacts.set([world.contact, colleague])
    milestone = f.MilestoneFactory(project=world.project, name="Go-live")
    f.TaskFactory(
        project=world.project,
        title="Train key users",
        status="doing",
        assignee=world.member,
        due_date=dt.date(2026, 4, 1),
        estimate_hours=Decimal("6.50"),
        milestone=milestone,
        client_visible=True,
    )
    Risk.objects.create(
        organization=world.org,
        project=world.project,
        title="Key user leaves",
        probability=4,
        impact=5,
        score=20,
        owner=world.member,
        category="client_side",
    )
    contents = {
        kind: export(world, world.admin, kind)[1] for kind in ("clients", "interactions", "tasks", "risks")
    }
    # Formula cells are neutralised; the importer takes them back as text.
    assert "'=cmd|" in contents["clients"].decode("utf-8-sig")
    assert "'+ agenda" in contents["interactions"].decode("utf-8-sig")
    Interaction.objects.all().delete()
    Task.objects.all().delete()
    Risk.objects.all().delete()
    Client.objects.filter(pk=world.client.pk).update(tags="", status="former")
    assert (
        reimport(admin, "clients", "clients.csv", contents["clients"], duplicates="update").updated_count >= 1
    )
    world.client.refresh_from_db()
    assert (world.client.tags, world.client.status) == ("制造, VIP", "active")
    assert reimport(admin, "interactions", "i.csv", contents["interactions"]).created_count == 1
    interaction = Interaction.objects.get()
    assert (interaction.summary, interaction.occurred_at, interaction.project_id) == (
        "周会",
        when,
        world.project.pk,
    )
    assert interaction.follow_up_on == dt.date(2026, 3, 9)
    assert set(interaction.contacts.values_list("pk", flat=True)) == {world.contact.pk, colleague.pk}
    assert reimport(admin, "tasks", "t.csv", contents["tasks"]).created_count == 1
    task = Task.objects.get()
    assert (task.status, task.assignee_id, task.estimate_hours, task.milestone_id, task.client_visible) == (
        "doing",
        world.member.pk,
        Decimal("6.50"),
        milestone.pk,
        True,
    )
    assert reimport(admin, "risks", "r.csv", contents["risks"]).created_count == 1
    risk = Risk.objects.get()
    assert (risk.score, risk.owner_id, risk.category) == (20, world.member.pk, "client_side")
    assert risk.score_changes.count() == 1


def test_xlsx_export_is_a_real_workbook_with_safe_cells(world):
    f.ContactFactory(client=world.client, last_name="@SUM(A1:A9)", notes="-2+3")
    _response, content = export(world, world.admin, "contacts", format="xlsx")
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows())
    assert rows[0][0].value == "first_name"
    # Text cells (never evaluated), as they were entered: no apostrophe in a workbook.
    row = next(r for r in rows[1:] if r[1].value == "@SUM(A1:A9)")
    assert (row[1].data_type, row[-1].data_type, row[-1].value) == ("s", "s", "-2+3")


def test_xlsx_cells_with_markup_and_control_characters(world):
    f.ContactFactory(client=world.client, last_name="<b>Lee & Co</b>", notes="bell\x07 and  spaces  ")
    _response, content = export(world, world.admin, "contacts", format="xlsx")
    # A well-formed package read back by openpyxl in both modes; XML cannot hold the bell.
    for read_only in (True, False):
        sheet = load_workbook(io.BytesIO(content), read_only=read_only).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        assert any(row[1] == "<b>Lee & Co</b>" and row[-1] == "bell and  spaces  " for row in rows[1:])


def test_filters_of_the_list_pages(world):
    other = f.ClientFactory(
        organization=world.org, name="Beta Retail", status="prospect", industry="retail", tags="retail, east"
    )
    f.ContactFactory(client=other, last_name="Zhou", role="sponsor")
    f.InteractionFactory(client=other, kind="visit", occurred_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    f.InteractionFactory(client=world.client, kind="call", occurred_at=dt.datetime(2026, 2, 5, tzinfo=dt.UTC))
    f.TaskFactory(project=world.project, title="Mine", status="blocked", assignee=world.member)
    f.TaskFactory(project=world.other_project, title="Not visible to the member")

    def rows(user, what, **params):
        return (
            download(world.http(user).get(reverse("dataio:export", args=[what]), params))
            .decode("utf-8-sig")
            .strip()
            .splitlines()[1:]
        )

    assert [r.split(",")[0] for r in rows(world.admin, "clients", status="prospect")] == ["Beta Retail"]
    assert len(rows(world.admin, "clients", industry="retail", tag="east")) == 1
    assert len(rows(world.admin, "clients", q="Zhou")) == 1
    assert len(rows(world.admin, "contacts", client=str(other.pk))) == 1
    assert len(rows(world.admin, "interactions", kind="visit")) == 1
    assert len(rows(world.admin, "interactions", since="2026-02-01", until="2026-02-28")) == 1
    assert [r.split(",")[1] for r in rows(world.member, "tasks")] == ["Mine"]
    assert len(rows(world.admin, "tasks", status="blocked", assignee=str(world.member.pk))) == 1
    bad = world.http(world.admin).get(reverse("dataio:export", args=["interactions"]), {"since": "last week"})
    assert bad.status_code == 400 and "2026-03-31" in bad.content.decode()


def test_exports_hold_only_the_callers_organisation(world):
    content = export(world, world.outsider, "contacts")[1].decode("utf-8-sig")
    assert world.foreign_contact.email in content
    assert world.contact.email not in content


@pytest.mark.parametrize("count", [2, 50])
@pytest.mark.parametrize("kind", ["clients", "contacts", "interactions", "tasks", "risks"])
def test_export_query_count_does_not_grow(world, kind, count, django_assert_num_queries):
    make = {
        "clients": lambda i: f.ClientFactory(organization=world.org),
        "contacts": lambda i: f.ContactFactory(client=world.client),
        "interactions": lambda i: f.InteractionFactory(client=world.client, project=world.project),
        "tasks": lambda i: f.TaskFactory(project=world.project, assignee=world.member),
        "risks": lambda i: Risk.objects.create(
            organization=world.org, project=world.project, title=f"R{i}", score=9
        ),
    }[kind]
    for i in range(count):
        make(i)
    http = world.http(world.admin)
    http.get(reverse("dataio:hub"))
    with django_assert_num_queries(4):
        response = http.get(reverse("dataio:export", args=[kind]), {"format": "csv"})
        lines = download(response).decode("utf-8-sig").strip().splitlines()
    assert len(lines) > count


@pytest.mark.parametrize("kind", ["clients", "contacts", "interactions", "tasks", "risks"])
def test_cells_are_what_cell_makes_of_every_value(world, kind):
    """The per-column fast paths write each value exactly as ``exports.cell`` does."""
    from accord.dataio import exports
    from accord.dataio.kinds import spec_for

    f.ContactFactory(client=world.client, last_name="=HYPERLINK()", title="", notes="\tx", mobile="+86 1")
    f.InteractionFactory(
        client=world.client, summary="-1", occurred_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    )
    f.TaskFactory(
        project=world.project, title="@t", due_date=dt.date(2026, 4, 1), estimate_hours=Decimal("1.5")
    )
    Risk.objects.create(
        organization=world.org, project=world.project, title="+r", probability=2, impact=3, score=6
    )
    spec = spec_for(kind)
    queryset = spec.export_queryset(world.memberships[world.admin.pk], {})
    paths = [path for _header, path in spec.export_fields]
    expected = [[exports.cell(v) for v in row] for row in queryset.values_list(*paths)]
    assert expected and list(exports.export_rows(spec, queryset)) == expected
