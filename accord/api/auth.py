"""API authentication: personal bearer tokens, or the browser session (with CSRF)."""

from ninja.security import APIKeyCookie, HttpBearer

from accord.tenancy.services import api_token_authenticate


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        found = api_token_authenticate(token)
        if found is None:
            return None
        _token, membership = found
        request.membership = membership
        request.user = membership.user
        return membership


class SessionAuth(APIKeyCookie):
    """The signed-in browser session; the membership middleware already chose the organisation."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        membership = getattr(request, "membership", None)
        if request.user.is_authenticated and membership is not None:
            return membership
        return None


AUTH = [TokenAuth(), SessionAuth()]
