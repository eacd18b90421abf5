"""XLSX exports hold typed cells, read with openpyxl: dates as dates, times as times in the
exporting person's zone (named in the header), numbers as numbers with a format, text (phone
numbers included) as text without an apostrophe; and export → import keeps the data."""

import datetime as dt
import io
import zoneinfo
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accord.crm.models import Contact, Interaction
from accord.dataio import services
from accord.projects.models import Task
from accord.testing import factories as f

from .conftest import upload


def _sheet(world, user, kind):
    response = world.http(user).get(reverse("dataio:export", args=[kind]), {"format": "xlsx"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows())
    return content, [c.value for c in rows[0]], rows[1:]


def _reimport(member, kind, content, duplicates="skip"):
    run = services.import_run_create(actor=member, kind=kind, upload=upload(f"{kind}.xlsx", content))
    run = services.import_run_configure(actor=member, run=run, mapping=run.mapping, duplicates=duplicates)
    return services.import_run_execute(run_id=run.pk)


def test_dates_and_decimals_are_typed_cells(world):
    f.TaskFactory(
        project=world.project,
        title="Cut-over",
        due_date=dt.date(2026, 9, 25),
        estimate_hours=Decimal("4.00"),
        spent_hours=Decimal("1.5"),
        client_visible=True,
    )
    content, header, rows = _sheet(world, world.admin, "tasks")
    row = dict(zip(header, next(r for r in rows if r[1].value == "Cut-over"), strict=False))
    due = row["due_date"]
    assert due.is_date and due.number_format == "yyyy-mm-dd"
    assert due.value == dt.datetime(2026, 9, 25)  # openpyxl reads every date cell as a datetime
    assert row["estimate_hours"].data_type == "n" and row["estimate_hours"].value == 4
    assert row["estimate_hours"].number_format == "0.00"
    assert row["spent_hours"].value == 1.5 and row["spent_hours"].number_format == "0.00"
    assert row["client_visible"].data_type == "b" and row["client_visible"].value is True
    # Back in: the same task again (a duplicate), the same values.
    Task.objects.filter(title="Cut-over").update(estimate_hours=Decimal("9"), due_date=dt.date(2027, 1, 1))
    run = _reimport(world.memberships[world.admin.pk], "tasks", content, duplicates="update")
    assert run.rejected_count == 0, run.error
    task = Task.objects.get(title="Cut-over")
    assert (task.due_date, task.estimate_hours, task.spent_hours) == (
        dt.date(2026, 9, 25),
        Decimal("4.00"),
        Decimal("1.50"),
    )


def test_phone_numbers_and_formula_like_text_are_plain_text_cells(world):
    f.ContactFactory(client=world.client, last_name="Zhao", phone="+86 512 6688 0000", notes="=1+1")
    _content, header, rows = _sheet(world, world.admin, "contacts")
    row = dict(zip(header, next(r for r in rows if r[1].value == "Zhao"), strict=False))
    assert row["phone"].data_type == "s" and row["phone"].value == "+86 512 6688 0000"
    assert row["notes"].data_type == "s" and row["notes"].value == "=1+1"


@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai", "America/Los_Angeles"])
def test_times_are_in_the_exporters_zone_and_round_trip(world, zone):
    world.admin.timezone = zone
    world.admin.save(update_fields=["timezone"])
    when = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
    f.InteractionFactory(client=world.client, summary="Kick-off call", occurred_at=when)
    content, header, rows = _sheet(world, world.admin, "interactions")
    assert f"occurred_at ({zone})" in header
    row = dict(zip(header, next(r for r in rows if r[6].value == "Kick-off call"), strict=False))
    cell = row[f"occurred_at ({zone})"]
    assert cell.is_date and cell.number_format == "yyyy-mm-dd hh:mm:ss"
    assert cell.value == when.astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)
    # Imported into another organisation (whose own zone differs): the same instant.
    world.other_org.default_timezone = "Europe/Berlin"
    world.other_org.save(update_fields=["default_timezone"])
    f.ClientFactory(organization=world.other_org, name=world.client.name)
    run = _reimport(world.memberships[world.outsider.pk], "interactions", content)
    assert run.rejected_count == 0 and run.created_count >= 1, run.error
    copy = Interaction.objects.get(organization=world.other_org, summary="Kick-off call")
    assert copy.occurred_at == when


def test_contacts_round_trip_keeps_phones_without_apostrophe(world):
    f.ContactFactory(client=world.client, last_name="Qian", mobile="+86 139 0000 0002", phone="-0512-1")
    content, _header, _rows = _sheet(world, world.admin, "contacts")
    f.ClientFactory(organization=world.other_org, name=world.client.name)
    run = _reimport(world.memberships[world.outsider.pk], "contacts", content)
    assert run.rejected_count == 0, run.error
    copy = Contact.objects.get(organization=world.other_org, last_name="Qian")
    assert (copy.mobile, copy.phone) == ("+86 139 0000 0002", "-0512-1")


def test_interactions_workbook_back_into_the_same_organisation_are_duplicates(world):
    # Times with microseconds (as Accord records them): a workbook keeps whole seconds.
    f.InteractionFactory(
        client=world.client,
        summary="Weekly call",
        occurred_at=dt.datetime(2026, 3, 2, 1, 30, 5, 123456, tzinfo=dt.UTC),
    )
    content, _header, _rows = _sheet(world, world.admin, "interactions")
    run = _reimport(world.memberships[world.admin.pk], "interactions", content)
    assert (run.created_count, run.skipped_count, run.rejected_count) == (0, 1, 0), run.error
