"""Browser journeys against a live Accord: a fresh database, the demo data, the web app under
gunicorn, the background worker, and a real SMTP server that keeps what it receives.

Fixtures:
    server       base URL of the running app (session-wide)
    admin        (email, password) of a new organisation's owner, created for this run
    demo_login   (email, password) of the demo account (both demo organisations)
    mailbox      the list of e-mails (email.message.EmailMessage) the SMTP server received
    live         the LiveServer itself (its manage() runs management commands against it)
    browser      the Chromium browser; every context it opens is watched (below)
    page         a fresh Playwright page (English browser locale)
    sign_in      sign_in(page, email, password) — signs in through the form, and fails unless it did
    shot         shot(page, "name") — saves a screenshot to e2e/artifacts/
    browser_problems  the problems the watched pages reported so far in this test

Every page of every browser context is watched: a Content-Security-Policy violation, an uncaught
script error, a console error or a static file that fails to load fails the journey that caused it.

The server runs as production does in these respects: DEBUG off, static files served by
WhiteNoise, the CSP and the sign-in lockout on. Journeys never fail a sign-in by accident
(``sign_in`` checks); one that fails sign-ins on purpose resets the lockout when done.
"""

from __future__ import annotations

import email
import email.policy
import os
import time
from pathlib import Path

import pytest

from accord.testing.live import LiveServer, free_port

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "e2e" / "artifacts"
CHROMIUM = os.environ.get("ACCORD_CHROMIUM", "/usr/bin/chromium")
ADMIN_EMAIL = "e2e-owner@accord.example"
ADMIN_PASSWORD = "E2e-owner-password-2026"
DEMO_EMAIL = "demo@accord.example"


class _Mailbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def wait_for(self, predicate, timeout: float = 60.0):
        """The first received message for which ``predicate(msg)`` is true (waits for the worker)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in list(self.messages):
                if predicate(message):
                    return message
            time.sleep(0.2)
        raise AssertionError("no matching e-mail arrived")


@pytest.fixture(scope="session")
def mailbox():
    from aiosmtpd.controller import Controller

    box = _Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


@pytest.fixture(scope="session")
def live(mailbox):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # DEBUG off whatever the shell says: static files must come from WhiteNoise, as in production.
    live = LiveServer(smtp_port=mailbox.port, extra_env={"ACCORD_DEBUG": "0", "ACCORD_AXES_ENABLED": "1"})
    live.start()
    live.manage(
        "createadmin",
        ADMIN_EMAIL,
        "--organization",
        "E2E Consulting",
        "--password",
        ADMIN_PASSWORD,
        "--name",
        "Erika Example",
    )
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="session")
def server(live):
    return live.url


@pytest.fixture(scope="session")
def admin(server):
    return ADMIN_EMAIL, ADMIN_PASSWORD


@pytest.fixture(scope="session")
def demo_login(server):
    from accord.core.demo import DEMO_PASSWORD

    return DEMO_EMAIL, DEMO_PASSWORD


# What the watched pages reported during the current test: CSP violations, page errors, console errors.
_PROBLEMS: list[str] = []

# Reports every CSP violation as a console error, with what was blocked and where (Chromium logs
# its own message too, but not for every kind of violation).
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
    + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


# What a page loads besides itself; any of them failing is a broken page.
_SUBRESOURCES = {"stylesheet", "script", "image", "font", "media"}


def _watch_page(page) -> None:
    def on_console(message):
        # A page answered with 4xx on purpose (a form's errors, a used link) is logged as a
        # resource that failed to load: responses are judged below, by what they were for.
        if message.type != "error" or message.text.startswith("Failed to load resource"):
            return
        _PROBLEMS.append(f"console error on {page.url}: {message.text}")

    def on_response(response):
        kind = response.request.resource_type
        if (kind in _SUBRESOURCES and response.status >= 400) or response.status >= 500:
            _PROBLEMS.append(f"{kind} {response.url} answered {response.status} on {page.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: _PROBLEMS.append(f"page error on {page.url}: {error}"))


class _WatchedBrowser:
    """The browser, with every context it opens watched for CSP violations and script errors."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        context.add_init_script(_CSP_LISTENER)
        context.on("page", _watch_page)
        return context

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture
def browser_problems():
    """What the watched pages reported so far in this test; a journey that provokes a problem on
    purpose checks it was reported and takes it out."""
    return _PROBLEMS


@pytest.fixture(autouse=True)
def _account_languages_put_back(request):
    """A check that signs a demo account in with a language it chose (e2e/pages.py) changes the
    language the account keeps; the journeys that follow find it as it was."""
    yield
    from e2e.pages import _CHOSEN, restore_languages

    if _CHOSEN:
        restore_languages(request.getfixturevalue("live"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    _PROBLEMS.clear()
    result = yield
    if _PROBLEMS:
        problems = list(_PROBLEMS)
        _PROBLEMS.clear()
        raise AssertionError("the browser reported problems:\n" + "\n".join(problems))
    return result


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield _WatchedBrowser(browser)
        browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(
        base_url=server, locale="en-US", viewport={"width": 1366, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shot(request):
    counter = {"n": 0}

    def take(page, name: str) -> Path:
        counter["n"] += 1
        path = ARTIFACTS / f"{request.node.name}-{counter['n']:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def sign_in():
    def do(page, email_address: str, password: str) -> None:
        page.goto("/accounts/signin/")
        page.fill("input[name=username]", email_address)
        page.fill("input[name=password]", password)
        page.click("button[type=submit].primary")
        page.wait_for_load_state("networkidle")
        # A failed sign-in counts towards the lockout of the account and of 127.0.0.1, which
        # every journey shares: it must never pass unnoticed.
        assert "/accounts/signin/" not in page.url, f"signing in as {email_address} failed: {page.url}"

    return do
