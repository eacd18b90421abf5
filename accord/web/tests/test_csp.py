"""Every page is sent with a strict Content-Security-Policy naming a fresh nonce; its scripts
carry that nonce, and no template has an inline event handler or a script without it."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from accord.feedback.tests.helpers import sent_survey

ACCORD = Path(__file__).resolve().parents[2]
NONCE = re.compile(r"'nonce-([A-Za-z0-9+/=]+)'")
# An attribute named on... (onclick=, onchange=, onerror=) inside a tag.
HANDLER = re.compile(r"<[a-zA-Z][^>]*?\son[a-z]+\s*=", re.S)
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.I)


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def _pages(world):
    survey, tokens = sent_survey(world)
    return [
        ("dashboard", world.member, reverse("web:dashboard")),
        ("project", world.member, reverse("projects:detail", args=[world.project.pk])),
        ("portal", world.client_user, reverse("portal:project", args=[world.project.pk])),
        ("survey", None, reverse("feedback:answer", args=[tokens[world.contact.pk]])),
        ("sign-in", None, reverse("tenancy:login")),
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_pages_send_a_strict_policy_with_their_nonce(world, language):
    seen = set()
    for name, user, url in _pages(world):
        response = world.http(user).get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, name
        policy = _policy(response)
        nonce = NONCE.search(policy["script-src"]).group(1)
        assert policy["script-src"] == f"script-src 'self' 'nonce-{nonce}'", name
        assert policy["object-src"] == "object-src 'none'"
        assert policy["base-uri"] == "base-uri 'self'"
        assert policy["frame-ancestors"] == "frame-ancestors 'none'"
        assert policy["img-src"] == "img-src 'self' data:"
        assert policy["default-src"] == "default-src 'self'"
        assert "unsafe-eval" not in response["Content-Security-Policy"]
        assert "'unsafe-inline'" not in policy["script-src"]
        html = response.content.decode()
        for tag in SCRIPT_TAG.findall(html):
            assert f'nonce="{nonce}"' in tag, (name, tag)
        assert not HANDLER.search(html), name
        seen.add(nonce)
    assert len(seen) == 5  # a fresh nonce for every response


def test_htmx_runs_without_eval_or_injected_styles(world):
    html = world.http(world.member).get(reverse("web:dashboard")).content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html).group(1)
    assert '"includeIndicatorStyles": false' in config and '"allowEval": false' in config
    assert '"allowScriptTags": false' in config
    # The indicator styles htmx would have injected come from our own stylesheet instead.
    css = (ACCORD / "web" / "static" / "accord" / "accord.css").read_text()
    assert ".htmx-indicator" in css


def test_no_template_has_inline_handlers_or_scripts_without_nonce():
    offenders = []
    for path in sorted(ACCORD.glob("*/templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        if HANDLER.search(text):
            offenders.append(f"{path.relative_to(ACCORD)}: inline event handler")
        if re.search(r"href\s*=\s*[\"']\s*javascript:", text, re.I):
            offenders.append(f"{path.relative_to(ACCORD)}: javascript: link")
        for tag in SCRIPT_TAG.findall(text):
            if 'nonce="{{ CSP_NONCE }}"' not in tag:
                offenders.append(f"{path.relative_to(ACCORD)}: {tag}")
    assert offenders == []


def test_api_docs_run_under_the_policy(client):
    """The API docs use the swagger files shipped with django-ninja, not a CDN nor inline code."""
    response = client.get("/api/v1/docs")
    assert response.status_code == 200 and "script-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    for tag in SCRIPT_TAG.findall(html):
        src = re.search(r'src="([^"]*)"', tag)
        assert (src and src.group(1).startswith("/static/")) or 'type="application/json"' in tag, tag
