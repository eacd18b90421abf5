"""Deleting an organisation: an owner schedules it by typing the name, any owner may cancel it
within the grace period, the team sees a banner, and the periodic job deletes the data and
files once the period is over (the clock is passed in)."""

import datetime as dt
import zoneinfo

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django.utils.formats import date_format

from accord.audit.models import AuditEntry
from accord.core.models import PeriodicRun
from accord.core.scheduler import PERIODIC, tick
from accord.crm.models import Client, Contact
from accord.privacy.models import OrganizationDeletion
from accord.privacy.orgdata import export_dir
from accord.privacy.services import organization_deletions_run
from accord.projects.models import Project
from accord.tenancy.models import Membership, Organization, Role, User
from accord.testing import factories as f

BANNER = {"en": "scheduled for deletion", "zh-hans": "计划于"}


def _schedule(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = world.http(world.owner).post("/privacy/delete/", {"confirm_name": world.org.name})
    assert response.status_code == 302
    return OrganizationDeletion.objects.get(organization=world.org)


@pytest.mark.django_db
@pytest.mark.parametrize("grace_days", [14, 3])
def test_owner_schedules_by_typing_the_name(world, settings, grace_days, django_capture_on_commit_callbacks):
    settings.ACCORD_ORG_DELETE_GRACE_DAYS = grace_days
    owner = world.http(world.owner)
    assert owner.get("/privacy/delete/").status_code == 200
    wrong = owner.post("/privacy/delete/", {"confirm_name": "Acme"})
    assert wrong.status_code == 422 and not OrganizationDeletion.objects.exists()
    before = timezone.now()
    deletion = _schedule(world, django_capture_on_commit_callbacks)
    expected = before + dt.timedelta(days=grace_days)
    assert expected <= deletion.due_at <= expected + dt.timedelta(minutes=1)
    assert AuditEntry.objects.filter(organization=world.org, verb="deletion scheduled").exists()
    # Scheduling twice is refused with a message, not a 500.
    again = owner.post("/privacy/delete/", {"confirm_name": world.org.name})
    assert again.status_code == 422


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_members_see_a_banner_until_an_owner_cancels(world, language, django_capture_on_commit_callbacks):
    member = world.http(world.member)
    assert BANNER[language] not in member.get("/dashboard/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    _schedule(world, django_capture_on_commit_callbacks)
    assert BANNER[language] in member.get("/dashboard/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    # The other organisation sees nothing.
    assert (
        BANNER[language]
        not in world.http(world.outsider).get("/dashboard/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    )
    # A second owner cancels.
    other_owner = f.MembershipFactory(organization=world.org, role=Role.OWNER).user
    with django_capture_on_commit_callbacks(execute=True):
        assert world.http(other_owner).post("/privacy/delete/cancel/").status_code == 302
    assert not OrganizationDeletion.objects.exists()
    assert BANNER[language] not in member.get("/dashboard/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert AuditEntry.objects.filter(organization=world.org, verb="deletion cancelled").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("tz", ["UTC", "Asia/Shanghai", "America/Los_Angeles"])
def test_banner_shows_the_day_in_the_readers_time_zone(
    world, language, tz, django_capture_on_commit_callbacks
):
    deletion = _schedule(world, django_capture_on_commit_callbacks)
    # Late in the UTC day, so the date differs between Shanghai and Los Angeles.
    due = dt.datetime(2031, 3, 9, 20, 30, tzinfo=dt.UTC)
    OrganizationDeletion.objects.filter(pk=deletion.pk).update(due_at=due)
    world.member.timezone, world.member.language = tz, language
    world.member.save()
    page = world.http(world.member).get("/dashboard/").content.decode()
    with translation.override(language):
        expected = date_format(due.astimezone(zoneinfo.ZoneInfo(tz)).date(), "DATE_FORMAT")
    assert expected in page and BANNER[language] in page


@pytest.mark.django_db
def test_only_owners_schedule_or_cancel(world, django_capture_on_commit_callbacks):
    for user in (world.admin, world.manager, world.member):
        response = world.http(user).post("/privacy/delete/", {"confirm_name": world.org.name})
        assert response.status_code == 403
    assert not OrganizationDeletion.objects.exists()
    _schedule(world, django_capture_on_commit_callbacks)
    assert world.http(world.admin).post("/privacy/delete/cancel/").status_code == 403
    assert world.http(world.outsider).post("/privacy/delete/cancel/").status_code == 403
    assert OrganizationDeletion.objects.filter(organization=world.org).exists()


@pytest.mark.django_db
def test_the_job_deletes_after_the_grace_period_only(world, django_capture_on_commit_callbacks):
    world.org.logo.save("acme.png", ContentFile(b"\x89PNG fake"), save=True)
    logo = world.org.logo
    assert logo.storage.exists(logo.name)
    shared = world.member  # also in the other organisation: the account stays
    f.MembershipFactory(organization=world.other_org, user=shared, role=Role.MEMBER)
    export_file = export_dir(world.org.pk) / "export-1.zip"
    export_file.write_bytes(b"PK")
    deletion = _schedule(world, django_capture_on_commit_callbacks)
    assert organization_deletions_run(now=deletion.due_at - dt.timedelta(seconds=1)) == []
    assert Organization.objects.filter(pk=world.org.pk).exists()
    assert organization_deletions_run(now=deletion.due_at + dt.timedelta(seconds=1)) == [world.org.pk]
    assert not Organization.objects.filter(pk=world.org.pk).exists()
    assert not Client.objects.filter(organization_id=world.org.pk).exists()
    assert not Contact.objects.filter(organization_id=world.org.pk).exists()
    assert not Project.objects.filter(organization_id=world.org.pk).exists()
    assert not AuditEntry.objects.filter(organization_id=world.org.pk).exists()
    assert not logo.storage.exists(logo.name)
    assert not export_file.exists()
    assert not User.objects.filter(pk=world.owner.pk).exists()
    assert User.objects.filter(pk=shared.pk).exists()
    # The other organisation is untouched.
    assert Project.objects.filter(pk=world.foreign_project.pk).exists()
    assert Membership.objects.filter(organization=world.other_org).count() == 2


@pytest.mark.django_db
def test_the_job_is_registered_with_the_periodic_scheduler(world, django_capture_on_commit_callbacks):
    assert (
        PERIODIC["privacy.delete_organizations"].dotted
        == "accord.privacy.services.organization_deletions_run"
    )
    deletion = _schedule(world, django_capture_on_commit_callbacks)
    OrganizationDeletion.objects.filter(pk=deletion.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    PeriodicRun.objects.all().delete()
    assert "privacy.delete_organizations" in tick()
    assert not Organization.objects.filter(pk=world.org.pk).exists()
