import datetime as dt
import re

import pytest
from django.utils import timezone

from accord.projects.models import TaskStatus
from accord.reports import services
from accord.reports.models import StatusReport
from accord.testing import factories as f

from .factories import StatusReportFactory

TODAY = timezone.localdate


@pytest.fixture
def draft(world):
    return services.status_report_draft(actor=world.as_member(world.manager), project=world.project)


@pytest.mark.parametrize("rows", [2, 50])
def test_list_query_count_is_flat(world, rows, django_assert_num_queries):
    for _ in range(rows):
        StatusReportFactory(project=world.project)
    http = world.http(world.member)
    http.get(f"/projects/{world.project.pk}/reports/")  # warm the session and caches
    # The eighth query finds the plan item whose cadence sets the default period.
    with django_assert_num_queries(8):
        response = http.get(f"/projects/{world.project.pk}/reports/")
    assert response.status_code == 200
    assert response.content.decode().count("/reports/") >= rows


def test_foreign_project_is_404(world):
    assert world.http(world.outsider).get(f"/projects/{world.project.pk}/reports/").status_code == 404
    report = StatusReportFactory(project=world.project)
    assert world.http(world.outsider).get(f"/reports/{report.pk}/").status_code == 404
    assert world.http(world.outsider).get(f"/reports/{report.pk}/pdf/").status_code == 404


def test_create_with_end_before_start_is_a_clear_422(world):
    response = world.http(world.manager).post(
        f"/projects/{world.project.pk}/reports/new/",
        {"period_start": TODAY().isoformat(), "period_end": (TODAY() - dt.timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 422
    assert "The end must not be before the start." in response.content.decode()
    assert not StatusReport.objects.exists()


def test_member_may_not_draft(world):
    response = world.http(world.member).post(f"/projects/{world.project.pk}/reports/new/", {})
    assert response.status_code == 403
    assert not StatusReport.objects.exists()


def test_draft_edit_publish_flow(world):
    f.TaskFactory(project=world.project, title="Cutover rehearsal", status=TaskStatus.DONE, done_on=TODAY())
    http = world.http(world.manager)
    response = http.post(f"/projects/{world.project.pk}/reports/new/", {})
    assert response.status_code == 302
    report = StatusReport.objects.get()
    page = http.get(response["Location"]).content.decode()
    assert "Cutover rehearsal" in page and "<svg" in page  # charts are inline SVG
    data = {"title": "Week 12", "rag": "amber", "summary": "<script>alert(1)</script>**On plan**"}
    data.update(
        dict.fromkeys(("progress", "milestones", "completed", "challenges", "next_steps", "budget"), "")
    )
    assert http.post(f"/reports/{report.pk}/edit/", data).status_code == 302
    page = http.get(f"/reports/{report.pk}/").content.decode()
    assert "<strong>On plan</strong>" in page and "<script>alert(1)" not in page
    assert http.post(f"/reports/{report.pk}/publish/", {"rag": "red"}).status_code == 302
    world.project.refresh_from_db()
    assert world.project.rag == "red"
    response = http.get(f"/reports/{report.pk}/edit/", follow=True)
    assert "published and can no longer be edited" in response.content.decode()
    assert http.post(f"/reports/{report.pk}/edit/", data).status_code == 302
    report.refresh_from_db()
    assert report.title == "Week 12" and report.rag == "red"
    response = http.post(f"/reports/{report.pk}/revise/")
    assert response.status_code == 302
    assert StatusReport.objects.filter(revised_from=report, version=2).exists()


def test_live_preview_is_sanitised(world, draft):
    response = world.http(world.manager).post(
        f"/reports/{draft.pk}/preview/",
        {"summary": "# Hello\n<script>x()</script><img src=x onerror=alert(1)>"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Hello</h1>" in body and "<script>" not in body and "onerror" not in body


def test_five_megabyte_paste_is_refused_clearly(world, draft):
    response = world.http(world.manager).post(
        f"/reports/{draft.pk}/edit/", {"title": "x", "rag": "green", "summary": "a" * (5 * 1024 * 1024 + 10)}
    )
    assert response.status_code == 413
    assert "too large (over 5 MB)" in response.content.decode()
    draft.refresh_from_db()
    assert not draft.summary.startswith("aaaa")


def test_long_section_is_refused_by_the_form(world, draft):
    response = world.http(world.manager).post(
        f"/reports/{draft.pk}/edit/", {"title": "x", "rag": "green", "summary": "a" * 60_000}
    )
    assert response.status_code == 422
    assert "This section is too long" in response.content.decode()


def test_team_pdf_download(world, draft):
    response = world.http(world.member).get(f"/reports/{draft.pk}/pdf/?lang=zh-hans")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and "-zh.pdf" in response["Content-Disposition"]


def test_portal_shows_only_published_reports(world, draft):
    http = world.http(world.client_user)
    assert http.get(f"/portal/reports/{draft.pk}/").status_code == 404
    assert http.get(f"/portal/reports/{draft.pk}/pdf/").status_code == 404
    services.status_report_publish(actor=world.as_member(world.manager), report=draft)
    listing = http.get(f"/portal/projects/{world.project.pk}/reports/")
    assert listing.status_code == 200 and draft.title in listing.content.decode()
    assert http.get(f"/portal/reports/{draft.pk}/").status_code == 200
    pdf = http.get(f"/portal/reports/{draft.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # A project the contact is not part of stays invisible.
    assert http.get(f"/portal/projects/{world.other_project.pk}/reports/").status_code == 404


def test_draft_form_offers_the_language_and_defaults_to_the_clients(world):
    world.client.language = "zh-hans"
    world.client.save()
    http = world.http(world.manager)
    page = http.get(f"/projects/{world.project.pk}/reports/").content.decode()
    assert '<option value="zh-hans" lang="zh-hans" selected>简体中文</option>' in page
    assert '<option value="en" lang="en">English</option>' in page
    assert http.post(f"/projects/{world.project.pk}/reports/new/", {"language": "en"}).status_code == 302
    report = StatusReport.objects.get()
    assert report.language == "en" and "No activity in this period." in report.summary
    response = http.post(f"/projects/{world.project.pk}/reports/new/", {"language": "fr"})
    assert response.status_code == 422
    assert "Choose English or Simplified Chinese." in response.content.decode()
    assert StatusReport.objects.count() == 1


def test_publish_screen_lists_who_gets_it_before_sending(world, draft):
    from accord.comms.models import OutboxMessage

    nomail = f.ContactFactory(client=world.client, first_name="Bo", last_name="Chen", email="")
    world.project.contacts.add(nomail)
    http = world.http(world.manager)
    page = http.get(f"/reports/{draft.pk}/").content.decode()
    listed = page[page.index('id="audience"') :]
    assert "No status-report item in the communication plan" in listed
    assert "李娜 (Na Li)" in listed and "li.na@client.example" in listed
    assert "Bo Chen — no e-mail address" in listed
    fingerprint = re.search(r'name="audience" value="([0-9a-f]+)"', page).group(1)

    # Someone joins the stakeholders after the page was shown: the manager is asked to look again.
    late = f.ContactFactory(client=world.client, email="late@client.example")
    world.project.contacts.add(late)
    response = http.post(
        f"/reports/{draft.pk}/publish/", {"rag": "green", "audience": fingerprint}, follow=True
    )
    assert "The recipients changed since this page was shown" in response.content.decode()
    draft.refresh_from_db()
    assert not draft.is_published and not OutboxMessage.objects.exists()

    page = http.get(f"/reports/{draft.pk}/").content.decode()
    assert "late@client.example" in page
    fingerprint = re.search(r'name="audience" value="([0-9a-f]+)"', page).group(1)
    response = http.post(
        f"/reports/{draft.pk}/publish/", {"rag": "green", "audience": fingerprint}, follow=True
    )
    assert "Report published and sent to the recipients listed." in response.content.decode()
    assert sorted(OutboxMessage.objects.values_list("recipient", flat=True)) == [
        "late@client.example",
        "li.na@client.example",
    ]
    assert 'id="audience"' not in response.content.decode()  # published: nothing left to confirm
