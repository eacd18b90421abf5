"""Outgoing connections that cannot be turned against the server's own network.

Every request to a URL an organisation configured (webhooks, IM robots) goes through ``post``,
and every connection to an organisation's own SMTP server through ``smtp_address``: the host is
resolved, *every* address is checked, and the connection is made to the address that was
checked, so a second DNS answer cannot slip in (no rebinding gap). Redirects are never followed
and every step has a timeout.

Public addresses are allowed. Private, loopback and reserved ones are refused unless the
installation's operator allows them (``ACCORD_OUTBOUND_ALLOW_PRIVATE`` or the networks in
``ACCORD_OUTBOUND_ALLOWED_NETWORKS``) — an organisation cannot. Link-local addresses (which
include the cloud metadata address 169.254.169.254), the other known metadata addresses,
multicast and unspecified addresses are refused always, whatever the operator set.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import logging
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 256 * 1024
DEFAULT_SMTP_PORTS = (25, 465, 587, 2525)

# Instance metadata services outside the link-local ranges (AWS over IPv6, Alibaba Cloud, Azure).
METADATA_NETWORKS = tuple(
    ipaddress.ip_network(net) for net in ("fd00:ec2::254/128", "100.100.100.200/32", "168.63.129.16/32")
)
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")


class UnsafeURL(ValueError):
    """The URL is malformed or points somewhere we refuse to connect to."""


class Unresolvable(UnsafeURL):
    """The host name does not resolve (now): perhaps a passing DNS failure."""


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def _operator_networks() -> list:
    networks = []
    for entry in getattr(settings, "ACCORD_OUTBOUND_ALLOWED_NETWORKS", []) or []:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            logger.warning("ACCORD_OUTBOUND_ALLOWED_NETWORKS: %r is not a network, ignored", entry)
    return networks


def _embedded(ip) -> list:
    """``ip`` and the IPv4 addresses it carries (IPv4-mapped, 6to4, NAT64, Teredo)."""
    found = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            found.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            found.append(ip.sixtofour)
        if ip.teredo is not None:
            found.append(ip.teredo[1])
        if ip in NAT64_PREFIX:
            found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def is_never_allowed(ip) -> bool:
    """Link-local, metadata, multicast and unspecified addresses: refused whatever the settings."""
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip)
    return any(
        one.is_link_local
        or one.is_multicast
        or one.is_unspecified
        or any(one in net for net in METADATA_NETWORKS if net.version == one.version)
        or (one.version == 4 and one == ipaddress.IPv4Address("255.255.255.255"))
        for one in _embedded(ip)
    )


def is_public_address(ip) -> bool:
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip)
    if is_never_allowed(ip):
        return False
    return all(
        one.is_global and not (one.is_loopback or one.is_reserved or one.is_private) for one in _embedded(ip)
    )


def is_allowed_address(ip) -> bool:
    """May Accord connect to ``ip`` for an organisation? (The operator's settings apply.)"""
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip)
    if is_never_allowed(ip):
        return False
    if is_public_address(ip):
        return True
    if getattr(settings, "ACCORD_OUTBOUND_ALLOW_PRIVATE", False):
        return True
    networks = _operator_networks()
    return all(any(one in net for net in networks if net.version == one.version) for one in _embedded(ip))


def check_url_format(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path_and_query) of a well-formed http(s) URL, or UnsafeURL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise UnsafeURL(_("This is not a valid URL.")) from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL(_("Only http:// and https:// addresses can be used."))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeURL(_("The URL has no host name."))
    if parts.username or parts.password:
        raise UnsafeURL(_("Put credentials in the secret field, not in the URL."))
    if any(ch.isspace() for ch in url.strip()):
        raise UnsafeURL(_("The URL contains spaces."))
    port = port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, host, port, path


def _refused(host: str, address: str) -> UnsafeURL:
    return UnsafeURL(
        _(
            "%(host)s resolves to %(address)s, a private, local or reserved address. "
            "Accord does not connect there for an organisation; use a public address."
        )
        % {"host": host, "address": address}
    )


def resolve_checked(host: str, port: int, *, tolerate_unresolved: bool = False) -> str:
    """One address of ``host`` to connect to, after checking every address it resolves to.

    With ``tolerate_unresolved`` a name that does not resolve (now) gives "" instead of an error:
    a form may save it, the check at delivery time decides.
    """
    host = host.strip("[]")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        if tolerate_unresolved:
            return ""
        raise Unresolvable(_("The host name %(host)s could not be resolved.") % {"host": host}) from None
    addresses = []
    for info in infos:
        address = info[4][0].split("%", 1)[0]
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        if tolerate_unresolved:
            return ""
        raise Unresolvable(_("The host name %(host)s could not be resolved.") % {"host": host})
    for address in addresses:
        if not is_allowed_address(ipaddress.ip_address(address)):
            raise _refused(host, address)
    return addresses[0]


def validate_url(url: str) -> str:
    """Check a URL an admin entered: its form, and where it points now if it resolves."""
    _scheme, host, port, _path = check_url_format(url)
    resolve_checked(host, port, tolerate_unresolved=True)
    return url.strip()


def allowed_smtp_ports() -> list[int]:
    return list(getattr(settings, "ACCORD_OUTBOUND_SMTP_PORTS", None) or DEFAULT_SMTP_PORTS)


def check_smtp_port(port: int) -> None:
    ports = allowed_smtp_ports()
    if port not in ports:
        raise UnsafeURL(
            _("Use one of the SMTP ports %(ports)s.") % {"ports": ", ".join(str(p) for p in ports)}
        )


def validate_smtp(host: str, port: int) -> None:
    """Check an SMTP server an admin entered: the port, and where the host points now."""
    check_smtp_port(port)
    host = (host or "").strip().rstrip(".")
    if not host or any(ch.isspace() or ch in "/@?#" for ch in host):
        raise UnsafeURL(_("Enter a host name or an address, e.g. smtp.example.com."))
    resolve_checked(host, port, tolerate_unresolved=True)


def smtp_address(host: str, port: int) -> str:
    """The checked address to connect to for an organisation's SMTP server (delivery time)."""
    check_smtp_port(port)
    return resolve_checked((host or "").strip().rstrip("."), port)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class Session:
    """POSTs under the rules above over one kept-alive connection: every post checks its URL and
    every address its host resolves to, and reuses the open connection only when it goes to the
    very address that check allowed. A receiver that closes after its answer (HTTP/1.0,
    ``Connection: close``) gets a new one. Network errors raise ``OSError`` (timeouts included); a
    refused destination raises ``UnsafeURL``."""

    STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)

    def __init__(self, *, timeout: float | None = None):
        self.timeout = timeout
        self.conn = None
        self.target = None

    def post(self, url: str, body: bytes, *, headers: dict[str, str] | None = None) -> Response:
        scheme, host, port, path = check_url_format(url)
        host = host.strip("[]")
        address = resolve_checked(host, port)
        timeout = (
            self.timeout if self.timeout is not None else getattr(settings, "ACCORD_WEBHOOK_TIMEOUT", 10)
        )
        target = (scheme, host, port, address, timeout)
        headers = {"User-Agent": "Accord-Webhooks/1", "Content-Type": "application/json", **(headers or {})}
        reused = self.conn is not None and self.target == target
        if not reused:
            self._connect(target)
        try:
            try:
                return self._request(path, body, headers)
            except self.STALE:
                if not reused:
                    raise
                # The receiver closed the kept-alive connection while it sat idle: once more,
                # afresh. (Only then: a failure on a new connection is the post's own.)
                self._connect(target)
                return self._request(path, body, headers)
        except http.client.HTTPException as exc:
            # Not the exception's text: it may quote what the other side sent.
            raise OSError(f"HTTP protocol error ({type(exc).__name__})") from exc

    def _connect(self, target) -> None:
        self.close()
        scheme, host, port, address, timeout = target
        cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        self.conn, self.target = cls(host, port, address=address, timeout=timeout), target

    def _request(self, path: str, body: bytes, headers: dict[str, str]) -> Response:
        try:
            self.conn.request("POST", path, body=body, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read(MAX_RESPONSE_BYTES)
        except BaseException:
            self.close()
            raise
        if resp.will_close or not resp.isclosed():
            self.close()  # the receiver ends the connection, or more answer is left than was read
        return Response(status=resp.status, body=data, headers={k.lower(): v for k, v in resp.getheaders()})

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(OSError):
                self.conn.close()
        self.conn = self.target = None


def post(
    url: str,
    body: bytes,
    *,
    headers: dict[str, str] | None = None,
    timeout: float | None = None,
) -> Response:
    """POST ``body`` to ``url`` under the rules above, over a connection of its own."""
    session = Session(timeout=timeout)
    try:
        return session.post(url, body, headers=headers)
    finally:
        session.close()
