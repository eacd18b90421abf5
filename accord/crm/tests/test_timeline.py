"""The client page shows the timeline a page at a time, newest first, with a link to older ones."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from accord.crm.selectors import TIMELINE_PAGE
from accord.testing import factories as f


def _log(world, n, **extra):
    now = timezone.now()
    return [
        f.InteractionFactory(
            client=world.client, summary=f"Entry {i:03d}", occurred_at=now - dt.timedelta(hours=i), **extra
        )
        for i in range(n)
    ]


def _entries(body: str) -> list[str]:
    return re.findall(r"<strong>(Entry \d{3})</strong>", body)


def _older_link(body: str) -> str | None:
    found = re.search(r'href="\?([^"#]*)#timeline" data-testid="timeline-older"', body)
    return found and found.group(1).replace("&amp;", "&")


@pytest.mark.django_db
class TestTimelinePages:
    def test_pages_follow_each_other_without_gaps_or_repeats(self, world):
        _log(world, TIMELINE_PAGE * 2 + 3)
        # Two at the same moment as a page boundary: the id decides their order.
        same = timezone.now() - dt.timedelta(hours=TIMELINE_PAGE - 1)
        f.InteractionFactory(client=world.client, summary="Entry 900", occurred_at=same)
        http = world.http(world.member)
        url = f"/clients/{world.client.pk}/"
        seen, query = [], ""
        while True:
            body = http.get(url + ("?" + query if query else "")).content.decode()
            page = _entries(body)
            assert 0 < len(page) <= TIMELINE_PAGE
            seen += page
            query = _older_link(body)
            if not query:
                break
        assert len(seen) == TIMELINE_PAGE * 2 + 4 == len(set(seen))
        assert seen[0] == "Entry 000" and seen[-1] == f"Entry {TIMELINE_PAGE * 2 + 2:03d}"

    def test_kind_filter_is_kept_across_pages(self, world):
        _log(world, TIMELINE_PAGE + 1, kind="email")
        _log(world, 3, kind="call")
        http = world.http(world.member)
        body = http.get(f"/clients/{world.client.pk}/", {"kind": "email"}).content.decode()
        query = _older_link(body)
        assert query.startswith("kind=email&before=")
        older = _entries(http.get(f"/clients/{world.client.pk}/?{query}").content.decode())
        assert older == [f"Entry {TIMELINE_PAGE:03d}"]

    def test_another_clients_interaction_as_cursor_shows_nothing_of_it(self, world):
        foreign = f.InteractionFactory(client=world.foreign_client, summary="Rival entry")
        _log(world, 3)
        body = world.http(world.member).get(f"/clients/{world.client.pk}/", {"before": foreign.pk})
        assert body.status_code == 200
        text = body.content.decode()
        assert "Rival entry" not in text and _entries(text) == []

    @pytest.mark.parametrize("before", ["abc", "-1", "9" * 40])
    def test_a_bad_cursor_is_ignored(self, world, before):
        _log(world, 2)
        response = world.http(world.member).get(f"/clients/{world.client.pk}/", {"before": before})
        assert response.status_code == 200
        assert _entries(response.content.decode()) == ["Entry 000", "Entry 001"]


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [2, TIMELINE_PAGE * 3])
def test_an_older_page_costs_the_same_queries(world, rows, django_assert_num_queries):
    entries = _log(world, rows, created_by=world.member)
    http = world.http(world.member)
    url = f"/clients/{world.client.pk}/?before={entries[0].pk}"
    http.get(url)
    with django_assert_num_queries(12):
        assert http.get(url).status_code == 200


@pytest.mark.django_db
def test_an_entry_shows_the_first_line_of_its_body_as_text(world):
    """The timeline shows a body's first 220 characters of text, its Markdown and any markup
    gone; a long body (an e-mail thread) is cut before it is rendered."""
    f.InteractionFactory(
        client=world.client,
        summary="Kick-off",
        body="**验收测试** scope agreed & [plan](https://example.com/p) <script>alert(1)</script>\n\n"
        + "Next week. " * 5000,
    )
    html = world.http(world.member).get(f"/clients/{world.client.pk}/").content.decode()
    [shown] = re.findall(r'<div class="muted small">([^<]*验收测试[^<]*)</div>', html)
    assert shown.startswith("验收测试 scope agreed &amp; plan \nNext week. Next week.")
    assert shown.endswith("…") and len(shown.replace("&amp;", "&")) == 220
    assert "<script>" not in html and "alert" not in shown and "**" not in shown
