"""Version tokens: one per saved state of a row, the same whatever the time zone, and read back
from every form a client may send them in."""

import datetime as dt
import zoneinfo

import pytest

from accord.lib.versioning import etag, normalise, parse_tags, token_time, version_token


@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai", "America/Los_Angeles"])
def test_the_token_is_the_moment_whatever_the_zone(zone):
    moment = dt.datetime(2026, 12, 4, 23, 50, 1, 123456, tzinfo=dt.UTC)
    local = moment.astimezone(zoneinfo.ZoneInfo(zone))
    assert version_token(local) == version_token(moment) == "1796428201123456"
    assert token_time(version_token(local)) == moment


def test_one_microsecond_is_another_version():
    moment = dt.datetime(2026, 12, 4, 23, 50, 1, 123456, tzinfo=dt.UTC)
    assert version_token(moment + dt.timedelta(microseconds=1)) != version_token(moment)


def test_tags_as_clients_send_them():
    assert etag("42") == '"42"'
    assert parse_tags('"42", W/"43" ,*') == ["42", "43", "*"]
    assert parse_tags("") == []
    for sent in ("42", '"42"', 'W/"42"', 42):
        assert normalise(sent) == "42"


def test_a_token_accord_did_not_issue_has_no_moment():
    assert token_time("yesterday") is None
    assert token_time("9" * 40) is None
