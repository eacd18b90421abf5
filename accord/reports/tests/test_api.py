import datetime as dt

import pytest
from django.utils import timezone

from accord.comms.models import Event
from accord.reports import services
from accord.reports.models import StatusReport
from accord.testing import factories as f

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
    report = services.status_report_draft(actor=world.as_member(world.manager), project=world.project)
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


def test_audience_then_publish_and_draft_language(world):
    from accord.comms.tests.factories import PlanItemFactory

    chinese = f.ContactFactory(client=world.client, email="wang@client.example", language="zh-hans")
    nomail = f.ContactFactory(client=world.client, email="")
    item = PlanItemFactory(project=world.project, purpose="Status report")
    item.audience_contacts.set([chinese, nomail])
    api = world.api(world.manager)
    assert api.post(f"/projects/{world.project.pk}/reports", {"language": "fr"}).status_code == 422
    created = api.post(f"/projects/{world.project.pk}/reports", {"language": "zh-hans"})
    assert created.status_code == 201 and "本期没有活动。" in created.json()["summary"]
    rid = created.json()["id"]
    audience = world.api(world.member).get(f"/reports/{rid}/audience").json()
    assert audience["plan_item_id"] == item.pk and audience["plan_item_purpose"] == "Status report"
    assert [(r["email"], r["language"]) for r in audience["recipients"]] == [
        ("wang@client.example", "zh-hans")
    ]
    assert [(s["contact_id"], s["reason"]) for s in audience["skipped"]] == [(nomail.pk, "no e-mail address")]
    stale = api.post(f"/reports/{rid}/publish", {"audience": "0" * 16})
    assert stale.status_code == 422 and "recipients changed" in stale.json()["message"]
    published = api.post(f"/reports/{rid}/publish", {"audience": audience["fingerprint"]})
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert Event.objects.get(name="report.published").payload["recipients"] == 1
