"""Per-organisation retention: delivered message bodies and closed support conversations kept
only as long as the organisation chose; the installation's pruning (accord.ops) is reused."""

import datetime as dt

import pytest
from django.utils import timezone

from accord.audit.models import AuditEntry
from accord.comms.models import OutboxMessage, OutboxStatus
from accord.core.scheduler import PERIODIC
from accord.ops.services import prune_old_records
from accord.privacy.models import ExportStatus, OrganizationExport, RetentionPolicy
from accord.privacy.services import retention_apply
from accord.service.models import RequestStatus, SupportReply, SupportRequest


def _sent(org, days_ago, now):
    return OutboxMessage.objects.create(
        organization=org,
        recipient="li.na@client.example",
        subject="Report",
        body_text="The weekly report",
        status=OutboxStatus.SENT,
        sent_at=now - dt.timedelta(days=days_ago),
    )


def _closed_request(world, org, project, days_ago, now, status=RequestStatus.CLOSED):
    request = SupportRequest.objects.create(
        organization=org,
        project=project,
        title="Printer",
        description="Jammed",
        status=status,
        first_response_due_at=now,
        resolved_at=now - dt.timedelta(days=days_ago) if status != RequestStatus.OPEN else None,
    )
    SupportReply.objects.create(organization=org, request=request, body="Fixed")
    return request


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_admin_sets_retention_on_the_page(world, language):
    http = world.http(world.admin)
    page = http.get("/privacy/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert ("Retention" if language == "en" else "数据保留") in page
    bad = http.post("/privacy/retention/", {"outbox_body_days": "0", "closed_support_days": ""})
    assert bad.status_code == 422 and not RetentionPolicy.objects.exists()
    ok = http.post("/privacy/retention/", {"outbox_body_days": "30", "closed_support_days": "180"})
    assert ok.status_code == 302
    policy = RetentionPolicy.objects.get(organization=world.org)
    assert (policy.outbox_body_days, policy.closed_support_days) == (30, 180)
    assert AuditEntry.objects.filter(organization=world.org, content_type__model="retentionpolicy").exists()
    assert world.http(world.manager).post("/privacy/retention/", {"outbox_body_days": "1"}).status_code == 403


@pytest.mark.django_db
def test_job_applies_each_organisations_retention(world, settings):
    now = timezone.now()
    RetentionPolicy.objects.create(organization=world.org, outbox_body_days=30, closed_support_days=90)
    old_mail, new_mail = _sent(world.org, 31, now), _sent(world.org, 29, now)
    foreign_mail = _sent(world.other_org, 60, now)  # no policy: the installation's 90 days apply
    old = _closed_request(world, world.org, world.project, 91, now)
    recent = _closed_request(world, world.org, world.project, 89, now, status=RequestStatus.RESOLVED)
    still_open = _closed_request(world, world.org, world.project, 400, now, status=RequestStatus.OPEN)
    foreign = _closed_request(world, world.other_org, world.foreign_project, 400, now)

    old_export = OrganizationExport.objects.create(
        organization=world.org, status=ExportStatus.READY, stored_path="privacy/exports/old.zip"
    )
    OrganizationExport.objects.filter(pk=old_export.pk).update(created_at=now - dt.timedelta(days=8))
    old_file = settings.MEDIA_ROOT / "privacy" / "exports" / "old.zip"
    old_file.parent.mkdir(parents=True)
    old_file.write_bytes(b"PK")
    fresh_export = OrganizationExport.objects.create(organization=world.org, status=ExportStatus.QUEUED)

    counts = retention_apply(now=now)

    assert counts == {"outbox_bodies": 1, "support_requests": 1, "exports": 1}
    assert not old_file.exists()
    assert list(OrganizationExport.objects.values_list("pk", flat=True)) == [fresh_export.pk]
    old_mail.refresh_from_db()
    new_mail.refresh_from_db()
    foreign_mail.refresh_from_db()
    assert old_mail.body_text == "" and old_mail.subject == "Report"
    assert new_mail.body_text and foreign_mail.body_text
    assert not SupportRequest.objects.filter(pk=old.pk).exists()
    assert not SupportReply.objects.filter(request_id=old.pk).exists()
    assert set(SupportRequest.objects.values_list("pk", flat=True)) == {recent.pk, still_open.pk, foreign.pk}
    assert PERIODIC["privacy.retention"].dotted == "accord.privacy.services.retention_apply"


@pytest.mark.django_db
def test_installation_pruning_still_applies_to_every_organisation(world, settings):
    """The operator's pruning (accord.ops) and the organisations' share one helper."""
    settings.ACCORD_OUTBOX_BODY_RETENTION_DAYS = 90
    now = timezone.now()
    old, recent = _sent(world.other_org, 91, now), _sent(world.other_org, 60, now)
    assert prune_old_records(now=now)["outbox_bodies"] == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.body_text == "" and recent.body_text
