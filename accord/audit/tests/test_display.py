"""The History panel shows the audit trail as people read it; the stored entries stay raw."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accord.audit.display import history_rows
from accord.audit.models import AuditEntry
from accord.audit.services import audit_create, audit_event, audit_for, audit_update, snapshot
from accord.testing import factories as f

WHEN = dt.datetime(2026, 12, 4, 23, 5, 17, 123456, tzinfo=dt.UTC)

EXPECTED = {
    # language: (field label, choice label, event, created, time in Asia/Shanghai)
    "en": ("Status", "In progress", "approved", "created", "Dec 5, 2026, 7:05 AM"),
    "zh-hans": ("状态", "进行中", "已批准", "创建", "2026年12月5日 07:05"),
}


def _task_with_history(world):
    milestone = f.MilestoneFactory(project=world.project, name="Go-live gate")
    task = f.TaskFactory(project=world.project, title="Migrate ledgers")
    audit_create(world.manager, task)
    before = snapshot(task)
    task.status = "doing"
    task.milestone = milestone
    task.save()
    audit_update(world.manager, task, before)
    audit_event(world.manager, task, "approved", {"reason": "ok"})
    AuditEntry.objects.filter(object_id=str(task.pk)).update(created_at=WHEN)
    return task, milestone


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_history_panel_shows_labels_names_and_local_minutes(world, language):
    task, _milestone = _task_with_history(world)
    world.manager.language = language
    world.manager.timezone = "Asia/Shanghai"
    world.manager.save()
    page = world.http(world.manager).get(reverse("projects:task_detail", args=[task.pk])).content.decode()
    history = page[page.index('<details class="history">') :]
    history = history[: history.index("</details>")]
    field_label, choice_label, event, created, when = EXPECTED[language]
    assert f"{field_label}: <del>" in history
    assert choice_label in history
    assert "Go-live gate" in history  # the milestone by name, not its id
    assert event in history and created in history
    assert when in history
    for raw in ("milestone_id", "project_id", "doing", "todo", "17.123456", "2026-12-04T", ": approved"):
        assert raw not in history, raw
    if language == "zh-hans":
        assert "创建时间" not in history  # "created" as an action, not the created_at field
        assert "事件" not in history
    # The stored trail is untouched: raw attnames, values and ids for the API and exports.
    update = AuditEntry.objects.get(object_id=str(task.pk), action="update")
    assert update.changes["status"] == ["todo", "doing"]
    assert update.changes["milestone_id"][1] == task.milestone_id


@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai", "America/Los_Angeles"])
def test_times_are_in_the_viewers_zone_to_the_minute(world, zone):
    task, _ = _task_with_history(world)
    with translation.override("zh-hans"), timezone.override(zoneinfo.ZoneInfo(zone)):
        rows = history_rows(audit_for(task))
    local = WHEN.astimezone(zoneinfo.ZoneInfo(zone))
    assert {r.when_text for r in rows} == {f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"}


def test_related_objects_are_resolved_in_bulk(world):
    """One query per related model, whatever the number of entries (no N+1)."""

    def trail(n):
        task = f.TaskFactory(project=world.project)
        for i in range(n):
            milestone = f.MilestoneFactory(project=world.project, name=f"Gate {i}")
            before = snapshot(task)
            task.milestone = milestone
            task.assignee = world.member if i % 2 else world.manager
            task.save()
            audit_update(world.manager, task, before)
        return list(audit_for(task))

    small, large = trail(2), trail(50)
    counts = []
    for entries in (small, large):
        with CaptureQueriesContext(connection) as queries:
            rows = history_rows(entries)
        counts.append(len(queries))
    # One query per related model of a task (project, milestone, people …), at 2 and at 50 entries.
    assert counts[0] == counts[1] <= 5
    assert any("Gate 49" in c.after for r in rows for c in r.changes)


def test_another_organisations_object_is_not_named(world):
    foreign_milestone = f.MilestoneFactory(project=world.foreign_project, name="Foreign secret")
    task = f.TaskFactory(project=world.project)
    before = snapshot(task)
    task.milestone_id = foreign_milestone.pk
    AuditEntry.objects.create(
        organization=world.org,
        action="update",
        content_type_id=audit_create(world.manager, task).content_type_id,
        object_id=str(task.pk),
        object_repr=str(task),
        changes={"milestone_id": [before["milestone_id"], foreign_milestone.pk]},
    )
    text = " ".join(c.after for r in history_rows(audit_for(task)) for c in r.changes)
    assert "Foreign secret" not in text
