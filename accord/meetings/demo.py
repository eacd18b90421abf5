"""Demo meetings: for the first demo projects, last week's status meeting with published minutes,
a decision and action items (one overdue), and next week's meeting (idempotent; no e-mail)."""

import datetime as dt

from django.utils import timezone

from accord.audit.services import audit_create
from accord.projects.models import Task, TaskKind

from .models import (
    ActionItem,
    AgendaItem,
    Attendee,
    AttendeeRole,
    Decision,
    Meeting,
    MeetingKind,
    detect_provider,
)

TEXT = {
    "en": {
        "title": "Weekly status meeting",
        "next": "Weekly status meeting (next week)",
        "agenda": ["Progress since last week", "Risks and open issues", "Next steps"],
        "summary": "Progress is on plan. The client asked for a second trial migration.",
        "decision": "Run a second trial migration before go-live",
        "ours": "Prepare the trial migration checklist",
        "theirs": "Confirm the key users for acceptance testing",
    },
    "zh": {
        "title": "每周项目例会",
        "next": "每周项目例会（下周）",
        "agenda": ["上周以来的进展", "风险与未决问题", "下一步计划"],
        "summary": "进展符合计划。客户要求在上线前再做一次试迁移。",
        "decision": "上线前再进行一次试迁移",
        "ours": "准备试迁移检查清单",
        "theirs": "确认参加验收测试的关键用户",
    },
}


def _meeting(project, text, starts_at, title, tz, *, published: bool) -> Meeting:
    url = (
        "https://meeting.tencent.com/dm/demo"
        if tz == "Asia/Shanghai"
        else "https://teams.microsoft.com/l/demo"
    )
    meeting = Meeting.objects.create(
        organization_id=project.organization_id,
        project=project,
        kind=MeetingKind.STATUS,
        title=title,
        starts_at=starts_at,
        duration_minutes=45,
        timezone=tz,
        video_url=url,
        video_provider=detect_provider(url),
        organizer=project.manager,
        recurrence="weekly",
        minutes_summary=text["summary"] if published else "",
        minutes_published_at=starts_at + dt.timedelta(hours=3) if published else None,
    )
    Attendee.objects.create(
        organization_id=project.organization_id,
        meeting=meeting,
        user=project.manager,
        role=AttendeeRole.CHAIR,
    )
    for contact in project.contacts.exclude(email="")[:3]:
        Attendee.objects.create(organization_id=project.organization_id, meeting=meeting, contact=contact)
    for position, topic in enumerate(text["agenda"], start=1):
        AgendaItem.objects.create(
            organization_id=project.organization_id,
            meeting=meeting,
            position=position,
            title=topic,
            owner=project.manager,
            minutes_allotted=15,
        )
    audit_create(project.manager, meeting)
    return meeting


def load(ctx) -> None:
    now = timezone.now()
    today = timezone.localdate()
    for project in list(ctx.projects.values())[:3]:
        if project.manager is None or Meeting.objects.filter(project=project).exists():
            continue
        zh = project.organization.default_language.startswith("zh")
        text = TEXT["zh" if zh else "en"]
        tz = project.client.timezone or "UTC"
        past = _meeting(project, text, now - dt.timedelta(days=7), text["title"], tz, published=True)
        _meeting(project, text, now + dt.timedelta(days=7), text["next"], tz, published=False)
        Decision.objects.create(
            organization_id=project.organization_id,
            project=project,
            meeting=past,
            title=text["decision"],
            decided_on=past.starts_at.date(),
            created_by=project.manager,
        )
        contact = project.contacts.exclude(email="").first()
        for title, owner, contact_owner, due in (
            (text["ours"], project.manager, None, today - dt.timedelta(days=2)),
            (text["theirs"], None, contact, today + dt.timedelta(days=5)),
        ):
            task = Task.objects.create(
                organization_id=project.organization_id,
                project=project,
                title=title,
                assignee=owner,
                due_date=due,
                kind=TaskKind.ACTION_ITEM,
                client_visible=contact_owner is not None,
            )
            ActionItem.objects.create(
                organization_id=project.organization_id, meeting=past, task=task, owner_contact=contact_owner
            )
