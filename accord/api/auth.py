"""API authentication: personal bearer tokens, or the browser session (with CSRF); request
limits per token and per client address; who may read the API documentation."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer

from accord.tenancy import ratelimit
from accord.tenancy.clientip import client_ip
from accord.tenancy.services import api_token_authenticate

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
RATE_WINDOW_SECONDS = 60


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def _count(request, key: str, limit: int) -> None:
    wait = ratelimit.hit(key, limit=limit, window=RATE_WINDOW_SECONDS)
    if wait is not None:
        raise RateLimited(wait)


def count_client_address(request) -> None:
    """One request from this client address (counted once per request, before authentication)."""
    if getattr(request, "_accord_ip_counted", False):
        return
    request._accord_ip_counted = True
    _count(request, f"api-ip:{client_ip(request)}", settings.ACCORD_API_RATE_PER_IP)


class TokenAuth(HttpBearer):
    def __call__(self, request):
        count_client_address(request)
        return super().__call__(request)

    def authenticate(self, request, token):
        found = api_token_authenticate(token, ip=client_ip(request))
        if found is None:
            return None
        api_token, membership = found
        _count(request, f"api-token:{api_token.token_hash[:24]}", settings.ACCORD_API_RATE_PER_TOKEN)
        if api_token.read_only and request.method not in SAFE_METHODS:
            raise HttpError(403, _("This token is read-only: create a read-and-write token to make changes."))
        request.membership = membership
        request.user = membership.user
        return membership


class SessionAuth(APIKeyCookie):
    """The signed-in browser session; the membership middleware already chose the organisation."""

    param_name = "sessionid"

    def __call__(self, request):
        count_client_address(request)
        return super().__call__(request)

    def authenticate(self, request, key):
        membership = getattr(request, "membership", None)
        if request.user.is_authenticated and membership is not None:
            return membership
        return None


AUTH = [TokenAuth(), SessionAuth()]


def _docs_allowed(request) -> bool:
    if request.user.is_authenticated:
        return True
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    return scheme.lower() == "bearer" and bool(raw) and api_token_authenticate(raw.strip()) is not None


def docs_access(view):
    """In production the API documentation and schema are for signed-in people and token holders."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if settings.PRODUCTION and not _docs_allowed(request):
            if request.path.endswith(".json"):
                return JsonResponse(
                    {"message": _("Sign in, or send an API token, to read the API schema.")}, status=401
                )
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper
