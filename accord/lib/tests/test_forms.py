import datetime as dt
import zoneinfo

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from accord.lib.dates import wall_time
from accord.lib.forms import DateInput, DateTimeInput, IsoDatesMixin, WallDateTimeField


class Sample(IsoDatesMixin, forms.Form):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date", "class": "x"}))
    at = forms.DateTimeField()
    wall = WallDateTimeField(required=False)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai", "America/Los_Angeles"])
def test_date_inputs_render_iso_in_every_language(language, zone):
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        form = Sample(
            initial={"day": dt.date(2026, 12, 1), "at": dt.datetime(2026, 12, 1, 9, 5, tzinfo=dt.UTC)}
        )
        html = str(form)
        local = dt.datetime(2026, 12, 1, 9, 5, tzinfo=dt.UTC).astimezone(zoneinfo.ZoneInfo(zone))
    assert 'type="date"' in html and 'value="2026-12-01"' in html and 'class="x"' in html
    assert f'value="{local:%Y-%m-%dT%H:%M}"' in html and 'type="datetime-local"' in html
    assert isinstance(form.fields["day"].widget, DateInput)
    assert isinstance(form.fields["at"].widget, DateTimeInput)


def test_an_unchanged_time_keeps_its_seconds():
    stored = dt.datetime(2026, 12, 1, 9, 5, 42, 123456, tzinfo=dt.UTC)
    with timezone.override(zoneinfo.ZoneInfo("Asia/Shanghai")):
        form = Sample({"day": "2026-12-01", "at": "2026-12-01T17:05"}, initial={"at": stored})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["at"] == stored
        changed = Sample({"day": "2026-12-01", "at": "2026-12-01T17:06"}, initial={"at": stored})
        assert changed.is_valid() and changed.cleaned_data["at"] == stored.replace(
            minute=6, second=0, microsecond=0
        )


def test_wall_time_is_left_for_the_form_to_place():
    with timezone.override(zoneinfo.ZoneInfo("America/Los_Angeles")):
        form = Sample({"day": "2026-12-01", "at": "2026-12-01T10:00", "wall": "2026-12-07T10:00"})
        assert form.is_valid()
    assert form.cleaned_data["wall"] == dt.datetime(2026, 12, 7, 10, 0)
    assert wall_time(form.cleaned_data["wall"], "Asia/Shanghai") == dt.datetime(
        2026, 12, 7, 2, 0, tzinfo=dt.UTC
    )


def test_wall_time_refuses_a_time_the_clocks_skip():
    with pytest.raises(ValidationError):
        wall_time(dt.datetime(2027, 3, 28, 2, 30), "Europe/Berlin")
    # The repeated hour in autumn is taken as its first occurrence.
    autumn = wall_time(dt.datetime(2027, 10, 31, 2, 30), "Europe/Berlin")
    assert autumn.utcoffset() == dt.timedelta(hours=2)
