"""A new report's defaults: the period (since the last report, else as long as the plan item's
cadence), the title's dates in the viewer's day format, and what publishing to nobody says."""

import datetime as dt
import zoneinfo

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone, translation

from accord.comms.models import CadenceKind
from accord.comms.tests.factories import PlanItemFactory
from accord.lib.dates import format_day
from accord.reports.models import StatusReport

from .factories import StatusReportFactory

pytestmark = pytest.mark.django_db

TIME_ZONES = ["UTC", "Asia/Shanghai", "America/Los_Angeles"]


def _form_period(html):
    import re

    start = re.search(r'id="id_period_start" name="period_start" value="([0-9-]+)"', html).group(1)
    end = re.search(r'id="id_period_end" name="period_end" value="([0-9-]+)"', html).group(1)
    return dt.date.fromisoformat(start), dt.date.fromisoformat(end)


@pytest.mark.parametrize("tz", TIME_ZONES)
@pytest.mark.parametrize(
    ("cadence", "days"), [(None, 14), (CadenceKind.WEEKLY, 7), (CadenceKind.MONTHLY, None)]
)
def test_first_report_covers_the_cadence(world, tz, cadence, days):
    # The period ends on the manager's today, in their time zone.
    world.manager.timezone = tz
    world.manager.save()
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(tz))
    world.project.start_date = today - dt.timedelta(days=90)
    world.project.save()
    if cadence == CadenceKind.MONTHLY:
        PlanItemFactory(
            project=world.project, purpose="Monthly status report", cadence=cadence, rrule="FREQ=MONTHLY"
        )
        expected = today - relativedelta(months=1) + dt.timedelta(days=1)
    else:
        if cadence:
            PlanItemFactory(project=world.project, purpose="Weekly status report", cadence=cadence)
        expected = today - dt.timedelta(days=days - 1)
    html = world.http(world.manager).get(f"/projects/{world.project.pk}/reports/").content.decode()
    assert _form_period(html) == (expected, today)


def test_next_report_starts_the_day_after_the_last_one(world):
    today = timezone.localdate()
    StatusReportFactory(
        project=world.project,
        period_start=today - dt.timedelta(days=20),
        period_end=today - dt.timedelta(days=6),
    )
    html = world.http(world.manager).get(f"/projects/{world.project.pk}/reports/").content.decode()
    assert _form_period(html) == (today - dt.timedelta(days=5), today)


def test_a_last_report_ending_today_does_not_leave_a_one_day_period(world):
    today = timezone.localdate()
    StatusReportFactory(project=world.project, period_start=today - dt.timedelta(days=7), period_end=today)
    html = world.http(world.manager).get(f"/projects/{world.project.pk}/reports/").content.decode()
    start, end = _form_period(html)
    assert end == today and (end - start).days == 13


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_title_dates_use_the_day_format(world, language):
    response = world.http(world.manager).post(
        f"/projects/{world.project.pk}/reports/new/", {"language": language}
    )
    assert response.status_code == 302
    report = StatusReport.objects.get(project=world.project)
    with translation.override(language):
        expected = f"{format_day(report.period_start)} – {format_day(report.period_end)}"
    assert expected in report.title
    assert report.period_start.isoformat() not in report.title
    if language == "zh-hans":
        assert "年" in report.title


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_publishing_to_nobody_says_so(world, language):
    world.project.contacts.clear()
    http = world.http(world.manager)
    http.cookies["django_language"] = language
    http.post(f"/projects/{world.project.pk}/reports/new/", {"language": "en"})
    report = StatusReport.objects.get(project=world.project)
    page = http.get(f"/reports/{report.pk}/").content.decode()
    with translation.override(language):
        empty = translation.gettext("No recipients yet — add stakeholders or a plan item.")
        done = translation.gettext(
            "Report published; no recipients yet — add stakeholders or a plan item. "
            "Until then it is only in the client portal."
        )
        listed = translation.gettext("Report published and sent to the recipients listed.")
    assert empty in page and f"/projects/{world.project.pk}/edit/" in page
    response = http.post(f"/reports/{report.pk}/publish/", {"rag": "green"}, follow=True)
    html = response.content.decode()
    assert done in html and listed not in html
    if language == "zh-hans":
        assert "尚无收件人" in html
