"""The communication plan page and its item form: readable labels, only channels that can be
used (with a way to set up the others), open obligations paged twenty at a time."""

import datetime as dt
import re

import pytest
from django.utils import timezone, translation

from accord.comms.models import ChannelConfig, Obligation, PlanItem
from accord.crm.models import ContactRole

from .factories import PlanItemFactory

pytestmark = pytest.mark.django_db


def _channel_options(html):
    select = re.search(r'<select name="channel".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([a-z]+)"', select)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_item_form_offers_only_configured_channels(world, language):
    url = f"/projects/{world.project.pk}/plan/items/new/"
    admin = world.http(world.admin)
    admin.cookies["django_language"] = language
    html = admin.get(url).content.decode()
    assert _channel_options(html) == ["email", "phone", "meeting"]
    assert 'href="/communication/channels/"' in html  # admins get the way to set one up
    with translation.override(language):
        assert translation.gettext("Set up channels") in html
        assert translation.gettext("Purpose") in html and translation.gettext("Audience roles") in html
    # A manager sees the hint without the admin page's link.
    html = world.http(world.manager).get(url).content.decode()
    assert 'href="/communication/channels/"' not in html and "administrator" in html
    # Posting a channel that is not set up is refused: no item, no dead end.
    response = world.http(world.manager).post(
        url,
        {
            "purpose": "Slack digest",
            "channel": "slack",
            "cadence": "weekly",
            "weekday": 0,
            "interval": 1,
            "owner": world.manager.pk,
            "start_date": world.project.start_date.isoformat(),
        },
    )
    assert response.status_code == 422 and not PlanItem.objects.exists()
    ChannelConfig.objects.create(
        organization=world.org, kind="slack", name="Team Slack", url="https://hooks.slack.example/x"
    )
    assert "slack" in _channel_options(world.http(world.manager).get(url).content.decode())


def test_another_organisations_channel_does_not_count(world):
    ChannelConfig.objects.create(
        organization=world.other_org, kind="slack", name="Theirs", url="https://hooks.slack.example/y"
    )
    html = world.http(world.manager).get(f"/projects/{world.project.pk}/plan/items/new/").content.decode()
    assert "slack" not in _channel_options(html)


def test_editing_keeps_the_items_channel(world):
    item = PlanItemFactory(project=world.project, channel="slack")
    html = world.http(world.manager).get(f"/plan-items/{item.pk}/edit/").content.decode()
    assert "slack" in _channel_options(html)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_plan_page_pages_obligations_with_counts(world, language):
    item = PlanItemFactory(project=world.project, audience_roles=[ContactRole.SPONSOR])
    Obligation.objects.filter(plan_item=item).delete()
    today = timezone.localdate()
    Obligation.objects.bulk_create(
        [
            Obligation(
                organization=world.org,
                plan_item=item,
                project=world.project,
                owner=world.manager,
                channel="email",
                window_start=today + dt.timedelta(days=i),
                due_date=today + dt.timedelta(days=i),
            )
            for i in range(51)
        ]
    )
    http = world.http(world.manager)
    http.cookies["django_language"] = language
    first = http.get(f"/projects/{world.project.pk}/plan/").content.decode()
    assert first.count("data-obligation=") == 20
    third = http.get(f"/projects/{world.project.pk}/plan/?page=3").content.decode()
    assert third.count("data-obligation=") == 11
    with translation.override(language):
        assert (
            translation.gettext("Showing %(first)s–%(last)s of %(total)s.")
            .replace("%(first)s", "41")
            .replace("%(last)s", "51")
            .replace("%(total)s", "51")
            in third
        )
        assert str(ContactRole.SPONSOR.label) in first
        assert translation.gettext("Next") in first
    assert "sponsor</span>" not in first  # the role's label, not its stored value
    assert "?page=2" in first and "?page=2" in third
    assert http.get(f"/projects/{world.project.pk}/plan/?page=99").status_code == 200


def test_no_send_button_for_a_channel_that_is_not_set_up(world):
    item = PlanItemFactory(project=world.project, channel="slack")
    Obligation.objects.filter(plan_item=item).delete()
    today = timezone.localdate()
    obligation = Obligation.objects.create(
        organization=world.org,
        plan_item=item,
        project=world.project,
        owner=world.manager,
        channel="slack",
        window_start=today,
        due_date=today + dt.timedelta(days=2),
    )
    send = f"/obligations/{obligation.pk}/send/"
    http = world.http(world.manager)
    html = http.get(f"/projects/{world.project.pk}/plan/").content.decode()
    assert send not in html and "No channel set up to send it" in html
    ChannelConfig.objects.create(
        organization=world.org, kind="slack", name="Team Slack", url="https://hooks.slack.example/x"
    )
    html = http.get(f"/projects/{world.project.pk}/plan/").content.decode()
    assert send in html
