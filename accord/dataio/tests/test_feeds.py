"""Project feeds: contacts as vCard for the team, milestones (and meetings) at a secret ICS address."""

import datetime as dt

import vobject
from django.urls import reverse
from icalendar import Calendar

from accord.audit.models import AuditEntry
from accord.dataio.models import ProjectFeed
from accord.meetings.models import Meeting
from accord.testing import factories as f


def test_project_contacts_as_vcard(world):
    other = f.ContactFactory(client=world.client, last_name="Not on the project")
    response = world.http(world.member).get(reverse("dataio:project_contacts_vcf", args=[world.project.pk]))
    assert response.status_code == 200
    assert world.project.code in response["Content-Disposition"]
    cards = list(vobject.readComponents(response.content.decode()))
    assert [c.email.value for c in cards] == [world.contact.email]
    assert other.email not in str(cards)


def test_member_not_on_the_project_gets_404(world):
    http = world.http(world.member)
    assert http.get(reverse("dataio:project_contacts_vcf", args=[world.other_project.pk])).status_code == 404
    assert http.get(reverse("dataio:project_feeds", args=[world.other_project.pk])).status_code == 404
    assert http.get(reverse("dataio:project_feeds", args=[world.foreign_project.pk])).status_code == 404


def test_ics_feed_with_milestones_at_a_secret_address(world, client):
    f.MilestoneFactory(project=world.project, name="Go-live 上线", due_date=dt.date(2026, 6, 1))
    f.MilestoneFactory(project=world.other_project, name="Elsewhere")
    Meeting.objects.create(
        organization=world.org,
        project=world.project,
        title="Weekly status 周例会",
        starts_at=dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC),
        timezone="UTC",
        recurrence="weekly",
        organizer=world.manager,
    )
    Meeting.objects.create(
        organization=world.org,
        project=world.other_project,
        title="Not this project",
        starts_at=dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC),
    )
    page = world.http(world.member).get(reverse("dataio:project_feeds", args=[world.project.pk]))
    assert page.status_code == 200
    feed = ProjectFeed.objects.get(project=world.project)
    assert len(feed.token) >= 40
    url = reverse("dataio:project_ics", args=[feed.token])
    assert url in page.content.decode()
    response = client.get(url)  # no session: the address is the credential
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    events = list(cal.walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == ["◆ Go-live 上线", "Weekly status 周例会"]
    assert events[0].decoded("dtstart") == dt.date(2026, 6, 1)
    assert events[1].decoded("dtstart") == dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC)
    assert "RRULE" in events[1]
    assert client.get(reverse("dataio:project_ics", args=["guess" * 8])).status_code == 404


def test_rotating_the_address_revokes_the_old_one(world, client):
    http = world.http(world.manager)
    http.get(reverse("dataio:project_feeds", args=[world.project.pk]))
    old = ProjectFeed.objects.get(project=world.project).token
    response = http.post(reverse("dataio:project_feed_rotate", args=[world.project.pk]))
    assert response.status_code == 302
    new = ProjectFeed.objects.get(project=world.project).token
    assert new != old
    assert client.get(reverse("dataio:project_ics", args=[old])).status_code == 404
    assert client.get(reverse("dataio:project_ics", args=[new])).status_code == 200
    assert (
        AuditEntry.objects.filter(verb="calendar_feed.rotated", object_id=str(world.project.pk)).count() == 1
    )


def test_only_the_manager_or_an_admin_rotates(world):
    response = world.http(world.member).post(reverse("dataio:project_feed_rotate", args=[world.project.pk]))
    assert response.status_code == 403
    outsider = world.http(world.outsider).post(reverse("dataio:project_feed_rotate", args=[world.project.pk]))
    assert outsider.status_code == 404
    assert not ProjectFeed.objects.filter(rotated_at__isnull=False).exists()
