"""With DEBUG off a wrong URL shows Accord's own 404 page and a failing view a 500 page with no
traceback."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import path

from accord.urls import urlpatterns as accord_urls


def _boom(request):
    raise RuntimeError("secret internals: /srv/accord/settings.py line 42")


urlpatterns = [*accord_urls, path("boom/", _boom)]
handler404 = "accord.web.views.error_404"
handler500 = "accord.web.views.error_500"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_unknown_url_shows_accords_404(world, settings, language):
    from django.utils import translation
    from django.utils.translation import gettext

    settings.DEBUG = False
    world.member.language = language
    world.member.save(update_fields=["language"])
    response = world.http(world.member).get("/no/such/page/")
    assert response.status_code == 404
    with translation.override(language):
        assert (
            gettext("This page does not exist, or you do not have access to it.") in response.content.decode()
        )
    assert b"Traceback" not in response.content and b"URLconf" not in response.content


def test_server_error_shows_no_traceback(db, settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "secret internals" not in body and "Traceback" not in body
    assert "X-Request-ID" in response.headers
