import socket

import pytest

from accord.lib import crypto, netguard


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://localhost/x",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fd00:ec2::254]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://100.64.0.1/",
    ],
)
def test_private_destinations_are_refused(url):
    with pytest.raises(netguard.UnsafeURL):
        netguard.post(url, b"{}")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "http:///nohost",
        "not a url",
        "http://user:pw@example.com/",
        "http://exa mple.com/",
        "http://example.com:99999/",
    ],
)
def test_malformed_urls(url):
    with pytest.raises(netguard.UnsafeURL):
        netguard.check_url_format(url)


def test_every_resolved_address_is_checked(monkeypatch, settings):
    def fake(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with pytest.raises(netguard.UnsafeURL) as exc:
        netguard.resolve_checked("rebind.example", 80)
    assert "10.0.0.5" in str(exc.value)
    settings.ACCORD_OUTBOUND_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert netguard.resolve_checked("rebind.example", 80) == "93.184.216.34"


def test_operator_networks_and_private_switch(settings):
    with pytest.raises(netguard.UnsafeURL):
        netguard.resolve_checked("127.0.0.1", 80)
    settings.ACCORD_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8", "not a network"]
    assert netguard.resolve_checked("127.0.0.1", 80) == "127.0.0.1"
    settings.ACCORD_OUTBOUND_ALLOWED_NETWORKS = []
    settings.ACCORD_OUTBOUND_ALLOW_PRIVATE = True
    assert netguard.resolve_checked("10.1.2.3", 80) == "10.1.2.3"


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",
        "169.254.1.1",
        "fe80::1",
        "fd00:ec2::254",
        "100.100.100.200",
        "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe",
        "2002:a9fe:a9fe::1",
        "0.0.0.0",
        "::",
        "224.0.0.1",
    ],
)
def test_link_local_and_metadata_are_refused_even_when_the_operator_allows_everything(settings, address):
    settings.ACCORD_OUTBOUND_ALLOW_PRIVATE = True
    settings.ACCORD_OUTBOUND_ALLOWED_NETWORKS = ["0.0.0.0/0", "::/0"]
    assert not netguard.is_allowed_address(address)
    with pytest.raises(netguard.UnsafeURL):
        netguard.resolve_checked(address, 80)


def test_smtp_ports_are_limited_unless_the_operator_allows_more(settings):
    for port in (25, 465, 587, 2525):
        netguard.check_smtp_port(port)
    for port in (22, 6379, 8080):
        with pytest.raises(netguard.UnsafeURL):
            netguard.validate_smtp("smtp.example.com", port)
    settings.ACCORD_OUTBOUND_SMTP_PORTS = [25, 8025]
    netguard.check_smtp_port(8025)
    with pytest.raises(netguard.UnsafeURL):
        netguard.smtp_address("127.0.0.1", 8025)  # the port is allowed, the address is not


def test_validate_url_checks_literal_ips_and_tolerates_unresolved_names():
    with pytest.raises(netguard.UnsafeURL):
        netguard.validate_url("http://169.254.169.254/")
    with pytest.raises(netguard.UnsafeURL):
        netguard.validate_url("http://localhost:8000/")
    assert (
        netguard.validate_url(" https://hooks.slack.com/services/x ") == "https://hooks.slack.com/services/x"
    )


def test_crypto_round_trip(settings):
    stored = crypto.encrypt("s3cret-密钥")
    assert stored.startswith("fernet:") and "s3cret" not in stored
    assert crypto.decrypt(stored) == "s3cret-密钥"
    assert crypto.encrypt("") == "" and crypto.decrypt("") == ""
    settings.FIELD_ENCRYPTION_KEY = "another passphrase"
    assert crypto.decrypt(stored) == ""  # a changed key makes old secrets unreadable, not a crash
    from cryptography.fernet import Fernet

    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    assert crypto.decrypt(crypto.encrypt("x")) == "x"
