import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone, translation

from accord.lib.dates import format_day, format_moment
from accord.lib.money import currency_for_locale, currency_from_accept_language


@pytest.mark.parametrize(
    ("tag", "currency"),
    [
        ("en-GB", "GBP"),
        ("de-DE", "EUR"),
        ("zh-CN", "CNY"),
        ("zh-hans", "CNY"),
        ("en-us", "USD"),
        ("en", ""),
        ("xx-QQ", ""),
    ],
)
def test_currency_of_a_language_tags_region(tag, currency):
    assert currency_for_locale(tag) == currency


def test_currency_from_the_first_language_with_a_region():
    assert currency_from_accept_language("en,de-DE;q=0.8,fr-FR;q=0.5") == "EUR"
    assert currency_from_accept_language("") == ""


def test_a_datetime_counts_as_the_viewers_local_day():
    late = dt.datetime(2027, 4, 13, 20, 30, tzinfo=dt.UTC)
    with translation.override("en-gb"), timezone.override(zoneinfo.ZoneInfo("Asia/Shanghai")):
        assert format_day(late) == "14 Apr 2027"
        assert format_moment(late) == "14 Apr 2027, 04:30"
        assert format_moment(dt.date(2027, 4, 13)) == "13 Apr 2027"
        assert format_day(None) == "" and format_moment("") == ""


def test_a_text_made_once_is_its_language_and_zones_only():
    """Formatted texts are kept per language and UTC offset: the same instant read in Los Angeles
    after Shanghai, or in English after Chinese, is not given the other's text."""
    late = dt.datetime(2027, 4, 13, 20, 30, tzinfo=dt.UTC)
    seen = []
    for zone_name in ("Asia/Shanghai", "America/Los_Angeles", "UTC", "Asia/Shanghai"):
        for language in ("zh-hans", "en-gb", "en"):
            with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone_name)):
                seen.append((zone_name, language, format_moment(late), format_day(late)))
    assert seen[0] == ("Asia/Shanghai", "zh-hans", "2027年4月14日 04:30", "2027年4月14日")
    assert seen[1] == ("Asia/Shanghai", "en-gb", "14 Apr 2027, 04:30", "14 Apr 2027")
    assert seen[2] == ("Asia/Shanghai", "en", "Apr 14, 2027, 4:30 AM", "Apr 14, 2027")
    assert seen[3] == ("America/Los_Angeles", "zh-hans", "2027年4月13日 13:30", "2027年4月13日")
    assert seen[4] == ("America/Los_Angeles", "en-gb", "13 Apr 2027, 13:30", "13 Apr 2027")
    assert seen[7] == ("UTC", "en-gb", "13 Apr 2027, 20:30", "13 Apr 2027")
    assert seen[9:] == seen[:3]
