"""Request ids, request metrics, and the health endpoints answered ahead of the rest of the
stack (no host check, no HTTPS redirect, no session), so probes work over plain HTTP."""

from __future__ import annotations

import ipaddress
import re
import time
import uuid
from functools import lru_cache

from django.conf import settings

from .logs import request_id_var

_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
HEALTH_PATHS = {"/healthz", "/readyz", "/metrics"}


@lru_cache(maxsize=32)
def _networks(entries: tuple[str, ...]):
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue
    return tuple(networks)


def address_in(address: str, entries) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _networks(tuple(entries)))


def peer_is_trusted_proxy(request) -> bool:
    return address_in(request.META.get("REMOTE_ADDR", ""), settings.ACCORD_TRUSTED_PROXIES)


class RequestIdMiddleware:
    """Every response carries X-Request-ID and every log line of the request its id. A client's
    id is taken only from a trusted proxy (it cannot otherwise forge entries in our logs)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        if incoming and _VALID_ID.match(incoming) and peer_is_trusted_proxy(request):
            request_id = incoming
        else:
            request_id = uuid.uuid4().hex
        request.request_id = request_id
        # Not reset on the way out: Django logs a 4xx/5xx after the middleware returns. The
        # request_finished signal clears it (see apps.py).
        request_id_var.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        from . import metrics

        match = getattr(request, "resolver_match", None)
        route = match.view_name if match else ("health" if request.path in HEALTH_PATHS else "unmatched")
        metrics.observe_request(route, request.method, response.status_code, time.perf_counter() - started)
        return response


class HealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path in HEALTH_PATHS:
            from . import views

            handler = {"/healthz": views.healthz, "/readyz": views.readyz, "/metrics": views.metrics}
            return handler[request.path](request)
        return self.get_response(request)
