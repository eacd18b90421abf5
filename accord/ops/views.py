from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseNotFound, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.tenancy.clientip import client_ip

from . import health, services
from .middleware import address_in


def _trusted(request) -> bool:
    # The client behind a trusted reverse proxy, not the proxy: through a proxy on the same
    # machine every visitor would otherwise come from 127.0.0.1, inside the default allowlist.
    return address_in(client_ip(request), settings.ACCORD_HEALTH_ALLOWLIST)


def healthz(request):
    """Liveness: the process answers. No database, so a busy or restarting database does not
    get the web process killed."""
    return JsonResponse({"status": "ok", "time": timezone.now().isoformat()})


def readyz(request):
    """Readiness with one entry per check; 503 when any fails. Details only to trusted addresses."""
    if not _trusted(request):
        return HttpResponseNotFound()
    ok, checks = health.readiness()
    return JsonResponse({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503)


def metrics(request):
    token = settings.ACCORD_METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    from django.utils.crypto import constant_time_compare

    by_token = bool(token) and constant_time_compare(header, f"Bearer {token}")
    if not (by_token or _trusted(request)):
        return HttpResponseNotFound()
    from . import metrics as m

    body, content_type = m.render()
    return HttpResponse(body, content_type=content_type)


@login_required
@require_POST
def delivery_resume(request):
    services.delivery_resume(actor=request.membership)
    messages.success(request, _("Outgoing delivery resumed."))
    return redirect("comms:channels")
