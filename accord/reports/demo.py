"""Demo status reports: for the first demo projects, a published report two weeks ago and a
current draft, drafted from the demo data (idempotent; nothing is e-mailed)."""

import datetime as dt

from django.utils import timezone, translation

from accord.audit.services import audit_event
from accord.tenancy.access import membership_for

from .models import ReportStatus, StatusReport
from .services import status_report_draft


def _language(project) -> str:
    return "zh-hans" if project.organization.default_language.startswith("zh") else "en"


def load(ctx) -> None:
    today = timezone.localdate()
    for project in list(ctx.projects.values())[:3]:
        if StatusReport.objects.filter(project=project).exists() or project.manager is None:
            continue
        start = max(project.start_date, today - dt.timedelta(days=28))
        middle = max(start, today - dt.timedelta(days=14))
        actor = membership_for(project.manager, project.organization_id)
        with translation.override(_language(project)):
            first = status_report_draft(actor=actor, project=project, period_start=start, period_end=middle)
            first.status = ReportStatus.PUBLISHED
            first.published_at = timezone.now() - dt.timedelta(days=13)
            first.published_by = project.manager
            first.save()
            audit_event(project.manager, first, "published", {"rag": first.rag, "version": first.version})
            status_report_draft(actor=actor, project=project)
