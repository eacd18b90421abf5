"""Delivery through real servers: SMTP (aiosmtpd) and HTTP on 127.0.0.1."""

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import parse_qs, urlsplit

from django.db import transaction

from accord.comms import delivery, providers, senders, services
from accord.comms.models import ChannelConfig, Notification, OutboxMessage, OutboxStatus
from accord.lib import crypto


def _deliver_all():
    for pk in OutboxMessage.objects.filter(status__in=["pending", "failed"]).values_list("pk", flat=True):
        OutboxMessage.objects.filter(pk=pk).update(next_attempt_at=None)
        delivery.deliver(pk)


def test_email_reaches_smtp_with_message_id_and_attachments(world, smtp_server):
    message = services.outbox_email(
        organization=world.org,
        to=["li.na@client.example"],
        subject="周报 Weekly report",
        text="正文 body",
        html="<p>正文</p>",
        attachments=[("report.pdf", b"%PDF-1.4 test", "application/pdf")],
        headers={"In-Reply-To": "<thread@x>", "References": "<thread@x>"},
        reply_to="reply+abc@accord.example",
    )
    delivery.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT, message.last_error
    [received] = smtp_server.messages
    mail = received["message"]
    assert mail["Subject"] == "周报 Weekly report"
    assert mail["Message-ID"] == senders.message_id_header(message)
    assert message.idempotency_key in mail["Message-ID"]
    assert mail["In-Reply-To"] == "<thread@x>"
    assert mail["Reply-To"] == "reply+abc@accord.example"
    assert mail.get_body(("plain",)).get_content().strip() == "正文 body"
    assert "<p>正文</p>" in mail.get_body(("html",)).get_content()
    [att] = list(mail.iter_attachments())
    assert att.get_filename() == "report.pdf" and att.get_content() == b"%PDF-1.4 test"


def test_second_claim_gets_nothing(world):
    message = services.outbox_email(organization=world.org, to="a@b.example", subject="s", text="t")
    assert delivery.claim(message.pk) is not None
    assert delivery.claim(message.pk) is None


def test_notify_sends_in_each_users_language(world, smtp_server):
    from django.utils.text import format_lazy
    from django.utils.translation import gettext_lazy as _

    world.member.language = "zh-hans"
    world.member.save()
    services.notify(
        organization=world.org,
        users=[world.member, world.manager],
        title=format_lazy("{}", _("Communication plan")),
        body="x",
        url="/communication/",
    )
    _deliver_all()
    subjects = {m["to"][0]: m["message"]["Subject"] for m in smtp_server.messages}
    assert subjects[world.member.email] == "沟通计划"
    assert subjects[world.manager.email] == "Communication plan"


def test_per_org_smtp_channel_is_used(world, operator_allows_local_smtp, settings):
    smtp_server = operator_allows_local_smtp
    settings.EMAIL_PORT = 1  # the site default would fail
    ChannelConfig.objects.create(
        organization=world.org,
        kind="email",
        name="Ours",
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        from_email="Acme <team@acme.example>",
        secret_encrypted=crypto.encrypt(""),
    )
    message = services.outbox_email(organization=world.org, to="x@client.example", subject="Hi", text="t")
    delivery.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == "sent", message.last_error
    assert smtp_server.messages[0]["message"]["From"] == "Acme <team@acme.example>"


def test_smtp_down_is_transient_and_the_message_waits_instead_of_dying(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = 1
    settings.EMAIL_HOST = "127.0.0.1"
    message = services.outbox_email(organization=world.org, to="x@client.example", subject="Lost?", text="t")
    for _ in range(12):
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=None)
        delivery.deliver(message.pk)
        message.refresh_from_db()
    # Many attempts do not give a message up: only a permanent error or its age does.
    assert message.status == OutboxStatus.FAILED
    assert "SMTP" in message.last_error
    assert not Notification.objects.filter(organization=world.org, title__contains="Lost?").exists()


def test_permanent_failure_is_dead_with_one_alert(world, http_receiver):
    http_receiver.reply = (404, b"no_service")
    message = _send(world, _channel(world, "slack", http_receiver.url), title="Lost?")
    assert message.status == OutboxStatus.DEAD
    alerts = Notification.objects.filter(organization=world.org, title__contains="Lost?")
    assert {n.user for n in alerts} == {world.owner, world.admin}


def test_backoff_grows_with_jitter():
    values = [delivery.backoff_seconds(n) for n in range(1, 8)]
    assert 15 <= values[0] <= 45
    assert 30 * 2**5 * 0.5 <= values[6] <= 30 * 2**6 * 1.5


def _channel(world, kind, url, secret=""):
    return ChannelConfig.objects.create(
        organization=world.org, kind=kind, name=kind, url=url, secret_encrypted=crypto.encrypt(secret)
    )


def _send(world, config, title="Weekly status", text="All green"):
    with transaction.atomic():
        message = services.outbox_channel_message(
            organization=world.org, channel_config=config, title=title, text=text, link="http://x.example/p/1"
        )
    delivery.deliver(message.pk)
    message.refresh_from_db()
    return message


def test_slack_payload(world, http_receiver):
    message = _send(world, _channel(world, "slack", http_receiver.url + "/services/T/B/X"))
    assert message.status == "sent", message.last_error
    body = json.loads(http_receiver.requests[0]["body"])
    assert "Weekly status" in body["text"] and body["blocks"][0]["type"] == "header"


def test_slack_error_body_is_permanent(world, http_receiver):
    http_receiver.reply = (404, b"no_service")
    message = _send(world, _channel(world, "slack", http_receiver.url))
    assert message.status == "dead" and "no_service" in message.last_error


def test_teams_adaptive_card(world, http_receiver):
    http_receiver.reply = (202, b"")
    message = _send(world, _channel(world, "teams", http_receiver.url + "/workflows/abc"))
    assert message.status == "sent", message.last_error
    body = json.loads(http_receiver.requests[0]["body"])
    assert body["type"] == "message"
    [att] = body["attachments"]
    assert att["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert att["content"]["type"] == "AdaptiveCard" and att["content"]["body"][0]["text"] == "Weekly status"


def test_wecom_markdown_and_errcode(world, http_receiver):
    http_receiver.reply = (200, {"errcode": 0, "errmsg": "ok"})
    config = _channel(world, "wecom", http_receiver.url + "/cgi-bin/webhook/send?key=k")
    assert _send(world, config).status == "sent"
    body = json.loads(http_receiver.requests[0]["body"])
    assert body["msgtype"] == "markdown" and "**Weekly status**" in body["markdown"]["content"]
    assert http_receiver.requests[0]["path"] == "/cgi-bin/webhook/send?key=k"
    http_receiver.reply = (200, {"errcode": 93000, "errmsg": "invalid webhook url"})
    failed = _send(world, config)
    assert failed.status == "dead" and "93000" in failed.last_error
    http_receiver.reply = (200, {"errcode": 45009, "errmsg": "api freq out of limit"})
    limited = _send(world, config)
    assert limited.status == "failed" and limited.next_attempt_at is not None


def test_dingtalk_signature(world, http_receiver):
    http_receiver.reply = (200, {"errcode": 0, "errmsg": "ok"})
    secret = "SEC" + "a" * 60
    message = _send(
        world, _channel(world, "dingtalk", http_receiver.url + "/robot/send?access_token=t", secret)
    )
    assert message.status == "sent", message.last_error
    query = parse_qs(urlsplit(http_receiver.requests[0]["path"]).query)
    ts = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"][0] == expected and query["access_token"] == ["t"]
    assert abs(int(ts) / 1000 - time.time()) < 60
    body = json.loads(http_receiver.requests[0]["body"])
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] == "Weekly status"


def test_dingtalk_200_with_error_code_is_a_failure(world, http_receiver):
    http_receiver.reply = (200, {"errcode": 310000, "errmsg": "sign not match"})
    message = _send(world, _channel(world, "dingtalk", http_receiver.url + "/robot/send?access_token=t", "s"))
    assert message.status == "dead" and "310000" in message.last_error


def test_feishu_signature_and_error_code(world, http_receiver):
    http_receiver.reply = (200, {"code": 0, "msg": "success", "data": {}})
    secret = "feishu-secret"
    config = _channel(world, "feishu", http_receiver.url + "/open-apis/bot/v2/hook/x", secret)
    assert _send(world, config).status == "sent"
    body = json.loads(http_receiver.requests[0]["body"])
    key = f"{body['timestamp']}\n{secret}".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "text" and "Weekly status" in body["content"]["text"]
    http_receiver.reply = (200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"})
    assert _send(world, config).status == "dead"


def test_generic_webhook_is_signed_per_standard_webhooks(world, http_receiver):
    secret = providers.new_webhook_secret()
    message = _send(world, _channel(world, "webhook", http_receiver.url + "/hook", secret))
    assert message.status == "sent"
    req = http_receiver.requests[0]
    headers = {k.lower(): v for k, v in req["headers"].items()}
    assert headers["webhook-id"] == message.idempotency_key
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + req["body"]
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == expected
    assert providers.standard_webhook_verify(secret, headers, req["body"])
    assert not providers.standard_webhook_verify(secret, headers, req["body"] + b" ")


def test_hanging_provider_times_out_and_is_retried(world, http_receiver, settings):
    settings.ACCORD_WEBHOOK_TIMEOUT = 0.5
    http_receiver.hang = 1.5
    message = _send(world, _channel(world, "slack", http_receiver.url))
    assert message.status == "failed"
    assert "timed out" in message.last_error.lower() or "timeout" in message.last_error.lower()


def test_server_error_is_transient_and_redirect_is_not_followed(world, http_receiver):
    http_receiver.reply = (503, b"busy")
    assert _send(world, _channel(world, "slack", http_receiver.url)).status == "failed"
    http_receiver.reply = (302, b"")
    moved = _send(world, _channel(world, "slack", http_receiver.url))
    assert moved.status == "dead" and "302" in moved.last_error
    assert len(http_receiver.requests) == 2  # the redirect target was never contacted


def test_private_address_refused_without_the_operators_setting(world, http_receiver, settings):
    settings.ACCORD_OUTBOUND_ALLOWED_NETWORKS = []
    message = _send(world, _channel(world, "slack", http_receiver.url))
    assert message.status == "dead" and "127.0.0.1" in message.last_error
    assert http_receiver.requests == []


def test_operator_may_allow_private_addresses(world, http_receiver, settings):
    settings.ACCORD_OUTBOUND_ALLOWED_NETWORKS = []
    settings.ACCORD_OUTBOUND_ALLOW_PRIVATE = True
    assert _send(world, _channel(world, "slack", http_receiver.url)).status == "sent"


def test_sweeper_recovers_stuck_and_due_rows(
    world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    monkeypatch.setenv("ACCORD_OUTBOX_LEASE_SECONDS", "10")
    message = services.outbox_email(organization=world.org, to="a@b.example", subject="s", text="t")
    OutboxMessage.objects.filter(pk=message.pk).update(
        status="sending", claimed_at=timezone.now() - timedelta(seconds=60), attempts=1
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = 1
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.sweep(min_age_seconds=0) == 1
    message.refresh_from_db()
    assert message.status in ("failed", "dead") and message.attempts == 2


def test_retry_now(world, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = 1
    message = services.outbox_email(organization=world.org, to="a@b.example", subject="s", text="t")
    OutboxMessage.objects.filter(pk=message.pk).update(status="dead", attempts=8)
    message.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.outbox_retry(actor=world.memberships[world.admin.pk], message=message)
    message.refresh_from_db()
    assert message.attempts == 1 and message.status == "failed"
