from accord.core.demo import DemoContext
from accord.meetings import demo as meetings_demo
from accord.meetings.models import ActionItem, Meeting
from accord.reports import demo as reports_demo
from accord.reports.models import StatusReport


def test_demo_reports_and_meetings_are_idempotent(world):
    ctx = DemoContext(projects={"erp": world.project})
    for _ in range(2):
        reports_demo.load(ctx)
        meetings_demo.load(ctx)
    assert list(StatusReport.objects.values_list("status", flat=True).order_by("version")) == [
        "published",
        "draft",
    ]
    assert Meeting.objects.filter(project=world.project).count() == 2
    assert Meeting.objects.filter(minutes_published_at__isnull=False).count() == 1
    assert ActionItem.objects.filter(owner_contact=world.contact).count() == 1
