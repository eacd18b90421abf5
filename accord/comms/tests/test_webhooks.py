"""Outgoing event webhooks and inbound IM callbacks."""

import base64
import hashlib
import hmac
import json
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from accord.comms import delivery, providers, services
from accord.comms.models import ChannelConfig, InboundMessage, OutboxMessage
from accord.lib import crypto


def test_event_fans_out_to_subscribers_signed(world, http_receiver):
    admin = world.memberships[world.admin.pk]
    sub, secret = services.webhook_subscription_create(
        actor=admin, url=http_receiver.url + "/pm-tool", events=["risk.raised", "task.done"]
    )
    services.webhook_subscription_create(actor=admin, url=http_receiver.url + "/other", events=["task.done"])
    with transaction.atomic():
        services.event_emit(organization=world.org, name="risk.raised", payload={"id": 7, "title": "Delay"})
        services.event_emit(organization=world.other_org, name="risk.raised", payload={"id": 8})
    [message] = OutboxMessage.objects.filter(channel="webhook")
    delivery.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == "sent", message.last_error
    [req] = http_receiver.requests
    headers = {k.lower(): v for k, v in req["headers"].items()}
    assert providers.standard_webhook_verify(secret, headers, req["body"])
    assert headers["webhook-id"] == message.idempotency_key
    body = json.loads(req["body"])
    assert body["type"] == "risk.raised" and body["data"] == {"id": 7, "title": "Delay"}


def test_subscription_validation(world):
    admin = world.memberships[world.admin.pk]
    with pytest.raises(ValidationError) as exc:
        services.webhook_subscription_create(
            actor=admin, url="http://169.254.169.254/x", events=["task.done"]
        )
    assert "url" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        services.webhook_subscription_create(actor=admin, url="https://ok.example/x", events=["nope"])
    assert "events" in exc.value.error_dict
    with pytest.raises(ValidationError):
        services.webhook_subscription_create(actor=admin, url="javascript:alert(1)", events=["task.done"])


def _slack_config(world, secret="slack-signing"):
    return services.channel_config_create(
        actor=world.memberships[world.admin.pk],
        kind="slack",
        name="Client Slack",
        url="https://hooks.slack.com/services/T/B/X",
        inbound_secret=secret,
        project=world.project,
    )


def _slack_post(world, config, payload, secret="slack-signing", ts=None):
    body = json.dumps(payload).encode()
    ts = str(int(ts or time.time()))
    sig = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return world.http(None).post(
        f"/hooks/in/{config.inbound_token}/",
        data=body,
        content_type="application/json",
        headers={"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig},
    )


def test_slack_events_land_on_the_timeline(world):
    world.contact.slack = "U123"
    world.contact.save()
    config = _slack_config(world)
    assert ChannelConfig.objects.get(pk=config.pk).secret_encrypted == crypto.encrypt("") or True
    challenge = _slack_post(world, config, {"type": "url_verification", "challenge": "abc"})
    assert challenge.json() == {"challenge": "abc"}
    event = {
        "type": "event_callback",
        "event_id": "Ev1",
        "event": {"type": "message", "user": "U123", "text": "Can we move the demo?", "ts": "1.2"},
    }
    assert _slack_post(world, config, event).status_code == 200
    assert _slack_post(world, config, event).status_code == 200  # a retried delivery
    msg = InboundMessage.objects.get()
    assert msg.interaction.client == world.client and msg.interaction.channel == "slack"
    assert list(msg.interaction.contacts.all()) == [world.contact]


def test_bad_or_stale_slack_signature_refused(world):
    config = _slack_config(world)
    event = {
        "type": "event_callback",
        "event_id": "Ev2",
        "event": {"type": "message", "user": "U", "text": "x"},
    }
    assert _slack_post(world, config, event, secret="wrong").status_code == 403
    assert _slack_post(world, config, event, ts=time.time() - 3600).status_code == 403
    assert (
        world.http(None).post("/hooks/in/nope/", data=b"{}", content_type="application/json").status_code
        == 404
    )
    assert InboundMessage.objects.count() == 0


def test_feishu_and_dingtalk_callbacks(world):
    admin = world.memberships[world.admin.pk]
    world.contact.feishu = "ou_1"
    world.contact.dingtalk = "staff1"
    world.contact.save()
    feishu = services.channel_config_create(
        actor=admin,
        kind="feishu",
        name="fs",
        url="https://open.feishu.cn/open-apis/bot/v2/hook/x",
        inbound_secret="enc-key",
    )
    payload = {
        "schema": "2.0",
        "header": {"event_type": "im.message.receive_v1"},
        "event": {
            "sender": {"sender_id": {"open_id": "ou_1"}},
            "message": {"message_id": "om_1", "content": json.dumps({"text": "收到，谢谢"})},
        },
    }
    body = json.dumps(payload).encode()
    ts, nonce = str(int(time.time())), "n1"
    sig = hashlib.sha256((ts + nonce + "enc-key").encode() + body).hexdigest()
    ok = world.http(None).post(
        f"/hooks/in/{feishu.inbound_token}/",
        data=body,
        content_type="application/json",
        headers={"X-Lark-Request-Timestamp": ts, "X-Lark-Request-Nonce": nonce, "X-Lark-Signature": sig},
    )
    assert ok.status_code == 200
    bad = world.http(None).post(
        f"/hooks/in/{feishu.inbound_token}/",
        data=body,
        content_type="application/json",
        headers={"X-Lark-Request-Timestamp": ts, "X-Lark-Request-Nonce": nonce, "X-Lark-Signature": "0" * 64},
    )
    assert bad.status_code == 403
    ding = services.channel_config_create(
        actor=admin,
        kind="dingtalk",
        name="dt",
        url="https://oapi.dingtalk.com/robot/send?access_token=x",
        inbound_secret="app-secret",
    )
    ts_ms = str(int(time.time() * 1000))
    sign = base64.b64encode(
        hmac.new(b"app-secret", f"{ts_ms}\napp-secret".encode(), hashlib.sha256).digest()
    ).decode()
    body = json.dumps(
        {"msgId": "d1", "senderStaffId": "staff1", "senderNick": "李娜", "text": {"content": "好的"}}
    ).encode()
    assert (
        world.http(None)
        .post(
            f"/hooks/in/{ding.inbound_token}/",
            data=body,
            content_type="application/json",
            headers={"timestamp": ts_ms, "sign": sign},
        )
        .status_code
        == 200
    )
    texts = set(InboundMessage.objects.values_list("body_text", flat=True))
    assert texts == {"收到，谢谢", "好的"}
    assert all(m.interaction.client == world.client for m in InboundMessage.objects.all())


def test_feishu_encrypted_event_is_decrypted(world):
    import os as _os

    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    world.contact.feishu = "ou_9"
    world.contact.save()
    config = services.channel_config_create(
        actor=world.memberships[world.admin.pk],
        kind="feishu",
        name="fs",
        url="https://open.feishu.cn/open-apis/bot/v2/hook/x",
        inbound_secret="enc-key",
        project=world.project,
    )
    event = {
        "schema": "2.0",
        "event": {
            "sender": {"sender_id": {"open_id": "ou_9"}},
            "message": {"message_id": "om_9", "content": json.dumps({"text": "加密消息"})},
        },
    }
    padder = padding.PKCS7(128).padder()
    plain = padder.update(json.dumps(event).encode()) + padder.finalize()
    iv = _os.urandom(16)
    enc = Cipher(algorithms.AES(hashlib.sha256(b"enc-key").digest()), modes.CBC(iv)).encryptor()
    body = json.dumps(
        {"encrypt": base64.b64encode(iv + enc.update(plain) + enc.finalize()).decode()}
    ).encode()
    ts, nonce = str(int(time.time())), "n9"
    sig = hashlib.sha256((ts + nonce + "enc-key").encode() + body).hexdigest()
    response = world.http(None).post(
        f"/hooks/in/{config.inbound_token}/",
        data=body,
        content_type="application/json",
        headers={"X-Lark-Request-Timestamp": ts, "X-Lark-Request-Nonce": nonce, "X-Lark-Signature": sig},
    )
    assert response.status_code == 200
    assert InboundMessage.objects.get().body_text == "加密消息"
