"""Each platform's escaping and size limit, checked on the request a real HTTP server received."""

import json

import pytest
from django.db import transaction

from accord.comms import delivery, providers, services
from accord.comms.models import ChannelConfig
from accord.lib import crypto

LINK = "http://accord.example/p/1/reports/7/"
MARKUP = "A&B <b>bold</b> <@all> <!channel> 5 > 3 & 2 < 4 "
TEXTS = {
    "english": ("Status of the migration; " + MARKUP) * 400,
    "chinese": ("项目进度正常,客户确认了范围变更。" + MARKUP + "🎉") * 400,
}
REPLIES = {
    "slack": (200, b"ok"),
    "teams": (202, b""),
    "wecom": (200, {"errcode": 0, "errmsg": "ok"}),
    "dingtalk": (200, {"errcode": 0, "errmsg": "ok"}),
    "feishu": (200, {"code": 0, "msg": "success"}),
    "webhook": (200, b""),
}


def _deliver(world, http_receiver, kind, text, *, title="Weekly status 周报", language="en"):
    world.org.default_language = language
    world.org.save(update_fields=["default_language"])
    http_receiver.reply = REPLIES[kind]
    config = ChannelConfig.objects.create(
        organization=world.org,
        kind=kind,
        name=kind,
        url=http_receiver.url + "/hook",
        secret_encrypted=crypto.encrypt(providers.new_webhook_secret() if kind == "webhook" else "s"),
    )
    with transaction.atomic():
        message = services.outbox_channel_message(
            organization=world.org, channel_config=config, title=title, text=text, link=LINK
        )
    delivery.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == "sent", message.last_error
    [request] = http_receiver.requests
    return request, json.loads(request["body"])


def _no_raw_markup(escaped: str):
    """Outside the entities, no raw control character of the text is left."""
    for bad in ("<b>", "<@all>", "<!channel>", " > 3", " < 4", "A&B"):
        assert bad not in escaped, bad
    assert "&lt;b&gt;bold&lt;/b&gt;" in escaped and "A&amp;B" in escaped


def _ends_with_link(text: str, label: str, link_text: str):
    assert text.endswith(f"…\n{label}: {link_text}"), text[-200:]
    # the cut never leaves half an entity before the ellipsis
    before = text.rsplit("…", 1)[0]
    assert not before.rstrip().endswith(("&", "&a", "&am", "&amp", "&l", "&lt", "&g", "&gt"))


@pytest.mark.parametrize("sample", TEXTS)
def test_slack_escapes_and_cuts_the_section_at_3000_characters(world, http_receiver, sample):
    _request, body = _deliver(world, http_receiver, "slack", TEXTS[sample])
    section = body["blocks"][1]["text"]["text"]
    assert providers.utf16_len(section) <= providers.SLACK_SECTION_CHARS
    assert providers.utf16_len(section) > providers.SLACK_SECTION_CHARS - 80  # cut near the limit
    _no_raw_markup(section)
    _ends_with_link(section, "full text", f"<{LINK}>")
    assert len(body["blocks"][0]["text"]["text"]) <= providers.SLACK_HEADER_CHARS


def test_slack_short_text_is_escaped_and_whole(world, http_receiver):
    _request, body = _deliver(world, http_receiver, "slack", MARKUP)
    section = body["blocks"][1]["text"]["text"]
    _no_raw_markup(section)
    assert section == providers.slack_escape(MARKUP) + f"\n\n<{LINK}>"
    assert "…" not in section


@pytest.mark.parametrize("sample", TEXTS)
def test_teams_card_stays_under_28_kb(world, http_receiver, sample):
    request, body = _deliver(world, http_receiver, "teams", TEXTS[sample] * 3)
    assert len(request["body"]) <= providers.TEAMS_BODY_BYTES
    assert len(request["body"]) > providers.TEAMS_BODY_BYTES - 400
    text = body["attachments"][0]["content"]["body"][1]["text"]
    _ends_with_link(text, "full text", f"[{LINK}]({LINK})")
    assert text.startswith(TEXTS[sample][:100])


@pytest.mark.parametrize("sample", TEXTS)
def test_wecom_markdown_is_cut_at_4096_bytes(world, http_receiver, sample):
    _request, body = _deliver(world, http_receiver, "wecom", TEXTS[sample])
    content = body["markdown"]["content"]
    size = providers.utf8_len(content)
    assert size <= providers.WECOM_MARKDOWN_BYTES
    assert size > providers.WECOM_MARKDOWN_BYTES - 60  # the old cut at 4,000 characters was 11,972 bytes
    _no_raw_markup(content)
    _ends_with_link(content, "full text", LINK)


@pytest.mark.parametrize("sample", TEXTS)
def test_dingtalk_is_utf8_and_cut_at_20000_bytes(world, http_receiver, sample):
    request, body = _deliver(world, http_receiver, "dingtalk", TEXTS[sample] * 3)
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["content-type"] == "application/json; charset=utf-8"
    text = body["markdown"]["text"]
    assert (
        providers.DINGTALK_MARKDOWN_BYTES - 60 < providers.utf8_len(text) <= providers.DINGTALK_MARKDOWN_BYTES
    )
    _no_raw_markup(text)
    _ends_with_link(text, "full text", LINK)


@pytest.mark.parametrize("sample", TEXTS)
def test_feishu_body_stays_under_20_kb(world, http_receiver, sample):
    request, body = _deliver(world, http_receiver, "feishu", TEXTS[sample] * 3)
    assert providers.FEISHU_BODY_BYTES - 100 < len(request["body"]) <= providers.FEISHU_BODY_BYTES
    assert body["sign"] and body["msg_type"] == "text"
    _ends_with_link(body["content"]["text"], "full text", LINK)
    assert MARKUP in body["content"]["text"]  # plain text: nothing to escape beyond JSON


@pytest.mark.parametrize("sample", TEXTS)
def test_generic_webhook_is_cut_at_64_kb_and_signed(world, http_receiver, sample):
    request, body = _deliver(world, http_receiver, "webhook", TEXTS[sample] * 10)
    assert len(request["body"]) <= providers.WEBHOOK_BODY_BYTES
    _ends_with_link(body["text"], "full text", LINK)
    assert body["url"] == LINK
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["webhook-signature"].startswith("v1,")


@pytest.mark.parametrize("language, label", [("en", "full text"), ("zh-hans", "全文")])
def test_full_text_label_speaks_the_organisations_language(world, http_receiver, language, label):
    _request, body = _deliver(world, http_receiver, "wecom", TEXTS["chinese"], language=language)
    _ends_with_link(body["markdown"]["content"], label, LINK)


def test_cut_never_splits_a_character():
    """A budget that ends inside a multi-byte character or a surrogate pair cuts before it."""
    for limit in range(40, 80):
        _url, raw, _headers = providers.build_request(
            "wecom", url="http://x/", secret="", title="", text="🎉汉" * 50, link=""
        )
        content = providers.fit(
            "🎉汉" * 50, lambda part, cut: part + ("…" if cut else ""), providers.utf8_len, limit
        )
        assert providers.utf8_len(content) <= limit
        assert content.encode("utf-8").decode("utf-8") == content
        assert content.endswith("…") and content[:-1] == ("🎉汉" * 50)[: len(content) - 1]
        assert json.loads(raw)
        slack = providers.fit(
            "🎉a" * 50, lambda part, cut: part + ("…" if cut else ""), providers.utf16_len, limit
        )
        assert providers.utf16_len(slack) <= limit and not slack[:-1].endswith("\ud83c")
