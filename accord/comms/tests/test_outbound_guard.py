"""Where an organisation's webhooks, IM channels and SMTP server may point is the operator's
choice: an admin cannot open loopback, private or metadata addresses for their organisation, the
check is repeated on the address resolved at delivery, and the outbox never shows what a target
answered — so the outbox is neither a window into internal services nor a port scanner."""

import socket

import pytest
from django.urls import reverse

from accord.comms.models import ChannelConfig, OutboxMessage, WebhookSubscription

pytestmark = pytest.mark.django_db

SECRET = "INTERNAL-SECRET-7f3a91"


def _channel_form(**fields):
    return {"kind": "slack", "name": "Hook", "url": "", "is_active": "on", **fields}


def _outbox_as_admin(world) -> str:
    http = world.http(world.admin)
    pages = [http.get(reverse("comms:outbox")).content.decode()]
    for message in OutboxMessage.objects.filter(organization=world.org):
        pages.append(http.get(reverse("comms:outbox_detail", args=[message.pk])).content.decode())
    api = world.api(world.admin).get("/outbox")
    assert api.status_code == 200
    pages.append(api.content.decode())
    return "\n".join(pages)


def _test_send(world, config, django_capture_on_commit_callbacks) -> OutboxMessage:
    with django_capture_on_commit_callbacks(execute=True):
        response = world.http(world.admin).post(reverse("comms:channel_test", args=[config.pk]))
    assert response.status_code == 302
    return OutboxMessage.objects.filter(channel_config=config).latest("id")


def test_an_admin_cannot_open_loopback_for_their_organisation(world, http_receiver, settings):
    settings.ACCORD_OUTBOUND_ALLOWED_NETWORKS = []
    http_receiver.reply = (200, SECRET.encode())
    http = world.http(world.admin)
    # The organisation-level allow-list is gone: no page takes "127.0.0.0/8" or "0.0.0.0/0".
    assert http.post("/communication/settings/", {"allowlist": "127.0.0.0/8\n0.0.0.0/0"}).status_code == 404
    refused = http.post(reverse("comms:channel_create"), _channel_form(url=http_receiver.url + "/hook"))
    assert refused.status_code == 422 and "127.0.0.1" in refused.content.decode()
    localhost = http.post(reverse("comms:channel_create"), _channel_form(url="http://localhost:8000/"))
    assert localhost.status_code == 422
    api = world.api(world.admin).post(
        "/webhook-subscriptions", {"url": http_receiver.url + "/events", "events": ["risk.raised"]}
    )
    assert api.status_code in (400, 422)
    assert not ChannelConfig.objects.exists() and not WebhookSubscription.objects.exists()
    assert http_receiver.requests == []


def test_a_channel_saved_earlier_is_refused_at_delivery(
    world, http_receiver, settings, django_capture_on_commit_callbacks
):
    """A row from before (or a URL whose name resolved elsewhere then) is checked when sent."""
    settings.ACCORD_OUTBOUND_ALLOWED_NETWORKS = []
    config = ChannelConfig.objects.create(
        organization=world.org, kind="slack", name="Old", url=http_receiver.url + "/hook"
    )
    message = _test_send(world, config, django_capture_on_commit_callbacks)
    assert message.status == "dead" and "127.0.0.1" in message.last_error
    assert http_receiver.requests == []


@pytest.mark.parametrize(
    "kind,reply,reason",
    [
        ("slack", (400, SECRET.encode()), "HTTP 400"),
        ("slack", (200, SECRET.encode()), "Slack answered"),
        ("teams", (500, SECRET.encode()), "HTTP 500"),
        ("wecom", (200, {"errcode": 93000, "errmsg": SECRET}), "wecom error 93000"),
        ("feishu", (200, {"code": 19021, "msg": SECRET}), "feishu error 19021"),
        ("webhook", (404, f"<html>{SECRET}</html>".encode()), "HTTP 404"),
    ],
)
def test_with_the_operators_setting_delivery_works_but_the_answer_is_never_shown(
    world, http_receiver, settings, django_capture_on_commit_callbacks, kind, reply, reason
):
    settings.ACCORD_OUTBOUND_ALLOWED_NETWORKS = []
    settings.ACCORD_OUTBOUND_ALLOW_PRIVATE = True  # the operator runs internal hooks on purpose
    http = world.http(world.admin)
    created = http.post(
        reverse("comms:channel_create"),
        _channel_form(kind=kind, name=kind, url=http_receiver.url + "/hook", secret="whsec_c2VjcmV0"),
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    config = ChannelConfig.objects.get()
    http_receiver.reply = reply
    message = _test_send(world, config, django_capture_on_commit_callbacks)
    assert len(http_receiver.requests) == 1  # it was delivered to the internal service
    assert message.status in ("failed", "dead")
    assert reason in message.last_error and SECRET not in message.last_error
    assert SECRET not in _outbox_as_admin(world)


def test_success_through_the_operators_network(
    world, http_receiver, settings, django_capture_on_commit_callbacks
):
    settings.ACCORD_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    http_receiver.reply = (200, b"ok")
    created = world.http(world.admin).post(
        reverse("comms:channel_create"), _channel_form(url=http_receiver.url + "/hook")
    )
    assert created.status_code == 302
    message = _test_send(world, ChannelConfig.objects.get(), django_capture_on_commit_callbacks)
    assert message.status == "sent", message.last_error


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[fe80::1]/",
        "http://0.0.0.0:8000/",
        "http://[::ffff:169.254.169.254]/",
    ],
)
def test_metadata_and_link_local_are_refused_even_with_the_operators_setting(world, settings, url):
    settings.ACCORD_OUTBOUND_ALLOW_PRIVATE = True
    settings.ACCORD_OUTBOUND_ALLOWED_NETWORKS = ["0.0.0.0/0", "::/0"]
    form = world.http(world.admin).post(reverse("comms:channel_create"), _channel_form(url=url))
    assert form.status_code == 422
    api = world.api(world.admin).post("/webhook-subscriptions", {"url": url, "events": ["risk.raised"]})
    assert api.status_code in (400, 422)
    assert not ChannelConfig.objects.exists() and not WebhookSubscription.objects.exists()


def test_dns_rebinding_to_metadata_is_refused_at_delivery(
    world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """The name resolved to a public address when it was saved; at delivery it answers with the
    metadata address — the connection is refused."""
    settings.ACCORD_OUTBOUND_ALLOW_PRIVATE = True
    answers = {"hooks.rebind.example": "93.184.216.34"}
    real = socket.getaddrinfo

    def resolver(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    created = world.http(world.admin).post(
        reverse("comms:channel_create"), _channel_form(url="http://hooks.rebind.example/hook")
    )
    assert created.status_code == 302
    answers["hooks.rebind.example"] = "169.254.169.254"
    message = _test_send(world, ChannelConfig.objects.get(), django_capture_on_commit_callbacks)
    assert message.status == "dead" and "169.254.169.254" in message.last_error


# --- the organisation's own SMTP server ---------------------------------------------------------


def _smtp_form(host, port, **fields):
    return {
        "kind": "email",
        "name": "Our SMTP",
        "smtp_host": host,
        "smtp_port": str(port),
        "smtp_security": "",
        "from_email": "team@acme.example",
        "is_active": "on",
        **fields,
    }


def test_smtp_channel_refuses_internal_hosts_and_other_ports_by_default(world, smtp_server):
    http = world.http(world.admin)
    # The test SMTP server itself: loopback at a high port — refused on both counts by default.
    local = http.post(reverse("comms:channel_create"), _smtp_form("127.0.0.1", smtp_server.port))
    assert local.status_code == 422
    for host, port in [("127.0.0.1", 25), ("10.0.0.5", 587), ("169.254.169.254", 25), ("localhost", 587)]:
        assert http.post(reverse("comms:channel_create"), _smtp_form(host, port)).status_code == 422, host
    for port in (22, 6379, 5432, 8080):  # a public name, but not an SMTP port
        assert (
            http.post(reverse("comms:channel_create"), _smtp_form("smtp.example.com", port)).status_code
            == 422
        )
    assert not ChannelConfig.objects.exists()


def test_smtp_channel_saved_earlier_is_refused_at_delivery_without_a_connection(
    world, smtp_server, django_capture_on_commit_callbacks
):
    config = ChannelConfig.objects.create(
        organization=world.org, kind="email", name="Old", smtp_host="127.0.0.1", smtp_port=smtp_server.port
    )
    message = _test_send(world, config, django_capture_on_commit_callbacks)
    assert message.status == "dead" and "SMTP port" in message.last_error
    assert smtp_server.messages == []


def test_smtp_channel_works_where_the_operator_allows_it(
    world, operator_allows_local_smtp, django_capture_on_commit_callbacks
):
    smtp_server = operator_allows_local_smtp
    created = world.http(world.admin).post(
        reverse("comms:channel_create"), _smtp_form("127.0.0.1", smtp_server.port)
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    message = _test_send(world, ChannelConfig.objects.get(), django_capture_on_commit_callbacks)
    assert message.status == "sent", message.last_error
    assert [m["to"] for m in smtp_server.messages] == [[world.admin.email]]


def test_an_internal_service_behind_an_allowed_port_shows_no_banner(
    world, settings, django_capture_on_commit_callbacks
):
    """A TCP service that is not SMTP answers with its own banner: the outbox records that the
    delivery failed, not what the service said."""
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def serve():
        conn, _addr = listener.accept()
        with conn:
            conn.sendall(f"554 {SECRET} redis-ish banner\r\n".encode())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    settings.ACCORD_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.ACCORD_OUTBOUND_SMTP_PORTS = [25, port]
    config = ChannelConfig.objects.create(
        organization=world.org, kind="email", name="Probe", smtp_host="127.0.0.1", smtp_port=port
    )
    message = _test_send(world, config, django_capture_on_commit_callbacks)
    thread.join(5)
    listener.close()
    assert message.status in ("failed", "dead") and "SMTP" in message.last_error
    assert SECRET not in message.last_error and SECRET not in _outbox_as_admin(world)
