"""A client writes Markdown in the portal; the team reads it: no image from elsewhere loads
in the team's browser (a tracking pixel would tell the sender who read it, when and where)."""

import re

from django.urls import reverse

from accord.service.models import SupportRequest

PAYLOAD = (
    "Please look ![pixel](https://tracker.example/p.gif?who=team) "
    '<img src="http://127.0.0.1:9/raw.gif" alt="raw"> <img src="//tracker.example/x.gif"> '
    "and our screenshot ![screen](/support/attachments/1/)"
)


def _image_sources(html: str) -> list[str]:
    return re.findall(r'<img\b[^>]*\bsrc="([^"]*)"', html)


def test_portal_markdown_shows_no_remote_image_to_the_team(world):
    created = world.http(world.client_user).post(
        reverse("service:portal_request_create", args=[world.project.pk]),
        {"title": "Login page", "description": PAYLOAD, "priority": "normal"},
    )
    assert created.status_code == 302
    support = SupportRequest.objects.get(title="Login page")
    page = world.http(world.member).get(reverse("service:request_detail", args=[support.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert _image_sources(html).count("/support/attachments/1/") == 1
    assert not [src for src in _image_sources(html) if "tracker" in src or "127.0.0.1:9" in src]
    # Shown as plain links instead, with the text the client gave.
    assert "pixel (https://tracker.example/p.gif?who=team)</a>" in html
    assert "raw (http://127.0.0.1:9/raw.gif)</a>" in html
