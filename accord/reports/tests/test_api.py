import datetime as dt

import pytest
from django.utils import timezone

from accord.comms.models import Event
from accord.reports import services
from accord.reports.models import StatusReport

from .factories import StatusReportFactory

TODAY = timezone.localdate


@pytest.mark.parametrize("rows", [2, 50])
def test_list_query_count_is_flat(world, rows, django_assert_num_queries):
    for _ in range(rows):
        StatusReportFactory(project=world.project)
    api = world.api(world.member)
    with django_assert_num_queries(5):
        response = api.get(f"/projects/{world.project.pk}/reports", {"limit": 100})
    assert response.status_code == 200 and len(response.json()["items"]) == rows


def test_other_organisation_is_404(world):
    report = StatusReportFactory(project=world.project)
    api = world.api(world.outsider)
    assert api.get(f"/projects/{world.project.pk}/reports").status_code == 404
    assert api.get(f"/reports/{report.pk}").status_code == 404
    assert api.patch(f"/reports/{report.pk}", {"summary": "x"}).status_code == 404
    assert api.post(f"/reports/{report.pk}/publish", {}).status_code == 404


def test_create_patch_publish_pdf(world):
    api = world.api(world.manager)
    bad = api.post(
        f"/projects/{world.project.pk}/reports",
        {"period_start": TODAY().isoformat(), "period_end": (TODAY() - dt.timedelta(days=1)).isoformat()},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "period_end"
    created = api.post(f"/projects/{world.project.pk}/reports", {})
    assert created.status_code == 201
    rid = created.json()["id"]
    assert created.json()["rag_reasons"]
    patched = api.patch(f"/reports/{rid}", {"summary": "Going well", "rag": "amber"})
    assert patched.status_code == 200 and patched.json()["summary"] == "Going well"
    assert api.patch(f"/reports/{rid}", {"rag": "purple"}).status_code == 422
    published = api.post(f"/reports/{rid}/publish", {})
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert Event.objects.filter(name="report.published", payload__report_id=rid).exists()
    refused = api.patch(f"/reports/{rid}", {"summary": "sneaky"})
    assert refused.status_code == 422 and "published" in refused.json()["message"]
    pdf = api.get(f"/reports/{rid}/pdf?lang=zh")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    revised = api.post(f"/reports/{rid}/revise")
    assert revised.status_code == 201 and revised.json()["version"] == 2


def test_member_cannot_publish(world):
    report = services.status_report_draft(actor=world.manager, project=world.project)
    response = world.api(world.member).post(f"/reports/{report.pk}/publish", {})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == "draft"


def test_huge_patch_refused(world):
    report = StatusReport.objects.create(
        organization=world.org,
        project=world.project,
        version=1,
        title="t",
        period_start=TODAY(),
        period_end=TODAY(),
    )
    response = world.api(world.manager).patch(f"/reports/{report.pk}", {"summary": "a" * 60_000})
    assert response.status_code == 422
