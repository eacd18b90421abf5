import datetime as dt
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from accord.audit.models import AuditEntry
from accord.comms.models import Event, Notification, OutboxMessage
from accord.projects.models import MilestoneStatus, TaskStatus
from accord.reports import services
from accord.reports.models import ReportStatus, StatusReport
from accord.reports.pdf import report_pdf
from accord.testing import factories as f

TODAY = timezone.localdate


def _data(world):
    today = TODAY()
    f.TaskFactory(
        project=world.project,
        title="Install servers",
        status=TaskStatus.DONE,
        done_on=today - dt.timedelta(days=2),
        spent_hours=Decimal("10"),
        estimate_hours=Decimal("8"),
    )
    f.TaskFactory(
        project=world.project,
        title="Train key users",
        due_date=today - dt.timedelta(days=3),
        assignee=world.member,
    )
    f.TaskFactory(project=world.project, title="Waiting for VPN", status=TaskStatus.BLOCKED)
    f.TaskFactory(project=world.project, title="Go-live checklist", due_date=today + dt.timedelta(days=3))
    f.MilestoneFactory(
        project=world.project,
        name="Design signed off",
        status=MilestoneStatus.DONE,
        due_date=today - dt.timedelta(days=4),
        baseline_due_date=today - dt.timedelta(days=6),
        completed_on=today - dt.timedelta(days=1),
    )
    f.MilestoneFactory(project=world.project, name="Pilot", due_date=today + dt.timedelta(days=10))


def test_draft_assembles_live_data(world):
    _data(world)
    with translation.override("en"):
        report = services.status_report_draft(
            actor=world.as_member(world.manager),
            project=world.project,
            period_start=TODAY() - dt.timedelta(days=7),
            period_end=TODAY(),
        )
    assert report.status == ReportStatus.DRAFT and report.version == 1
    assert "Install servers" in report.completed
    assert "Train key users" in report.challenges and "Waiting for VPN" in report.challenges
    assert "Design signed off" in report.milestones and "Pilot" in report.milestones
    assert "Go-live checklist" in report.next_steps
    assert "25%" in report.progress
    # Overdue and blocked work and hours over the estimate drive the suggested RAG, with reasons.
    codes = {r["code"] for r in report.snapshot["rag_reasons"]}
    assert {"tasks_overdue", "tasks_blocked", "over_estimate", "milestones_slipped"} <= codes
    assert report.suggested_rag == "red" and report.rag == "red"
    assert "Planned budget" in report.budget and "Hours spent: 10.0 of 8.0" in report.budget
    assert AuditEntry.objects.filter(object_id=str(report.pk), action="create").exists()


def test_progress_change_since_last_published(world):
    t1 = f.TaskFactory(project=world.project, status=TaskStatus.DONE, done_on=TODAY() - dt.timedelta(days=20))
    f.TaskFactory(project=world.project)
    first = services.status_report_draft(
        actor=world.as_member(world.manager),
        project=world.project,
        period_start=TODAY() - dt.timedelta(days=30),
        period_end=TODAY() - dt.timedelta(days=15),
    )
    first = services.status_report_publish(actor=world.as_member(world.manager), report=first)
    assert t1.pk
    f.TaskFactory(project=world.project, status=TaskStatus.DONE, done_on=TODAY())
    f.TaskFactory(project=world.project, status=TaskStatus.DONE, done_on=TODAY())
    with translation.override("en"):
        second = services.status_report_draft(actor=world.as_member(world.manager), project=world.project)
    assert second.period_start == first.period_end + dt.timedelta(days=1)
    assert second.snapshot["previous_progress"] == first.snapshot["progress"] == 50
    assert second.snapshot["progress_change"] == 25
    assert "+25 points" in second.progress


def test_empty_period_says_no_activity(world):
    with translation.override("en"):
        report = services.status_report_draft(
            actor=world.as_member(world.manager),
            project=world.project,
            period_start=TODAY() - dt.timedelta(days=7),
            period_end=TODAY(),
        )
    assert "No activity in this period." in report.summary
    assert "No activity in this period." in report.completed
    assert report.suggested_rag == "green"
    assert report_pdf(report, "en").startswith(b"%PDF")


def test_end_before_start_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.status_report_draft(
            actor=world.as_member(world.manager),
            project=world.project,
            period_start=TODAY(),
            period_end=TODAY() - dt.timedelta(days=1),
        )
    assert "period_end" in exc.value.message_dict
    assert not StatusReport.objects.exists()


def test_too_long_section_refused(world):
    report = services.status_report_draft(actor=world.as_member(world.manager), project=world.project)
    with pytest.raises(ValidationError) as exc:
        services.status_report_update(
            actor=world.as_member(world.manager), report=report, data={"summary": "x" * 50_001}
        )
    assert "summary" in exc.value.message_dict
    report.refresh_from_db()
    assert report.summary != "x" * 50_001


def test_publish_sends_pdf_in_each_language(world, smtp, django_capture_on_commit_callbacks):
    zh = f.ContactFactory(
        client=world.client, email="wang@client.example", language="zh-hans", name_local="王伟"
    )
    no_mail = f.ContactFactory(client=world.client, email="")
    world.project.contacts.add(zh, no_mail)
    report = services.status_report_draft(actor=world.as_member(world.manager), project=world.project)
    with django_capture_on_commit_callbacks(execute=True):
        services.status_report_publish(actor=world.as_member(world.manager), report=report, rag="amber")
    report.refresh_from_db()
    world.project.refresh_from_db()
    assert report.is_published and report.published_by == world.manager
    assert world.project.rag == "amber"
    assert len(smtp.messages) == 2
    by_to = {str(m["To"]): m for m in smtp.messages}
    english, chinese = by_to["li.na@client.example"], by_to["wang@client.example"]
    assert "status report" in str(english["Subject"])
    assert "项目状态报告" in str(chinese["Subject"])
    for message in (english, chinese):
        attachments = list(message.iter_attachments())
        assert [a.get_content_type() for a in attachments] == ["application/pdf"]
        assert attachments[0].get_content().startswith(b"%PDF")
    assert "-zh.pdf" in next(chinese.iter_attachments()).get_filename()
    event = Event.objects.get(name="report.published")
    assert event.payload["report_id"] == report.pk and event.payload["recipients"] == 2
    assert OutboxMessage.objects.filter(related_id=str(report.pk), status="sent").count() == 2


def test_published_report_is_read_only_and_revisable(world):
    report = services.status_report_draft(actor=world.as_member(world.manager), project=world.project)
    report = services.status_report_publish(actor=world.as_member(world.manager), report=report)
    with pytest.raises(ValidationError, match="published and can no longer be edited"):
        services.status_report_update(
            actor=world.as_member(world.manager), report=report, data={"summary": "changed"}
        )
    with pytest.raises(ValidationError):
        services.status_report_publish(actor=world.as_member(world.manager), report=report)
    revision = services.status_report_revise(actor=world.as_member(world.manager), report=report)
    assert revision.version == report.version + 1 and revision.revised_from == report
    assert revision.status == ReportStatus.DRAFT and revision.summary == report.summary
    services.status_report_update(
        actor=world.as_member(world.manager), report=revision, data={"summary": "corrected"}
    )
    report.refresh_from_db()
    assert report.summary != "corrected"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_pdf_text_in_chinese_and_english(world):
    f.TaskFactory(project=world.project, title="Install servers", status=TaskStatus.DONE, done_on=TODAY())
    report = services.status_report_draft(actor=world.as_member(world.manager), project=world.project)
    report = services.status_report_publish(actor=world.as_member(world.manager), report=report)

    def text(language):
        return subprocess.run(
            ["pdftotext", "-", "-"], input=report_pdf(report, language), capture_output=True, check=True
        ).stdout.decode()

    english, chinese = text("en"), text("zh-hans")
    for title in ("Summary", "Progress", "Milestones", "Challenges", "Next steps", "Budget"):
        assert title in english
    for title in ("概要", "进展", "里程碑", "当前挑战", "下一步计划", "预算"):
        assert title in chinese
    assert "ERP rollout" in chinese and "Install servers" in chinese


def test_scheduled_drafting_notifies_manager_once(world):
    world.client.report_cadence = "weekly"
    world.client.save()
    today = TODAY()
    world.project.start_date = today - dt.timedelta(days=5)
    world.project.save()
    assert services.draft_due_reports(today) >= 1
    report = StatusReport.objects.get(project=world.project)
    assert report.drafted_automatically and report.due_date == today + dt.timedelta(days=1)
    assert Notification.objects.filter(user=world.manager, url=f"/reports/{report.pk}/").exists()
    services.draft_due_reports(today)
    assert StatusReport.objects.filter(project=world.project).count() == 1


def test_scheduled_drafting_skips_far_due_dates(world):
    world.client.report_cadence = "monthly"
    world.client.save()
    world.project.start_date = TODAY()
    world.project.save()
    services.draft_due_reports(TODAY())
    assert not StatusReport.objects.filter(project=world.project).exists()


def test_a_turn_with_nothing_due_reads_the_projects_once(world):
    """The hourly turn reads each project's last report with the projects: with none of them due,
    three projects cost the queries one does."""
    world.client.report_cadence = "weekly"
    world.client.save()
    today = TODAY()

    def reported_today(project):
        StatusReport.objects.create(
            organization=world.org,
            project=project,
            version=1,
            title="Week",
            period_start=today - dt.timedelta(days=6),
            period_end=today,
            status=ReportStatus.PUBLISHED,
        )

    reported_today(world.project)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert services.draft_due_reports(today) == 0
        return len(ctx.captured_queries)

    one = queries()
    for _ in range(2):
        reported_today(f.ProjectFactory(client=world.client, manager=world.manager, status="active"))
    assert queries() == one
    # Due again a week later (the turn still drafts what is due).
    assert services.draft_due_reports(today + dt.timedelta(days=6)) == 3


def test_pdf_never_fetches_images_named_in_markdown(world):
    import http.server
    import threading

    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        report = services.status_report_draft(actor=world.as_member(world.manager), project=world.project)
        report = services.status_report_update(
            actor=world.as_member(world.manager),
            report=report,
            data={
                "summary": f"![x](http://127.0.0.1:{server.server_port}/secret.png) ![y](file:///etc/passwd)"
            },
        )
        assert report_pdf(report, "en").startswith(b"%PDF")
    finally:
        server.shutdown()
    assert hits == []


@pytest.mark.django_db
def test_services_refuse_a_member_who_does_not_manage_the_project(world):
    """The services check the actor's role themselves, whoever calls them: reports are the
    project manager's (or an admin's), not the team member's."""
    from django.core.exceptions import PermissionDenied

    member = world.as_member(world.member)  # on world.project's team, not its manager
    draft = services.status_report_draft(actor=world.as_member(world.manager), project=world.project)
    published = services.status_report_draft(actor=world.as_member(world.admin), project=world.project)
    services.status_report_publish(actor=world.as_member(world.admin), report=published)
    refused = [
        lambda: services.status_report_draft(actor=member, project=world.project),
        lambda: services.status_report_draft(actor=world.as_member(world.outsider), project=world.project),
        lambda: services.status_report_update(actor=member, report=draft, data={"summary": "No"}),
        lambda: services.status_report_publish(actor=member, report=draft),
        lambda: services.status_report_revise(actor=member, report=published),
    ]
    for call in refused:
        with pytest.raises(PermissionDenied):
            call()
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT and draft.summary != "No"
    assert StatusReport.objects.filter(project=world.project).count() == 2
