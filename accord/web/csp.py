"""The Content-Security-Policy of every response (django-csp), with a fresh nonce each time.

django-csp names a nonce in the header only when a template asked for one; this middleware
asks on every request, so every page's policy carries its nonce whether or not the page has
a script, and a script without it is refused by the browser rather than by accident allowed.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware


class NonceCSPMiddleware(CSPMiddleware):
    def process_request(self, request) -> None:
        super().process_request(request)
        str(request.csp_nonce)  # made now, so the header always names it
