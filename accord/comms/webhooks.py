"""Outgoing event webhooks (subscribers receive the events they chose, through the outbox,
signed per Standard Webhooks) and the verification of inbound IM callbacks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from django.utils import timezone

from .models import OutboxMessage, WebhookSubscription

TOLERANCE_SECONDS = 300


def fan_out(event) -> int:
    """Queue ``event`` for each active subscription that chose it. Returns how many were queued.

    Runs inside the caller's transaction: a rolled-back change queues nothing. The outbox row's
    idempotency key is the ``webhook-id`` the receiver sees, the same on every retry.
    """
    from .services import _enqueue_delivery

    subs = [
        sub
        for sub in WebhookSubscription.objects.filter(organization_id=event.organization_id, is_active=True)
        if event.name in (sub.events or [])
    ]
    for sub in subs:
        message = OutboxMessage.objects.create(
            organization_id=event.organization_id,
            channel="webhook",
            subscription=sub,
            recipient=sub.url[:1000],
            subject=event.name,
            payload={
                "data": {
                    "type": event.name,
                    "timestamp": (event.created_at or timezone.now()).isoformat(),
                    "data": event.payload,
                }
            },
            related_type="comms.event",
            related_id=str(event.pk),
        )
        _enqueue_delivery(message.pk)
    return len(subs)


# --- inbound signatures --------------------------------------------------------------------------


def _fresh(timestamp: str, *, scale: int = 1) -> bool:
    try:
        value = int(timestamp) / scale
    except (TypeError, ValueError):
        return False
    return abs(time.time() - value) <= TOLERANCE_SECONDS


def verify_slack(signing_secret: str, headers, body: bytes) -> bool:
    """Slack: ``X-Slack-Signature: v0=hex(HMAC-SHA256(secret, "v0:{ts}:{body}"))``, ts within 5 min."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not signing_secret or not _fresh(timestamp):
        return False
    base = f"v0:{timestamp}:".encode() + body
    expected = "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def verify_feishu(encrypt_key: str, headers, body: bytes) -> bool:
    """Feishu/Lark events: ``X-Lark-Signature = hex(sha256(timestamp + nonce + encrypt_key + body))``."""
    timestamp = headers.get("X-Lark-Request-Timestamp", "")
    nonce = headers.get("X-Lark-Request-Nonce", "")
    signature = headers.get("X-Lark-Signature", "")
    if not encrypt_key or not _fresh(timestamp):
        return False
    expected = hashlib.sha256((timestamp + nonce + encrypt_key).encode() + body).hexdigest()
    return hmac.compare_digest(expected, signature)


def verify_dingtalk(app_secret: str, headers, body: bytes) -> bool:
    """DingTalk outgoing robot: headers ``timestamp`` (ms) and
    ``sign = base64(HMAC-SHA256(app_secret, "{timestamp}\\n{app_secret}"))``, within an hour."""
    timestamp = headers.get("timestamp", "")
    signature = headers.get("sign", "")
    try:
        ok_time = abs(time.time() * 1000 - int(timestamp)) <= 3600 * 1000
    except (TypeError, ValueError):
        return False
    if not app_secret or not ok_time:
        return False
    digest = hmac.new(app_secret.encode(), f"{timestamp}\n{app_secret}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), signature)


def feishu_decrypt(encrypt_key: str, encrypted: str) -> bytes:
    """Feishu/Lark encrypted events: AES-256-CBC, key = sha256(encrypt_key), the IV is the
    first 16 bytes of the base64-decoded text, PKCS#7 padding."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    raw = base64.b64decode(encrypted)
    key = hashlib.sha256(encrypt_key.encode()).digest()
    decryptor = Cipher(algorithms.AES(key), modes.CBC(raw[:16])).decryptor()
    padded = decryptor.update(raw[16:]) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()
