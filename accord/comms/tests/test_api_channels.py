"""IM and e-mail channels through the API: the channel pages' services, secrets write-only."""

import email.policy
import json

import pytest

from accord.audit.models import AuditEntry
from accord.comms.models import ChannelConfig
from accord.lib import crypto
from accord.testing.mailserver import deliver_all

SLACK = {"kind": "slack", "name": "Team Slack", "url": "https://hooks.slack.com/services/abc"}


@pytest.mark.django_db
def test_admin_adds_changes_lists_and_deletes_a_channel_secrets_never_returned(world):
    api = world.api(world.admin)
    response = api.post("/channels", {**SLACK, "secret": "s3cret-signing", "inbound_secret": "in-s3cret"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["has_secret"] and body["has_inbound_secret"] and body["inbound_path"]
    assert "s3cret" not in response.content.decode()
    config = ChannelConfig.objects.get(pk=body["id"])
    assert crypto.decrypt(config.secret_encrypted) == "s3cret-signing"

    response = api.patch(f"/channels/{config.pk}", {"name": "飞书群", "project_id": world.project.pk})
    assert response.status_code == 200, response.content
    config.refresh_from_db()
    assert config.name == "飞书群" and config.project_id == world.project.pk
    assert crypto.decrypt(config.secret_encrypted) == "s3cret-signing"  # absent secret: kept

    listed = api.get("/channels")
    assert [c["name"] for c in listed.json()] == ["飞书群"]
    assert "s3cret" not in json.dumps(listed.json())

    response = api.patch(f"/channels/{config.pk}", {"clear_secret": True})
    assert response.json()["has_secret"] is False
    assert api.delete(f"/channels/{config.pk}").status_code == 204
    assert not ChannelConfig.objects.filter(pk=config.pk).exists()
    assert AuditEntry.objects.filter(object_id=str(config.pk), action="delete").exists()


@pytest.mark.django_db
def test_managers_cannot_touch_channels(world):
    api = world.api(world.manager)
    assert api.get("/channels").status_code == 403
    assert api.post("/channels", SLACK).status_code == 403
    assert not ChannelConfig.objects.exists()


@pytest.mark.django_db
def test_another_organisations_project_is_refused_on_the_field(world):
    response = world.api(world.admin).post("/channels", {**SLACK, "project_id": world.foreign_project.pk})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "project_id"
    assert not ChannelConfig.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "Enter the SMTP server's host name."), ("zh-hans", "请输入 SMTP 服务器的主机名。")],
)
def test_an_smtp_channel_without_host_is_a_translated_422(world, language, message):
    response = world.api(world.admin).post(
        "/channels", {"kind": "email", "name": "Our SMTP"}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 422, response.content
    assert response.json()["errors"] == [{"field": "smtp_host", "message": message}]


@pytest.mark.django_db
def test_a_webhook_into_the_private_network_is_refused(world):
    response = world.api(world.admin).post("/channels", {**SLACK, "url": "http://127.0.0.1:8080/hook"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "url"
    assert not ChannelConfig.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "subject"), [("en", "Test message from Accord"), ("zh-hans", "来自 Accord 的测试消息")]
)
def test_an_admin_sends_a_test_message_through_the_api_and_it_arrives(
    world, raw_smtp, settings, language, subject
):
    settings.ACCORD_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.ACCORD_OUTBOUND_SMTP_PORTS = [25, 587, raw_smtp.port]
    world.admin.language = language
    world.admin.save(update_fields=["language"])
    api = world.api(world.admin)
    created = api.post(
        "/channels",
        {
            "kind": "email",
            "name": "Our SMTP",
            "smtp_host": "127.0.0.1",
            "smtp_port": raw_smtp.port,
            "from_email": "Acme <team@acme.example>",
        },
    )
    assert created.status_code == 201, created.content
    response = api.post(f"/channels/{created.json()['id']}/test", {})
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "pending" and response.json()["recipient"] == world.admin.email
    deliver_all()
    [received] = raw_smtp.to(world.admin.email)
    assert str(received.parsed(email.policy.default)["Subject"]) == subject
    assert world.api(world.manager).post(f"/channels/{created.json()['id']}/test", {}).status_code == 403
