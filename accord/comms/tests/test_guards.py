"""Channels, the outbox and webhooks are the admins': the admin lists check in their selectors and
the API asks the service's own guard (``require_org_admin``) before it looks at the body, so a
manager is refused with a 403, never told what is wrong with the body."""

import pytest

from accord.comms.models import ChannelConfig, WebhookSubscription

SLACK = {"kind": "slack", "name": "Team Slack", "url": "https://hooks.slack.com/services/abc"}


@pytest.mark.django_db
def test_a_channel_naming_another_organisations_project_is_refused_to_a_manager_first(world):
    body = {**SLACK, "project_id": world.foreign_project.pk}
    assert world.api(world.manager).post("/channels", body).status_code == 403
    response = world.api(world.admin).post("/channels", body)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "project_id"
    assert not ChannelConfig.objects.exists()


@pytest.mark.django_db
def test_a_manager_subscribes_nothing_and_sees_no_admin_list(world):
    body = {"url": "http://127.0.0.1:9/hook", "events": ["no.such.event"]}
    assert world.api(world.manager).post("/webhook-subscriptions", body).status_code == 403
    assert world.api(world.admin).post("/webhook-subscriptions", body).status_code == 422
    assert not WebhookSubscription.objects.exists()
    for path in ("/outbox", "/outbox/channels", "/channels", "/webhook-subscriptions"):
        assert world.api(world.manager).get(path).status_code == 403, path
        assert world.api(world.admin).get(path).status_code == 200, path
