import datetime as dt

import pytest
from django.utils import formats, timezone, translation

from accord.projects.models import TaskStatus
from accord.reports import charts
from accord.reports.selectors import burnup_series
from accord.testing import factories as f


def test_burnup_never_has_more_done_than_in_scope(world):
    today = timezone.localdate()
    # Tasks recorded today but finished weeks ago (an import): they count in scope from when done.
    for days in (20, 10, 5):
        f.TaskFactory(project=world.project, status=TaskStatus.DONE, done_on=today - dt.timedelta(days=days))
    f.TaskFactory(project=world.project)
    series = burnup_series(world.project, today)
    assert series[-1] == {"date": today.isoformat(), "total": 4, "done": 3}
    assert all(point["done"] <= point["total"] for point in series)
    assert [p["done"] for p in series] == sorted(p["done"] for p in series)


def test_charts_are_svg_with_escaped_text():
    timeline = charts.milestone_timeline(
        [{"name": "<script>x</script>", "baseline": "2026-01-01", "due": "2026-01-10", "completed_on": None}]
    )
    assert timeline.startswith("<svg") and "<script>" not in timeline and "&lt;script&gt;" in timeline
    history = charts.rag_history(
        [{"date": "2026-01-01", "rag": "red"}, {"date": "2026-01-08", "rag": "green"}]
    )
    assert history.count("<rect") == 2 and "#dc2626" in history
    assert "No data yet." in charts.burnup([])


def _date_rows(svg: str, y: str) -> list[tuple[float, float, str]]:
    """(left, right, text) of the chart's texts on the baseline ``y``, from the SVG itself;
    widths estimated on their own: CJK one em, any other character 0.62 em."""
    import unicodedata
    import xml.etree.ElementTree as ET

    rows = []
    for node in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text"):
        if node.get("y") != y:
            continue
        size, text = float(node.get("font-size")), node.text
        width = sum(size if unicodedata.east_asian_width(c) in "WF" else 0.62 * size for c in text)
        x, anchor = float(node.get("x")), node.get("text-anchor", "start")
        left = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
        rows.append((left, left + width, text))
    return sorted(rows)


def _assert_apart(rows, chart_width):
    assert rows, "no date label drawn"
    assert rows[0][0] >= 0 and rows[-1][1] <= chart_width
    for (_l1, right, first), (left, _r2, second) in zip(rows, rows[1:], strict=False):
        assert left >= right + 4, f"{first!r} and {second!r} overlap"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_dense_date_labels_never_overlap(language):
    start = dt.date(2026, 11, 2)
    weekly = [{"date": (start + dt.timedelta(weeks=i)).isoformat(), "rag": "green"} for i in range(30)]
    with translation.override(language):
        history = charts.rag_history(weekly)
        rows = _date_rows(history, "54")
        _assert_apart(rows, 560)
        last = formats.date_format(dt.date.fromisoformat(weekly[-1]["date"]), "SHORT_DATE_FORMAT")
        assert rows[-1][2] == last and len(rows) > 2  # the latest date is always shown
        # A burn-up squeezed to a narrow width, dates a day apart.
        narrow = charts.burnup(
            [
                {"date": "2026-12-30", "total": 3, "done": 1},
                {"date": "2026-12-31", "total": 3, "done": 2},
            ],
            width=180,
        )
        _assert_apart(_date_rows(narrow, str(220 - 18)), 180)
        wide = charts.burnup(
            [{"date": "2026-12-30", "total": 3, "done": 1}, {"date": "2026-12-31", "total": 3, "done": 2}]
        )
        assert len(_date_rows(wide, str(220 - 18))) == 2
        _assert_apart(_date_rows(wide, str(220 - 18)), 560)
