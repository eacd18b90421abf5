"""Accessibility: axe-core over every page of the demo data, as each audience sees it in each
language — a team member, a portal client, and the public pages (sign-in, portal link request,
password reset, a survey answered from its e-mail link) — and the error states no link leads to:
"not found", a wrong password, team forms sent back with their errors.

A critical or serious violation fails the test, listed by page, rule and element. axe comes from
npm (node_modules/axe-core, ``make node_modules/.installed``) and is put into each page through
the DevTools protocol, which the page's Content-Security-Policy does not govern: the CSP stays on.
Every audit's counts by impact and rule are written to e2e/artifacts/axe-<audience>-<language>.json.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from e2e.conftest import ARTIFACTS, ROOT
from e2e.pages import EMPTY_FORMS, crawl, sign_in

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PORTAL_CLIENT = "zhou.jianguo@huaxin-precision.example"
FAILING = {"critical", "serious"}
# Browser locale and time zone per language, as a visitor from there has them.
BROWSER = {"en": ("en-US", "America/Los_Angeles"), "zh-hans": ("zh-CN", "Asia/Shanghai")}
PUBLIC_PAGES = ["/accounts/signin/", "/portal/signin/link/", "/accounts/password/reset/"]
# WCAG 2.1 A and AA, plus axe's best practices (landmarks, empty table headers).
_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")),
  }));
}"""


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make node_modules/.installed`")
    return AXE.read_text()


class _Audit:
    """The violations axe found on the pages of one browser context."""

    def __init__(self, context, source: str):
        self.page = context.new_page()
        self.source = source
        self.found: list[tuple[str, dict]] = []  # (path, violation)
        self.loads = 0

    def visit(self, path: str, expected: tuple[int, ...] = (200,)) -> None:
        response = self.page.goto(path)
        assert response is not None and response.status in expected, (
            f"{path} answered {response and response.status}"
        )
        self.check(path)

    def check(self, label: str) -> None:
        self.loads += 1
        self.page.evaluate(self.source)
        for violation in self.page.evaluate(_RUN):
            self.found.append((label, violation))

    def counts(self) -> dict:
        by_impact = Counter(v["impact"] for _, v in self.found)
        by_rule = Counter(f"{v['impact']} {v['id']}" for _, v in self.found)
        return {
            "pages_with_violations": len({path for path, _ in self.found}),
            "violations": len(self.found),
            "by_impact": dict(by_impact),
            "by_rule": dict(sorted(by_rule.items())),
            "found": [
                f"{path}: {v['impact']} {v['id']} at {', '.join(v['targets'][:5])}" for path, v in self.found
            ],
        }

    def assert_clean(self, name: str) -> None:
        counts = {"page_loads": self.loads, **self.counts()}
        (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(counts, indent=2))
        failing = [
            f"{path}: {v['impact']} {v['id']} ({v['help']}) at {', '.join(v['targets'][:5])}"
            for path, v in self.found
            if v["impact"] in FAILING
        ]
        assert not failing, f"{len(failing)} critical or serious violations:\n" + "\n".join(failing)


def _context(browser, server, language: str, session=None):
    locale, timezone = BROWSER[language]
    context = browser.new_context(
        base_url=server, locale=locale, timezone_id=timezone, viewport={"width": 1366, "height": 900}
    )
    context.set_default_timeout(15_000)
    if session is not None:
        context.add_cookies([{"name": c.name, "value": c.value, "url": server} for c in session.cookies])
    return context


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    ("audience", "email", "start"), [("team", None, "/"), ("portal", PORTAL_CLIENT, "/portal/")]
)
def test_every_signed_in_page_passes_axe(
    browser, server, demo_login, axe_source, audience, email, start, language
):
    login, password = demo_login
    session = sign_in(server, email or login, password, language)
    pages = crawl(server, session, start)
    assert not pages.problems, "\n".join(pages.problems)
    assert len(pages.pages) > (20 if audience == "team" else 3), pages.pages
    context = _context(browser, server, language, session)
    audit = _Audit(context, axe_source)
    for path in pages.pages:
        audit.visit(path)
    context.close()
    audit.assert_clean(f"{audience}-{language}")


def _survey_links(mailbox) -> list[str]:
    """The public survey links the demo data's invitations carried (the worker sends them)."""
    pattern = re.compile(r"https?://[^\s\"<>]+/s/[A-Za-z0-9_\-]+/")

    def text(message) -> str:
        body = message.get_body(preferencelist=("plain", "html"))
        return body.get_content() if body is not None else ""

    mailbox.wait_for(lambda m: pattern.search(text(m)))
    return sorted({link for m in list(mailbox.messages) for link in pattern.findall(text(m))})


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_public_pages_pass_axe(browser, server, mailbox, axe_source, language):
    context = _context(browser, server, language)
    audit = _Audit(context, axe_source)
    for path in PUBLIC_PAGES:
        audit.visit(path)
    # A survey still open to answer: the form as sent, then with the errors of an empty answer.
    forms = 0
    for link in _survey_links(mailbox):
        audit.visit(link, expected=(200, 409))  # 409: answered already, which the page says
        if forms == 0 and audit.page.locator("form button[type=submit].primary").count():
            forms += 1
            audit.page.click("form button[type=submit].primary")
            audit.page.wait_for_load_state()
            audit.check(f"{link} (answered empty)")
    context.close()
    assert forms, "no demo survey is open to answer"
    audit.assert_clean(f"public-{language}")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_error_states_pass_axe(browser, server, demo_login, axe_source, language):
    login, password = demo_login
    visitor = _context(browser, server, language)
    audit = _Audit(visitor, axe_source)
    audit.visit("/no-such-page/", expected=(404,))
    audit.visit("/accounts/signin/")
    audit.page.fill("input[name=username]", "nobody@accord.example")
    audit.page.fill("input[name=password]", "not the password")
    audit.page.click("form button[type=submit]")
    audit.page.wait_for_load_state()
    audit.check("/accounts/signin/ (wrong password)")
    visitor.close()

    member = _context(browser, server, language, sign_in(server, login, password, language))
    audit.page = member.new_page()
    audit.visit("/no-such-page/", expected=(404,))
    for path in EMPTY_FORMS:
        audit.visit(path)
        form = audit.page.locator("main form[method=post]").first
        form.evaluate("(f) => { f.noValidate = true; }")  # past the browser's own checks: the server's
        with audit.page.expect_response(lambda r: r.request.method == "POST") as sent:
            form.locator("button[type=submit]").last.click()
        assert sent.value.status == 422, f"{path} sent empty answered {sent.value.status}"
        audit.page.wait_for_load_state()
        audit.check(f"{path} (sent empty)")
    member.close()
    audit.assert_clean(f"errors-{language}")
