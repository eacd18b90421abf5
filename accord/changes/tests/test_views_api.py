"""Change request pages and API: the client's decision through a client token, baselines,
the change log export, tenancy and query counts."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from accord.audit.models import AuditAction, AuditEntry
from accord.changes import services
from accord.changes.models import Baseline, ChangeRequest, ChangeStatus
from accord.changes.tests.factories import ChangeRequestFactory, assessed
from accord.needs.tests.factories import NeedFactory
from accord.testing import factories as f


def _changes(world, n):
    for _ in range(n):
        change = ChangeRequestFactory(project=world.project, requested_by=world.contact)
        change.need_links.create(organization_id=world.org.pk, need=NeedFactory(project=world.project))


@pytest.mark.parametrize("n", [2, 50])
def test_project_list_query_count(world, django_assert_num_queries, n):
    _changes(world, n)
    http = world.http(world.member)
    url = reverse("changes:project_list", args=[world.project.pk])
    http.get(url)
    with django_assert_num_queries(9):
        assert http.get(url).status_code == 200


@pytest.mark.parametrize("n", [2, 50])
def test_api_list_query_count(world, django_assert_num_queries, n):
    _changes(world, n)
    api = world.api(world.member)
    with django_assert_num_queries(7):
        response = api.get("/change-requests", {"limit": 100})
    assert len(response.json()["items"]) == n


def test_web_flow_submit_assess_record_decision_and_baseline_moves(world):
    milestone = f.MilestoneFactory(project=world.project)
    http = world.http(world.manager)
    http.post(
        reverse("changes:create", args=[world.project.pk]),
        {"title": "Add KPI report", "requested_by": world.contact.pk},
    )
    change = ChangeRequest.objects.get()
    http.post(reverse("changes:submit", args=[change.pk]))
    response = http.post(
        reverse("changes:assess", args=[change.pk]),
        {"schedule_days": "-2", "effort_hours": "10", "cost_amount": "-5"},
    )
    assert response.status_code == 422  # negative days and cost refused on the fields
    http.post(
        reverse("changes:assess", args=[change.pk]),
        {
            "schedule_days": 7,
            "effort_hours": "10",
            "cost_amount": "1500.00",
            "affected_milestones": [milestone.pk],
        },
    )
    change.refresh_from_db()
    assert change.status == ChangeStatus.ASSESSED
    old_end = world.project.end_date
    http.post(
        reverse("changes:decision", args=[change.pk]),
        {"contact": world.contact.pk, "decision": "approve", "name": "Li Na"},
    )
    world.project.refresh_from_db()
    assert (world.project.end_date - old_end).days == 7
    page = http.get(reverse("changes:project_list", args=[world.project.pk])).content.decode()
    assert 'id="total-days">7<' in page and "v2" in page


def test_change_log_export_neutralises_formulas_and_totals(world):
    ChangeRequestFactory(
        project=world.project,
        title='=HYPERLINK("http://evil")',
        status=ChangeStatus.APPROVED,
        schedule_days=3,
        cost_amount=Decimal("10.50"),
    )
    ChangeRequestFactory(
        project=world.project,
        title="+cmd",
        status=ChangeStatus.APPROVED,
        schedule_days=2,
        cost_amount=Decimal("5"),
    )
    ChangeRequestFactory(
        project=world.project, title="Pending", status=ChangeStatus.SUBMITTED, schedule_days=9
    )
    response = world.http(world.member).get(reverse("changes:export_log", args=[world.project.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    titles = [r[1] for r in rows[1:-1]]
    assert '\'=HYPERLINK("http://evil")' in titles and "'+cmd" in titles
    assert rows[-1][5] == "5" and rows[-1][7] == "15.50"


def test_baseline_export(world):
    services.baseline_capture(actor=world.as_member(world.manager), project=world.project)
    response = world.http(world.member).get(reverse("changes:export_baselines", args=[world.project.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][0] == "1" and rows[1][2] == world.project.end_date.isoformat()


@pytest.mark.parametrize(
    "name", ["changes:project_list", "changes:create", "changes:export_log", "changes:export_baselines"]
)
def test_project_pages_own_200_other_organisation_404(world, name):
    http = world.http(world.admin)
    assert http.get(reverse(name, args=[world.project.pk])).status_code == 200
    assert http.get(reverse(name, args=[world.foreign_project.pk])).status_code == 404


@pytest.mark.parametrize(
    "name,status",
    [
        ("changes:detail", "draft"),
        ("changes:edit", "draft"),
        ("changes:assess", "submitted"),
        ("changes:decision", "assessed"),
    ],
)
def test_change_pages_own_200_other_organisation_404(world, name, status):
    http = world.http(world.admin)
    assert (
        http.get(
            reverse(name, args=[ChangeRequestFactory(project=world.project, status=status).pk])
        ).status_code
        == 200
    )
    assert (
        http.get(
            reverse(name, args=[ChangeRequestFactory(project=world.foreign_project, status=status).pk])
        ).status_code
        == 404
    )


@pytest.mark.parametrize("name", ["changes:submit", "changes:implement"])
def test_change_posts_other_organisation_404(world, name):
    change = ChangeRequestFactory(project=world.foreign_project, status=ChangeStatus.APPROVED)
    assert world.http(world.admin).post(reverse(name, args=[change.pk])).status_code == 404


# --- API: team -----------------------------------------------------------------------------------


def test_api_team_flow_and_bad_input(world):
    api = world.api(world.manager)
    milestone = f.MilestoneFactory(project=world.project)
    created = api.post(
        f"/projects/{world.project.pk}/change-requests",
        {"title": "Mobile app", "requested_by_id": world.contact.pk},
    )
    assert created.status_code == 201 and created.json()["status"] == "draft"
    cid = created.json()["id"]
    early = world.api(world.client_user).post(
        f"/change-requests/{cid}/decision", {"approve": True, "name": "Li Na"}
    )
    assert early.status_code == 404  # a draft is internal: the client cannot see it, let alone decide it
    assert api.post(f"/change-requests/{cid}/submit").json()["status"] == "submitted"
    for body, field in [
        ({"schedule_days": 1, "effort_hours": "1", "cost_amount": "-100"}, "cost_amount"),
        ({"schedule_days": -1, "effort_hours": "1", "cost_amount": "1"}, "schedule_days"),
        ({"schedule_days": 1, "effort_hours": "x", "cost_amount": "1"}, "effort_hours"),
        (
            {"schedule_days": 1, "effort_hours": "1", "cost_amount": "1", "affected_milestone_ids": [999999]},
            "affected_milestone_ids",
        ),
    ]:
        response = api.post(f"/change-requests/{cid}/assessment", body)
        assert response.status_code == 422, body
        assert field in [e["field"] for e in response.json()["errors"]]
    assessed_ = api.post(
        f"/change-requests/{cid}/assessment",
        {
            "schedule_days": 10,
            "effort_hours": "40",
            "cost_amount": "4000.00",
            "affected_milestone_ids": [milestone.pk],
        },
    ).json()
    assert assessed_["status"] == "assessed" and assessed_["currency"] == "EUR"
    assert api.post(f"/change-requests/{cid}/decision", {"approve": True, "name": "PM"}).status_code == 403


def test_api_client_submits_and_decides_own_project_only(world):
    client = world.api(world.client_user)
    submitted = client.post(
        f"/projects/{world.project.pk}/change-requests", {"title": "Extra export", "reason": "Audit"}
    )
    assert submitted.status_code == 201 and submitted.json()["status"] == "submitted"
    assert submitted.json()["requested_by_id"] == world.contact.pk
    assert (
        client.post(f"/projects/{world.other_project.pk}/change-requests", {"title": "No"}).status_code == 404
    )
    assert (
        client.post(f"/projects/{world.foreign_project.pk}/change-requests", {"title": "No"}).status_code
        == 404
    )
    ids = [c["id"] for c in client.get("/change-requests").json()["items"]]
    hidden = ChangeRequestFactory(project=world.other_project)
    assert hidden.pk not in ids and client.get(f"/change-requests/{hidden.pk}").status_code == 404
    change = assessed(world.project, days=4, cost="250.00")
    decided = client.post(
        f"/change-requests/{change.pk}/decision", {"approve": True, "name": "李娜", "comment": "同意"}
    )
    assert decided.status_code == 200 and decided.json()["decided_by_name"] == "李娜"
    again = client.post(f"/change-requests/{change.pk}/decision", {"approve": False, "name": "李娜"})
    assert again.status_code == 422
    assert AuditEntry.objects.filter(object_id=str(change.pk), action=AuditAction.DENIED).count() == 1
    other = assessed(world.other_project)
    assert (
        client.post(f"/change-requests/{other.pk}/decision", {"approve": True, "name": "x"}).status_code
        == 404
    )
    other.refresh_from_db()
    assert other.status == ChangeStatus.ASSESSED
    assert client.patch(f"/change-requests/{change.pk}", {"title": "x"}).status_code == 403
    baselines = world.api(world.manager).get(f"/projects/{world.project.pk}/baselines").json()
    assert [b["version"] for b in baselines] == [2, 1]
    log = world.api(world.manager).get(f"/projects/{world.project.pk}/change-log").json()
    assert (log["approved"], log["days"], Decimal(log["cost"])) == (1, 4, Decimal("250.00"))


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("get", "/change-requests/{id}", None),
        ("patch", "/change-requests/{id}", {"title": "x"}),
        ("post", "/change-requests/{id}/submit", {}),
        (
            "post",
            "/change-requests/{id}/assessment",
            {"schedule_days": 1, "effort_hours": "1", "cost_amount": "1"},
        ),
        ("post", "/change-requests/{id}/implemented", {}),
        ("post", "/change-requests/{id}/recorded-decision", {"contact_id": 1, "approve": True}),
    ],
)
def test_api_other_organisation_404(world, method, path, body):
    foreign = ChangeRequestFactory(project=world.foreign_project)
    api = world.api(world.admin)
    response = getattr(api, method)(path.format(id=foreign.pk), *([body] if body is not None else []))
    assert response.status_code == 404
    assert not Baseline.objects.exists()


def test_api_project_endpoints_other_organisation_404(world):
    api = world.api(world.admin)
    assert api.get(f"/projects/{world.foreign_project.pk}/baselines").status_code == 404
    assert api.get(f"/projects/{world.foreign_project.pk}/change-log").status_code == 404
    assert (
        api.post(f"/projects/{world.foreign_project.pk}/change-requests", {"title": "x"}).status_code == 404
    )
