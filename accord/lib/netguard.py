"""Outgoing HTTP that cannot be turned against the server's own network.

Every request to a URL an organisation configured (webhooks, IM robots) goes through
``post``: the host is resolved, *every* address is checked (loopback, private, link-local —
which includes the cloud metadata address 169.254.169.254 —, multicast, reserved and
unspecified addresses are refused), and the connection is made to the address that was
checked, so a second DNS answer cannot slip in (no rebinding gap). Redirects are never
followed and every step has a timeout. An explicit allow-list (the organisation's setting
plus ``settings.ACCORD_WEBHOOK_ALLOWLIST``) lets an admin reach an internal host on purpose.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

MAX_RESPONSE_BYTES = 256 * 1024


class UnsafeURL(ValueError):
    """The URL is malformed or points somewhere we refuse to connect to."""


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def parse_allowlist(entries: Iterable[str]) -> tuple[set[str], list]:
    """Split allow-list entries into host names and networks."""
    hosts: set[str] = set()
    networks: list = []
    for raw in entries:
        entry = raw.strip().lower()
        if not entry or entry.startswith("#"):
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            hosts.add(entry.rstrip("."))
    return hosts, networks


def effective_allowlist(organization_entries: Iterable[str] = ()) -> list[str]:
    return [*getattr(settings, "ACCORD_WEBHOOK_ALLOWLIST", []), *organization_entries]


def is_public_address(ip) -> bool:
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(ip.is_global) and not (
        ip.is_multicast or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified
    )


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


def resolve_checked(host: str, port: int, allowlist: Iterable[str] = ()) -> str:
    """One address of ``host`` to connect to, after checking every address it resolves to."""
    hosts, networks = parse_allowlist(allowlist)
    host_allowed = host.lower() in hosts
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise UnsafeURL(_("The host name %(host)s could not be resolved.") % {"host": host}) from None
    addresses = []
    for info in infos:
        address = info[4][0].split("%", 1)[0]
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnsafeURL(_("The host name %(host)s could not be resolved.") % {"host": host})
    for address in addresses:
        ip = ipaddress.ip_address(address)
        if is_public_address(ip) or host_allowed or any(ip in net for net in networks):
            continue
        raise UnsafeURL(
            _(
                "%(host)s resolves to %(address)s, a private, local or reserved address. "
                "An administrator can allow it in the communication settings."
            )
            % {"host": host, "address": address}
        )
    return addresses[0]


def validate_url(url: str, allowlist: Iterable[str] = (), *, resolve: bool = False) -> str:
    """Check a URL an admin entered; with ``resolve`` also check where it points now."""
    _scheme, host, port, _path = check_url_format(url)
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        ip = None
    if ip is not None or resolve:
        resolve_checked(host.strip("[]"), port, allowlist)
    return url.strip()


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


def post(
    url: str,
    body: bytes,
    *,
    headers: dict[str, str] | None = None,
    allowlist: Iterable[str] = (),
    timeout: float | None = None,
) -> Response:
    """POST ``body`` to ``url`` under the rules above. Network errors raise ``OSError``
    (timeouts included); a refused destination raises ``UnsafeURL``."""
    scheme, host, port, path = check_url_format(url)
    bare_host = host.strip("[]")
    address = resolve_checked(bare_host, port, allowlist)
    timeout = timeout if timeout is not None else getattr(settings, "ACCORD_WEBHOOK_TIMEOUT", 10)
    cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    conn = cls(bare_host, port, address=address, timeout=timeout)
    try:
        request_headers = {"User-Agent": "Accord-Webhooks/1", "Content-Type": "application/json"}
        request_headers.update(headers or {})
        try:
            conn.request("POST", path, body=body, headers=request_headers)
            resp = conn.getresponse()
            data = resp.read(MAX_RESPONSE_BYTES)
        except http.client.HTTPException as exc:
            raise OSError(f"HTTP protocol error: {exc}") from exc
        return Response(status=resp.status, body=data, headers={k.lower(): v for k, v in resp.getheaders()})
    finally:
        conn.close()
