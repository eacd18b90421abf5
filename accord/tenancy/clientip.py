"""The client's address: the direct peer, or what a trusted reverse proxy says it forwarded.

``X-Forwarded-For`` is believed only when the direct peer is one of ``ACCORD_TRUSTED_PROXIES``
(addresses or CIDR networks; none by default). The header is read from the right: each hop a
trusted proxy added is skipped, and the first untrusted address is the client. Anything a client
wrote into the header itself sits further left and is never reached.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "ACCORD_TRUSTED_PROXIES", ())))


def is_trusted_proxy(address) -> bool:
    return address is not None and any(address in network for network in trusted_networks())


def client_ip(request) -> str:
    """The client's IP address as text (the direct peer when no trusted proxy is involved)."""
    peer_text = request.META.get("REMOTE_ADDR", "") or ""
    peer = _parse(peer_text)
    if not is_trusted_proxy(peer):
        return str(peer) if peer else peer_text
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop for hop in (part.strip() for part in forwarded.split(",")) if hop]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break  # a garbled hop: trust nothing further left
        if not is_trusted_proxy(address):
            return str(address)
    return str(peer)
