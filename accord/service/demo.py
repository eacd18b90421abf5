"""Demo support requests and a training session on the demo projects (skipped when there are none)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accord.audit.services import audit_create
from accord.service.models import (
    Priority,
    RequestStatus,
    SupportReply,
    SupportRequest,
    TrainingFeedback,
    TrainingMaterial,
    TrainingSession,
)

REQUESTS = [
    # title, description, priority, status, hours ago, answered after hours (None: not yet), reply
    (
        "Export to Excel stops at 10,000 rows",
        "When we export the order list for the month, the file ends after 10,000 rows.",
        Priority.HIGH,
        RequestStatus.WAITING,
        30,
        3,
        "Thanks — this is the old export limit. Could you send us the filter you used, so we can retry?",
    ),
    (
        "新员工无法登录系统",
        "今天入职的两位同事收不到激活邮件，请尽快处理。",
        Priority.URGENT,
        RequestStatus.NEW,
        6,
        None,
        "",
    ),
]


def _contact(project):
    return project.contacts.exclude(portal_user=None).first() or project.contacts.first()


def load(ctx) -> None:
    projects = list(ctx.projects.values())[:2]
    if not projects:
        ctx.log.append("support demo skipped: no demo project")
        return
    now = timezone.now()
    for project in projects:
        manager = project.manager
        contact = _contact(project)
        for title, description, priority, status, hours_ago, answered_after, reply in REQUESTS:
            if SupportRequest.objects.filter(
                organization=project.organization, project=project, title=title
            ).exists():
                continue
            created = now - dt.timedelta(hours=hours_ago)
            request = SupportRequest.objects.create(
                organization=project.organization,
                project=project,
                title=title,
                description=description,
                priority=priority,
                status=status,
                contact=contact,
                created_by=contact.portal_user if contact and contact.portal_user_id else manager,
                assignee=manager,
                first_response_due_at=SupportRequest.response_due(priority, created),
                first_response_at=created + dt.timedelta(hours=answered_after) if answered_after else None,
            )
            SupportRequest.objects.filter(pk=request.pk).update(created_at=created)
            audit_create(manager, request)
            if reply:
                SupportReply.objects.create(
                    organization=project.organization,
                    request=request,
                    author=manager,
                    body="Checked the export job log: it hits the 10,000-row page size.",
                    internal=True,
                )
                SupportReply.objects.create(
                    organization=project.organization, request=request, author=manager, body=reply
                )
        topic = "Month-end closing in the new system"
        if not TrainingSession.objects.filter(
            organization=project.organization, project=project, topic=topic
        ).exists():
            session = TrainingSession.objects.create(
                organization=project.organization,
                project=project,
                topic=topic,
                starts_at=now - dt.timedelta(days=3),
                duration_minutes=120,
                location="https://meeting.tencent.com/dm/demo",
                trainer=manager,
                description="Hands-on session for the finance key users: closing, reports, corrections.",
            )
            contacts = list(project.contacts.all())
            session.attendees.set(contacts)
            TrainingMaterial.objects.create(
                organization=project.organization,
                session=session,
                title="Recording and slides",
                url="https://example.com/training/month-end",
            )
            if contact is not None and contact in contacts:
                TrainingFeedback.objects.create(
                    organization=project.organization,
                    session=session,
                    contact=contact,
                    rating=4,
                    comment="Very practical. We would like a follow-up on corrections.",
                )
            audit_create(manager, session)
        ctx.log.append(f"support and training for {project.code}")
