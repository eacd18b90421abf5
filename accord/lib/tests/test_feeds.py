"""Feed validators: the ETag ignores DTSTAMP, Last-Modified moves forward with every new version
(even two within a second), and a client holding the current version gets 304 without a body."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.utils.http import parse_http_date

from accord.lib.feeds import feed_etag, feed_response

ICS = (
    b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTAMP:20261204T100000Z\r\n"
    b"SUMMARY:A\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_etag_ignores_the_time_the_document_was_made():
    later = ICS.replace(b"20261204T100000Z", b"20261204T110000Z")
    assert feed_etag(ICS) == feed_etag(later)
    assert feed_etag(ICS) != feed_etag(ICS.replace(b"SUMMARY:A", b"SUMMARY:B"))


def test_versions_within_one_second_still_get_later_dates():
    factory = RequestFactory()
    first = feed_response(factory.get("/f.ics"), ICS, key="k", content_type="text/calendar")
    second = feed_response(
        factory.get("/f.ics"), ICS.replace(b"SUMMARY:A", b"SUMMARY:B"), key="k", content_type="text/calendar"
    )
    assert parse_http_date(second["Last-Modified"]) > parse_http_date(first["Last-Modified"])
    stale = feed_response(
        factory.get("/f.ics", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]),
        ICS.replace(b"SUMMARY:A", b"SUMMARY:B"),
        key="k",
        content_type="text/calendar",
    )
    assert stale.status_code == 200
    current = feed_response(
        factory.get("/f.ics", HTTP_IF_NONE_MATCH=second["ETag"]),
        ICS.replace(b"SUMMARY:A", b"SUMMARY:B"),
        key="k",
        content_type="text/calendar",
    )
    assert (current.status_code, current.content) == (304, b"")
