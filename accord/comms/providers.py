"""What each messaging provider expects: payload shape, signature and how it says "failed".

* Slack incoming webhook: ``{"text": …, "blocks": [...]}``; success is HTTP 200 with body ``ok``;
  errors are 4xx with a short code (``invalid_payload``, ``no_service``, ``channel_is_archived``);
  429 is rate limiting.
* Microsoft Teams (Workflows "post to a channel when a webhook request is received"): a
  ``message`` with one Adaptive Card attachment; success is 200 or 202.
* WeCom group robot (企业微信群机器人): ``{"msgtype": "markdown", "markdown": {"content": …}}``;
  the answer is always HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}`` on success — a non-zero
  errcode is a failure (45009: too many messages, retried; 93000 invalid key, not retried).
* DingTalk custom robot (钉钉自定义机器人): ``{"msgtype": "markdown", "markdown": {"title", "text"}}``;
  with a secret the URL carries ``timestamp`` (ms) and ``sign`` = urlencode(base64(HMAC-SHA256(
  key=secret, msg="{timestamp}\\n{secret}"))). HTTP 200 with a non-zero errcode is a failure
  (310000 sign/keyword/IP check failed, 300001 invalid token; 130101 too fast, retried).
* Feishu / Lark custom bot (飞书自定义机器人): ``{"msg_type": "text", "content": {"text": …}}`` plus
  ``timestamp`` (s) and ``sign`` = base64(HMAC-SHA256(key="{timestamp}\\n{secret}", msg=b"")) in the
  body when a secret is set. Success is ``{"code": 0}`` (older: ``{"StatusCode": 0}``); a non-zero
  code is a failure (19021 sign check failed, 19024 keyword check; 11232 rate limited, retried).
* Generic JSON webhook: Standard Webhooks — headers ``webhook-id``, ``webhook-timestamp`` (s),
  ``webhook-signature: v1,<base64 HMAC-SHA256(key=base64decode(secret without "whsec_"),
  msg="{id}.{timestamp}.{body}")>``; any 2xx is success.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import quote_plus

# Provider error codes that mean "slow down / try later" rather than "this will never work".
TRANSIENT_CODES = {
    "wecom": {-1, 45009, 45033},
    "dingtalk": {-1, 130101, 130102},
    "feishu": {9499, 11232, 11233, 11247},
}


class DeliveryError(Exception):
    """A failed delivery; ``permanent`` failures are not retried."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


# --- signatures ------------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp: int) -> str:
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def new_webhook_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def standard_webhook_key(secret: str) -> bytes:
    raw = secret[len("whsec_") :] if secret.startswith("whsec_") else secret
    try:
        return base64.b64decode(raw, validate=True)
    except ValueError:
        return raw.encode()


def standard_webhook_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(standard_webhook_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def standard_webhook_verify(secret: str, headers: dict, body: bytes, *, tolerance: int = 300) -> bool:
    msg_id = headers.get("webhook-id", "")
    try:
        timestamp = int(headers.get("webhook-timestamp", ""))
    except ValueError:
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = standard_webhook_signature(secret, msg_id, timestamp, body).split(",", 1)[1]
    for candidate in headers.get("webhook-signature", "").split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


# --- payloads ---------------------------------------------------------------------------------

# Each platform's documented size limit, and what it counts:
# * Slack: a section block's text at most 3,000 characters, a header's 150, the top-level
#   ``text`` 40,000 (Block Kit reference). Characters are counted as JavaScript does (UTF-16
#   code units), so an emoji outside the BMP counts twice.
# * Teams: the whole request at most about 28 KB (Workflows / incoming webhooks); 28,000 bytes.
# * WeCom: markdown ``content`` at most 4,096 bytes of UTF-8 (text messages: 2,048).
# * DingTalk: markdown ``text`` at most 20,000 bytes of UTF-8.
# * Feishu / Lark: the request body at most 20 KB; 20,000 bytes.
# * Generic webhook: Accord's own limit, a request body of at most 65,536 bytes.
SLACK_SECTION_CHARS = 3000
SLACK_HEADER_CHARS = 150
SLACK_TEXT_CHARS = 40000
TEAMS_BODY_BYTES = 28000
WECOM_MARKDOWN_BYTES = 4096
DINGTALK_MARKDOWN_BYTES = 20000
FEISHU_BODY_BYTES = 20000
WEBHOOK_BODY_BYTES = 65536
TITLE_CHARS = 200


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def json_bytes(payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def slack_escape(text: str) -> str:
    """Slack mrkdwn: ``&``, ``<`` and ``>`` are control characters and must be sent as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def html_escape(text: str) -> str:
    """WeCom and DingTalk markdown render HTML tags (``<font>``, ``<@userid>`` mentions): a
    message's own text must not become markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, render, measure, limit: int):
    """``render(prefix, cut)`` with the longest prefix of ``text`` whose rendering measures within
    ``limit``; ``cut`` tells render to end with the "full text" link.

    The text is cut on code points before it is escaped, so neither a character nor an escape
    entity is ever split, and the measure is taken on the final rendering (escapes, link and
    JSON quoting included)."""
    whole = render(text, False)
    if measure(whole) <= limit:
        return whole
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(render(text[:middle].rstrip(), True)) <= limit:
            low = middle
        else:
            high = middle - 1
    return render(text[:low].rstrip(), True)


def build_request(
    kind: str,
    *,
    url: str,
    secret: str,
    title: str,
    text: str,
    link: str = "",
    msg_id: str = "",
    data: dict | None = None,
    now: float | None = None,
    more_label: str = "full text",
):
    """(url, body bytes, headers) for one message to a provider.

    The text is escaped per the platform's rules and, if it would pass the platform's limit, cut
    there; a cut text ends with "… full text: <link>" to the item in Accord, within the limit."""
    now = time.time() if now is None else now
    headers: dict[str, str] = {"Content-Type": "application/json; charset=utf-8"}
    title = title[:TITLE_CHARS] if kind != "slack" else title[:SLACK_HEADER_CHARS]

    def tail(cut: bool, link_text: str) -> str:
        if cut:
            return f"…\n{more_label}: {link_text}" if link else "…"
        return f"\n\n{link_text}" if link else ""

    if kind == "slack":
        slack_link = f"<{link}>" if link else ""

        def render(part: str, cut: bool) -> str:
            return (slack_escape(part) + tail(cut, slack_link)).strip() if (part or link or cut) else ""

        section = fit(text, render, utf16_len, SLACK_SECTION_CHARS) or slack_escape(title)
        blocks = [{"type": "header", "text": {"type": "plain_text", "text": title}}] if title else []
        if section:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": section}})
        fallback = f"{slack_escape(title)}\n{section}".strip()[:SLACK_TEXT_CHARS]
        payload: dict = {"text": fallback, "blocks": blocks}
    elif kind == "teams":

        def render(part: str, cut: bool) -> dict:
            body = [{"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True}]
            shown = part + (tail(True, f"[{link}]({link})") if cut else "")
            if shown:
                body.append({"type": "TextBlock", "text": shown, "wrap": True})
            card: dict = {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
            }
            if link:
                card["actions"] = [{"type": "Action.OpenUrl", "title": "Accord", "url": link}]
            return {
                "type": "message",
                "attachments": [
                    {
                        "contentType": "application/vnd.microsoft.card.adaptive",
                        "contentUrl": None,
                        "content": card,
                    }
                ],
            }

        payload = fit(text, render, lambda p: len(json_bytes(p)), TEAMS_BODY_BYTES)
    elif kind == "wecom":
        head = f"**{html_escape(title)}**\n" if title else ""

        def render(part: str, cut: bool) -> str:
            return (head + html_escape(part) + tail(cut, link)).strip()

        payload = {
            "msgtype": "markdown",
            "markdown": {"content": fit(text, render, utf8_len, WECOM_MARKDOWN_BYTES)},
        }
    elif kind == "dingtalk":
        head = f"### {html_escape(title)}\n\n"

        def render(part: str, cut: bool) -> str:
            return head + html_escape(part) + tail(cut, link)

        payload = {
            "msgtype": "markdown",
            "markdown": {"title": title[:100], "text": fit(text, render, utf8_len, DINGTALK_MARKDOWN_BYTES)},
        }
        if secret:
            ts = int(now * 1000)
            sep = "&" if "?" in url else "?"
            url = f"{url}{sep}timestamp={ts}&sign={quote_plus(dingtalk_sign(secret, ts))}"
    elif kind == "feishu":
        signed: dict = {}
        if secret:
            ts = int(now)
            signed = {"timestamp": str(ts), "sign": feishu_sign(secret, ts)}

        def render(part: str, cut: bool) -> dict:
            return {
                **signed,
                "msg_type": "text",
                "content": {"text": f"{title}\n{part}{tail(cut, link)}".strip()},
            }

        payload = fit(text, render, lambda p: len(json_bytes(p)), FEISHU_BODY_BYTES)
    elif kind == "webhook":
        if data is not None:
            payload = data
        else:

            def render(part: str, cut: bool) -> dict:
                return {
                    "type": "message",
                    "title": title,
                    "text": part + (tail(cut, link) if cut else ""),
                    "url": link,
                }

            payload = fit(text, render, lambda p: len(json_bytes(p)), WEBHOOK_BODY_BYTES)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        ts = int(now)
        headers.update(
            {
                "webhook-id": msg_id,
                "webhook-timestamp": str(ts),
                "webhook-signature": standard_webhook_signature(secret, msg_id, ts, body),
            }
        )
        return url, body, headers
    else:
        raise DeliveryError(f"Unknown channel kind {kind!r}", permanent=True)
    return url, json_bytes(payload), headers


# Slack's documented error answers: the only body text kept in an error (anything else a
# target answers stays out of the outbox, where an admin would read it).
SLACK_ERRORS = frozenset(
    {
        "invalid_payload",
        "user_not_found",
        "channel_not_found",
        "channel_is_archived",
        "action_prohibited",
        "posting_to_general_channel_denied",
        "too_many_attachments",
        "no_service",
        "no_service_id",
        "no_team",
        "team_disabled",
        "invalid_token",
        "no_text",
    }
)


def check_response(kind: str, status: int, body: bytes) -> None:
    """Raise DeliveryError unless the provider's answer means success.

    The error says the HTTP status and, for the providers that have them, the error code — never
    the answer's text, which may come from any server the URL reaches.
    """
    text = body.decode("utf-8", "replace")[:500]
    if status == 429 or status == 408 or status >= 500:
        raise DeliveryError(f"HTTP {status}")
    if status >= 300:
        # Redirects are not followed: a moved webhook needs its new URL entered.
        slack_code = text.strip() if kind == "slack" and text.strip() in SLACK_ERRORS else ""
        raise DeliveryError(f"HTTP {status} {slack_code}".strip(), permanent=True)
    if kind in ("wecom", "dingtalk", "feishu"):
        try:
            answer = json.loads(text or "{}")
        except ValueError:
            raise DeliveryError(f"HTTP {status}: unreadable answer") from None
        if not isinstance(answer, dict):
            raise DeliveryError(f"HTTP {status}: unreadable answer")
        if kind == "feishu":
            code = answer.get("code", answer.get("StatusCode", 0))
        else:
            code = answer.get("errcode", 0)
        try:
            code = int(code)
        except (TypeError, ValueError):
            code = -1
        if code != 0:
            raise DeliveryError(
                f"{kind} error {code}", permanent=code not in TRANSIENT_CODES.get(kind, set())
            )
    elif kind == "slack" and text.strip() not in ("ok", ""):
        code = text.strip() if text.strip() in SLACK_ERRORS else "unexpected answer"
        raise DeliveryError(f"Slack answered: {code}", permanent=True)
