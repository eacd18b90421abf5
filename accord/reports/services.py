"""Status reports: draft from live data, edit, publish (PDF, e-mail, portal), revise."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.audit.services import audit_create, audit_event, update_fields
from accord.comms.services import event_emit, notify, obligations_meet, outbox_email
from accord.crm.models import Cadence, Language
from accord.lib.dates import format_day, owner_zone, today_for, validate_range
from accord.projects.models import Project, Rag
from accord.tenancy.access import require_project_manage
from accord.tenancy.models import Membership

from . import selectors
from .models import MAX_SECTION_CHARS, SECTION_KEYS, ReportStatus, StatusReport
from .pdf import pdf_filename, report_pdf
from .texts import compose_sections

MAX_PERIOD_DAYS = 366
CADENCE_DAYS = {Cadence.WEEKLY: 7, Cadence.BIWEEKLY: 14, Cadence.MONTHLY: 30}
# A scheduled report is drafted this many days before it is due.
DRAFT_LEAD_DAYS = 2
# The languages a report is drafted, mailed and printed in.
DRAFT_LANGUAGES = tuple(Language.values)


DEFAULT_PERIOD_DAYS = 14


def _cadence_start(project: Project, end: dt.date) -> dt.date:
    """The first day of a report period ending on ``end`` as long as the status-report plan
    item's cadence: a week for weekly items, a month for monthly ones, else two weeks."""
    from dateutil.relativedelta import relativedelta

    from accord.comms.models import CadenceKind

    item = selectors.report_plan_item(project, day=end)
    cadence = item.cadence if item is not None else ""
    if cadence == CadenceKind.WEEKLY:
        return end - dt.timedelta(days=6)
    if cadence == CadenceKind.MONTHLY:
        return end - relativedelta(months=1) + dt.timedelta(days=1)
    return end - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)


def default_period(project: Project, today: dt.date) -> tuple[dt.date, dt.date]:
    """The period a new report covers unless told otherwise: from the day after the last
    report's end up to today; without an earlier report (or when the last one reaches today),
    as long as the plan item's cadence (weekly: 7 days, monthly: a month, else 14 days), not
    starting before the project unless the project starts today or later."""
    last = selectors.last_report(project)
    end = today
    if last is not None and last.period_end < end:
        return last.period_end + dt.timedelta(days=1), end
    start = _cadence_start(project, end)
    if last is None and start < project.start_date < end:
        start = project.start_date
    return start, end


def _check_period(start: dt.date, end: dt.date) -> None:
    validate_range(start, end, start_field="period_start", end_field="period_end")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationError({"period_end": _("A report covers at most one year: choose a shorter period.")})


def draft_language(project: Project, language: str | None = None) -> str:
    """The language a draft is written in: the one asked for, else the client's, else the
    organisation's default. A language Accord does not write is refused."""
    if language:
        if language not in DRAFT_LANGUAGES:
            raise ValidationError({"language": _("Choose English or Simplified Chinese.")})
        return language
    if project.client.language in DRAFT_LANGUAGES:
        return project.client.language
    if project.organization.default_language in DRAFT_LANGUAGES:
        return project.organization.default_language
    return settings.LANGUAGE_CODE


def _next_version(project: Project) -> int:
    top = StatusReport.objects.filter(project=project).aggregate(top=Max("version"))["top"]
    return (top or 0) + 1


def status_report_draft(
    *,
    actor: Membership,
    project: Project,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    due_date: dt.date | None = None,
    language: str | None = None,
) -> StatusReport:
    """A new draft for the period (default: since the last report until today) from live data,
    its generated sections written in ``language`` (default: the client's language). The
    project's manager (or an admin) drafts."""
    require_project_manage(actor, project)
    return _draft(
        user=actor.user,
        project=project,
        period_start=period_start,
        period_end=period_end,
        due_date=due_date,
        language=language,
    )


def _draft(
    *,
    user,
    project: Project,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    due_date: dt.date | None = None,
    automatic: bool = False,
    language: str | None = None,
) -> StatusReport:
    """``user`` is None when the scheduler drafts (``automatic``)."""
    language = draft_language(project, language)
    today = timezone.localdate()
    default_start, default_end = default_period(project, today)
    start = period_start or (default_start if not period_end or default_start <= period_end else period_end)
    end = period_end or max(default_end, start)
    _check_period(start, end)
    data = selectors.report_data(project, start, end, today=today)
    with translation.override(language):
        sections = compose_sections(data, project)
        title = _("Status report %(start)s – %(end)s") % {"start": format_day(start), "end": format_day(end)}
    with transaction.atomic():
        report = StatusReport.objects.create(
            organization_id=project.organization_id,
            project=project,
            version=_next_version(project),
            title=title,
            period_start=start,
            period_end=end,
            due_date=due_date,
            suggested_rag=data["suggested_rag"],
            rag=data["suggested_rag"],
            snapshot=data,
            language=language,
            drafted_automatically=automatic,
            created_by=user,
            **sections,
        )
        audit_create(user, report)
    return report


def _refuse_if_published(report: StatusReport) -> None:
    if report.is_published:
        raise ValidationError(
            _("This report is published and can no longer be edited. Revise it to make a new version.")
        )


def check_sections(data: dict) -> dict:
    cleaned = {}
    errors = {}
    for key in SECTION_KEYS:
        if key not in data or data[key] is None:
            continue
        text = str(data[key])
        if len(text) > MAX_SECTION_CHARS:
            errors[key] = _(
                "This section is too long (%(size)s characters; at most %(max)s). "
                "Shorten it or link to a document."
            ) % {"size": f"{len(text):,}", "max": f"{MAX_SECTION_CHARS:,}"}
        cleaned[key] = text
    if errors:
        raise ValidationError(errors)
    return cleaned


def status_report_update(*, actor: Membership, report: StatusReport, data: dict) -> StatusReport:
    """Change the sections, title or RAG of a draft; a published report is refused."""
    require_project_manage(actor, report.project)
    _refuse_if_published(report)
    changes = check_sections(data)
    if "title" in data and data["title"] is not None:
        title = str(data["title"]).strip()
        if not title or len(title) > 200:
            raise ValidationError({"title": _("Give the report a title of at most 200 characters.")})
        changes["title"] = title
    if data.get("rag"):
        if data["rag"] not in Rag.values:
            raise ValidationError({"rag": _("Choose green, amber or red.")})
        changes["rag"] = data["rag"]
    with transaction.atomic():
        locked = StatusReport.objects.select_for_update().get(pk=report.pk)
        _refuse_if_published(locked)
        update_fields(actor.user, locked, changes)
    return locked


def status_report_publish(
    *, actor: Membership, report: StatusReport, rag: str | None = None, audience: str | None = None
) -> StatusReport:
    """Freeze the report, set the project's RAG, e-mail the PDF to the audience of the matching
    communication-plan item (else the client stakeholders), each in their language; meets the
    item's obligation. ``audience`` is the fingerprint of the list the manager saw, if any: a
    different list now is refused rather than mailed. The project's manager (or an admin)
    publishes."""
    require_project_manage(actor, report.project)
    if rag and rag not in Rag.values:
        raise ValidationError({"rag": _("Choose green, amber or red.")})
    with transaction.atomic():
        report = (
            StatusReport.objects.select_for_update().select_related("project__organization").get(pk=report.pk)
        )
        if report.is_published:
            raise ValidationError(_("This report is already published."))
        project = Project.objects.select_for_update().select_related("organization").get(pk=report.project_id)
        people = selectors.report_audience(project)
        if audience and audience != people.fingerprint:
            raise ValidationError(
                _("The recipients changed since this page was shown. Check the list and publish again.")
            )
        update_fields(
            actor.user,
            report,
            {
                "status": ReportStatus.PUBLISHED,
                "rag": rag or report.rag,
                "published_at": timezone.now(),
                "published_by": actor.user,
            },
        )
        audit_event(
            actor.user,
            report,
            "published",
            {
                "rag": report.rag,
                "version": report.version,
                "plan_item": people.plan_item.pk if people.plan_item else None,
                "recipients": [c.email for c in people.recipients],
            },
        )

        if project.rag != report.rag:
            update_fields(actor.user, project, {"rag": report.rag})

        _mail_report(report, project, people.recipients)
        obligations_meet(project=project, channel="email", contacts=people.recipients, source=report)
        event_emit(
            organization=project.organization,
            name="report.published",
            payload={
                "report_id": report.pk,
                "project_id": project.pk,
                "version": report.version,
                "rag": report.rag,
                "period_start": report.period_start.isoformat(),
                "period_end": report.period_end.isoformat(),
                "recipients": len(people.recipients),
                "plan_item_id": people.plan_item.pk if people.plan_item else None,
            },
        )
    # What the page says after publishing: sent to N people, or nobody yet.
    report.recipient_count = len(people.recipients)
    return report


def _mail_report(report: StatusReport, project: Project, contacts: list) -> None:
    """One mail per contact, in the contact's language: subject, wording and the PDF's fixed
    texts and charts; the sections stay as the manager wrote them. One PDF per language."""
    pdfs: dict[str, bytes] = {}
    portal_url = settings.BASE_URL + reverse("reports:portal_detail", args=[report.pk])
    for contact in contacts:
        language = contact.language if contact.language in DRAFT_LANGUAGES else settings.LANGUAGE_CODE
        if language not in pdfs:
            pdfs[language] = report_pdf(report, language)
        with translation.override(language):
            context = {"report": report, "project": project, "contact": contact, "portal_url": portal_url}
            outbox_email(
                organization=project.organization,
                to=contact.email,
                subject=_("%(project)s: status report %(start)s – %(end)s")
                % {
                    "project": project.name,
                    "start": report.period_start.isoformat(),
                    "end": report.period_end.isoformat(),
                },
                text=render_to_string("reports/email/published.txt", context),
                html=render_to_string("reports/email/published.html", context),
                attachments=[(pdf_filename(report, language), pdfs[language], "application/pdf")],
                related=report,
                project=project,
            )


def status_report_revise(*, actor: Membership, report: StatusReport) -> StatusReport:
    """A new draft version of a published report, its sections copied; the published one stays."""
    require_project_manage(actor, report.project)
    if not report.is_published:
        raise ValidationError(_("Only a published report can be revised; edit this draft instead."))
    with transaction.atomic():
        fields = {key: getattr(report, key) for key in SECTION_KEYS}
        revision = StatusReport.objects.create(
            organization_id=report.organization_id,
            project_id=report.project_id,
            version=_next_version(report.project),
            revised_from=report,
            title=report.title,
            period_start=report.period_start,
            period_end=report.period_end,
            due_date=report.due_date,
            suggested_rag=report.suggested_rag,
            rag=report.rag,
            snapshot=report.snapshot,
            language=report.language,
            created_by=actor.user,
            **fields,
        )
        audit_create(actor.user, revision)
        audit_event(actor.user, report, "revised", {"new_version": revision.version})
    return revision


# --- scheduled drafting --------------------------------------------------------------------


def next_due_date(project: Project, today: dt.date, last_end: dt.date | None) -> dt.date | None:
    """When the client expects the next report, by their report cadence; ``last_end``: the end of
    the project's last report's period (None: no report yet)."""
    cadence = project.client.report_cadence
    if cadence == Cadence.MILESTONE:
        after = last_end if last_end else project.start_date - dt.timedelta(days=1)
        upcoming = (
            project.milestones.filter(due_date__gt=after, status="planned").order_by("due_date").first()
        )
        return upcoming.due_date if upcoming else None
    days = CADENCE_DAYS.get(cadence)
    if not days:
        return None
    if last_end:
        return last_end + dt.timedelta(days=days)
    due = project.start_date + dt.timedelta(days=days - 1)
    while due < today:
        due += dt.timedelta(days=days)
    return due


def draft_due_reports(today: dt.date | None = None) -> int:
    """Draft the reports due within the lead time and ask each manager to review. Idempotent."""
    pinned = today
    drafted = 0
    # Each project's last report's end read with the projects: most are not due, and an hourly
    # turn over 5,000 projects read them one by one (6 s).
    last_end = (
        StatusReport.objects.filter(project=OuterRef("pk"))
        .order_by("-period_end", "-version")
        .values("period_end")
    )
    projects = (
        Project.objects.filter(status="active")
        .select_related("client", "manager", "organization")
        .annotate(last_report_end=Subquery(last_end[:1]))
    )
    for project in projects:
        # Due-ness by the manager's calendar (else the client's, else the organisation's), not UTC's.
        today = pinned or today_for(owner=project.manager, project=project)
        due = next_due_date(project, today, project.last_report_end)
        if due is None or due - today > dt.timedelta(days=DRAFT_LEAD_DAYS):
            continue
        if StatusReport.objects.filter(project=project, status=ReportStatus.DRAFT).exists():
            continue
        if StatusReport.objects.filter(project=project, due_date=due).exists():
            continue
        language = (
            project.manager.language if project.manager else ""
        ) or project.organization.default_language
        zone = owner_zone(owner=project.manager, project=project)
        with translation.override(language or settings.LANGUAGE_CODE), timezone.override(zone):
            last = selectors.last_report(project)
            start = last.period_end + dt.timedelta(days=1) if last else project.start_date
            end = max(min(due, today), start)
            with transaction.atomic():
                report = _draft(
                    user=None,
                    project=project,
                    period_start=start,
                    period_end=end,
                    due_date=due,
                    automatic=True,
                )
                if project.manager:
                    notify(
                        organization=project.organization,
                        users=[project.manager],
                        title=format_lazy(
                            gettext_lazy("A status report for {} is ready to review"), project.name
                        ),
                        body=format_lazy(gettext_lazy("It is due on {}."), due.isoformat()),
                        url=reverse("reports:detail", args=[report.pk]),
                    )
        drafted += 1
    return drafted
