"""Dates and times read the same way on every page: one form per language, through |day and |moment."""

import datetime as dt
import zoneinfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from accord.testing import factories as f

DAY = dt.date(2027, 4, 13)
MOMENT = dt.datetime(2027, 4, 13, 15, 4, 59, 999999, tzinfo=dt.UTC)

DAYS = {"en-us": "Apr 13, 2027", "en": "Apr 13, 2027", "en-gb": "13 Apr 2027", "zh-hans": "2027年4月13日"}
MOMENTS = {
    # 15:04 UTC in Asia/Shanghai is 23:04 the same day; in Los Angeles 08:04.
    ("en-us", "Asia/Shanghai"): "Apr 13, 2027, 11:04 PM",
    ("en-gb", "Asia/Shanghai"): "13 Apr 2027, 23:04",
    ("zh-hans", "Asia/Shanghai"): "2027年4月13日 23:04",
    ("en-us", "America/Los_Angeles"): "Apr 13, 2027, 8:04 AM",
    ("en-gb", "America/Los_Angeles"): "13 Apr 2027, 08:04",
    ("zh-hans", "America/Los_Angeles"): "2027年4月13日 08:04",
    ("en-gb", "UTC"): "13 Apr 2027, 15:04",
    ("en-us", "UTC"): "Apr 13, 2027, 3:04 PM",
    ("zh-hans", "UTC"): "2027年4月13日 15:04",
}


@pytest.mark.parametrize("language", ["en-us", "en", "en-gb", "zh-hans"])
def test_task_page_shows_the_due_day_in_the_viewers_form(world, language):
    task = f.TaskFactory(project=world.project, due_date=DAY)
    world.manager.language = language
    world.manager.save()
    page = world.http(world.manager).get(reverse("projects:task_detail", args=[task.pk])).content.decode()
    assert DAYS[language] in page
    for other in {v for k, v in DAYS.items() if v != DAYS[language]}:
        assert other not in page
    assert "04/13/2027" not in page and "Apr. 13" not in page


@pytest.mark.parametrize(("language", "zone"), list(MOMENTS))
def test_moment_is_local_and_to_the_minute(language, zone):
    template = Template("{{ when|moment }}|{{ when|day }}")
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        text = template.render(Context({"when": MOMENT}))
    moment, day = text.split("|")
    assert moment == MOMENTS[(language, zone)]
    assert day == DAYS[language]


def test_browser_language_en_gb_gets_british_dates(world):
    """A person who follows the browser (no stored language) and sends en-GB gets British forms."""
    task = f.TaskFactory(project=world.project, due_date=DAY)
    world.manager.language = ""
    world.manager.save()
    http = world.http(world.manager)
    url = reverse("projects:task_detail", args=[task.pk])
    page = http.get(url, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    assert "13 Apr 2027" in page.content.decode()
    page = http.get(url, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
    assert "04/13/2027" not in page.content.decode()


def test_preference_can_be_british_english(world):
    http = world.http(world.manager)
    response = http.post(
        reverse("tenancy:profile"), {"full_name": "M", "language": "en-gb", "timezone": "Europe/Berlin"}
    )
    assert response.status_code == 302
    world.manager.refresh_from_db()
    assert world.manager.language == "en-gb"


def test_form_inputs_keep_iso_dates_in_british_english(world):
    from django import forms

    class DueForm(forms.Form):
        due = forms.DateField()

    with translation.override("en-gb"):
        assert 'value="2027-04-13"' in str(DueForm(initial={"due": DAY})["due"])
        assert DueForm({"due": "2027-04-13"}).is_valid()
