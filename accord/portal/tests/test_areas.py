import pytest
from django.urls import reverse
from django.utils import timezone

from accord.audit.models import AuditEntry
from accord.changes.models import ChangeRequest, ChangeStatus
from accord.comms.models import Notification
from accord.meetings.models import Decision
from accord.risks.models import Risk

pytestmark = pytest.mark.django_db


def ChangeRequestFactory(*, project, title="A change", status=ChangeStatus.DRAFT, **kwargs):  # noqa: N802
    return ChangeRequest.objects.create(
        organization=project.organization,
        project=project,
        title=title,
        status=status,
        requested_on=timezone.localdate(),
        currency=project.currency,
        **kwargs,
    )


def RiskFactory(*, project, title="A risk", client_visible=False):  # noqa: N802
    return Risk.objects.create(
        organization=project.organization,
        project=project,
        title=title,
        client_visible=client_visible,
        probability=3,
        impact=3,
        score=9,
    )


def _assessed(project, **kwargs):
    return ChangeRequestFactory(
        project=project,
        status=ChangeStatus.ASSESSED,
        schedule_days=5,
        cost_amount="1200.00",
        assessed_at=timezone.now(),
        **kwargs,
    )


def test_client_submits_a_change_request(world):
    http = world.http(world.client_user)
    url = reverse("portal:change_create", args=[world.project.pk])
    assert http.get(url).status_code == 200
    response = http.post(url, {"title": "Add a Chinese invoice layout", "reason": "Tax office"})
    change = ChangeRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "portal:change_detail", args=[change.pk]
    )
    assert change.status == ChangeStatus.SUBMITTED and change.requested_by == world.contact
    assert Notification.objects.filter(user=world.manager).exists()


def test_blank_change_request_is_refused(world):
    response = world.http(world.client_user).post(
        reverse("portal:change_create", args=[world.project.pk]), {"title": "  "}
    )
    assert response.status_code == 422 and not ChangeRequest.objects.exists()


def test_client_approves_an_assessed_change(world):
    change = _assessed(world.project)
    http = world.http(world.client_user)
    page = http.get(reverse("portal:change_detail", args=[change.pk])).content.decode()
    assert "Sign the decision" in page
    response = http.post(
        reverse("portal:change_decide", args=[change.pk]),
        {"decision": "approve", "name": "Li Na", "comment": "Go ahead"},
    )
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPROVED and change.decided_by_name == "Li Na"
    assert change.decision_comment == "Go ahead"
    assert AuditEntry.objects.filter(object_id=str(change.pk), verb="approved").exists()


def test_client_rejects_and_cannot_decide_twice(world):
    change = _assessed(world.project)
    http = world.http(world.client_user)
    url = reverse("portal:change_decide", args=[change.pk])
    assert http.post(url, {"decision": "reject", "name": "Li Na", "comment": "Too costly"}).status_code == 302
    again = http.post(url, {"decision": "approve", "name": "Li Na"})
    assert again.status_code == 422
    change.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED


def test_decision_needs_a_name_and_an_assessment(world):
    http = world.http(world.client_user)
    change = _assessed(world.project)
    assert (
        http.post(reverse("portal:change_decide", args=[change.pk]), {"decision": "approve"}).status_code
        == 422
    )
    submitted = ChangeRequestFactory(project=world.project, status=ChangeStatus.SUBMITTED)
    response = http.post(
        reverse("portal:change_decide", args=[submitted.pk]), {"decision": "approve", "name": "Li"}
    )
    assert response.status_code == 422
    submitted.refresh_from_db()
    change.refresh_from_db()
    assert submitted.status == ChangeStatus.SUBMITTED and change.status == ChangeStatus.ASSESSED


def test_drafts_and_other_projects_stay_hidden(world):
    ChangeRequestFactory(project=world.project, title="Team draft idea", status=ChangeStatus.DRAFT)
    _assessed(world.project, title="Shown change")
    other = _assessed(world.other_project, title="Other project change")
    foreign = _assessed(world.foreign_project, title="Foreign change")
    http = world.http(world.client_user)
    html = http.get(reverse("portal:changes", args=[world.project.pk])).content.decode()
    assert "Shown change" in html and "Team draft idea" not in html
    for change in (other, foreign):
        assert http.get(reverse("portal:change_detail", args=[change.pk])).status_code == 404
        response = http.post(
            reverse("portal:change_decide", args=[change.pk]), {"decision": "approve", "name": "X"}
        )
        assert response.status_code == 404
        change.refresh_from_db()
        assert change.status == ChangeStatus.ASSESSED
    draft = ChangeRequest.objects.get(title="Team draft idea")
    assert http.get(reverse("portal:change_detail", args=[draft.pk])).status_code == 404


def test_only_client_visible_risks(world):
    RiskFactory(project=world.project, title="Key user availability", client_visible=True)
    RiskFactory(project=world.project, title="Internal staffing gap", client_visible=False)
    RiskFactory(project=world.other_project, title="Other project risk", client_visible=True)
    html = (
        world.http(world.client_user).get(reverse("portal:risks", args=[world.project.pk])).content.decode()
    )
    assert "Key user availability" in html
    assert "Internal staffing gap" not in html and "Other project risk" not in html
    assert (
        world.http(world.client_user).get(reverse("portal:risks", args=[world.other_project.pk])).status_code
        == 404
    )


@pytest.mark.parametrize("rows", [2, 50])
def test_area_lists_query_counts(world, rows, django_assert_num_queries):
    for i in range(rows):
        _assessed(world.project, title=f"Change {i}", requested_by=world.contact)
        RiskFactory(project=world.project, client_visible=True)
    http = world.http(world.client_user)
    http.get(reverse("portal:changes", args=[world.project.pk]))
    # One more than the risks: whether the signed-in contact may decide (sponsor, decision maker).
    with django_assert_num_queries(7):
        http.get(reverse("portal:changes", args=[world.project.pk]))
    with django_assert_num_queries(6):
        http.get(reverse("portal:risks", args=[world.project.pk]))


def test_decision_log_shows_client_visible_decisions_and_searches(world):
    def decision(project, title, visible=True):
        return Decision.objects.create(
            organization=project.organization,
            project=project,
            title=title,
            decided_on=timezone.localdate(),
            client_visible=visible,
        )

    decision(world.project, "Go live on 1 March")
    decision(world.project, "Go with the cheaper hosting")
    decision(world.project, "Internal: replace the vendor", visible=False)
    decision(world.other_project, "Other project go decision")
    http = world.http(world.client_user)
    url = reverse("portal:decisions", args=[world.project.pk])
    html = http.get(url).content.decode()
    assert "Go live on 1 March" in html and "cheaper hosting" in html
    assert "replace the vendor" not in html and "Other project" not in html
    found = http.get(url, {"q": "go"}).content.decode()
    assert "Go live" in found and "replace the vendor" not in found and "Other project" not in found
    assert "cheaper hosting" in http.get(url, {"q": "hosting"}).content.decode()
    assert "Go live" not in http.get(url, {"q": "hosting"}).content.decode()
    assert http.get(reverse("portal:decisions", args=[world.other_project.pk])).status_code == 404
