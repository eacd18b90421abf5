import datetime as dt

from django.utils import timezone

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
