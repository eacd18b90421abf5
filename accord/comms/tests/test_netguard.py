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
        netguard.post(url, b"{}", allowlist=[])


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


def test_every_resolved_address_is_checked(monkeypatch):
    def fake(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with pytest.raises(netguard.UnsafeURL) as exc:
        netguard.resolve_checked("rebind.example", 80)
    assert "10.0.0.5" in str(exc.value)
    assert netguard.resolve_checked("rebind.example", 80, ["10.0.0.0/8"]) == "93.184.216.34"


def test_allowlist_by_host_and_network():
    assert netguard.resolve_checked("127.0.0.1", 80, ["127.0.0.1"]) == "127.0.0.1"
    assert netguard.resolve_checked("localhost", 80, ["localhost"]) in ("127.0.0.1", "::1")
    assert netguard.resolve_checked("127.0.0.1", 80, ["127.0.0.0/8"]) == "127.0.0.1"


def test_validate_url_literal_ip_without_resolving():
    with pytest.raises(netguard.UnsafeURL):
        netguard.validate_url("http://169.254.169.254/")
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
