"""Every page at phone width (390 × 844): nothing scrolls sideways, nothing sticks out of the screen.

The pages are those of the demo data as each audience sees them (``e2e/pages.py``): a team member,
a portal client and a visitor who is not signed in, in English and in Chinese, each with the browser
locale and time zone of its language. The header stays one slim row with the navigation behind a
menu button; screenshots of the main phone views land in ``e2e/artifacts/phone-*.png``.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest

from e2e.conftest import ARTIFACTS
from e2e.pages import crawl, shape, sign_in

PHONE = {"width": 390, "height": 844}
HEADER_MAX = 64  # px: the header of a phone page, menu closed
PORTAL_EMAIL = "zhou.jianguo@huaxin-precision.example"
LOCALES = {"en": ("en-US", "UTC"), "zh-hans": ("zh-CN", "Asia/Shanghai")}

# What sticks out of the viewport, outermost elements only (a table inside a scrolling container
# does not count: only what makes the page itself wider than the screen, or is cut off by it).
_OVERFLOW = """
() => {
  // The layout viewport: a phone browser zooms out to show a page wider than the screen, which
  // makes window.innerWidth grow with it; the document element's width stays the screen's.
  const width = document.documentElement.clientWidth;
  // Whether a box of the screen's width clips ``el``. A box that scrolls clips only what it
  // contains in layout: an absolutely positioned element escapes every box below its containing
  // block (its offsetParent), so screen-reader text in a table that scrolls can widen the page.
  const clips = (el) => {
    const escapes = (e) => getComputedStyle(e).position === "absolute";
    let block = escapes(el) ? el.offsetParent : null;
    if (getComputedStyle(el).position === "fixed") return false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (block && p !== block) continue;
      block = null;
      if (style.overflowX !== "visible") {
        const box = p.getBoundingClientRect();
        if (box.left >= -1 && box.right <= width + 1) return true;
      }
      if (style.position === "fixed") return false;
      if (escapes(p)) block = p.offsetParent;
    }
    return false;
  };
  const name = (el) => {
    if (el === document.body || el === document.documentElement) return el.tagName.toLowerCase();
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      let part = e.tagName.toLowerCase();
      if (e.id) { parts.unshift(part + "#" + e.id); break; }
      if (e.classList.length) part += "." + [...e.classList].join(".");
      parts.unshift(part);
    }
    return parts.join(" > ");
  };
  const out = [];
  const reported = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (reported.some((r) => r.contains(el))) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    if (box.left >= -1 && box.right <= width + 1) continue;
    // Not drawn: hidden, inside a closed <details>, or clipped away on purpose (screen-reader text).
    if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    const style = getComputedStyle(el);
    if (style.clipPath !== "none" || style.clip !== "auto") continue;
    if (clips(el)) continue;
    reported.push(el);
    out.push(`${name(el)} (${Math.round(box.left)}..${Math.round(box.right)})`);
  }
  const widest = Math.max(document.documentElement.scrollWidth, window.innerWidth);
  if (widest > width && !out.length) {
    // The page is wider, yet nothing drawn sticks out: name what reaches furthest right, drawn or
    // not (screen-reader text, an empty box) and the body itself included; failing that, the
    // furthest even inside a box that scrolls.
    const all = [document.body, ...document.body.querySelectorAll("*")];
    for (const free of [true, false]) {
      let culprit = null;
      let right = width + 1;
      for (const el of all) {
        const box = el.getBoundingClientRect();
        if (box.right > right && (!free || !clips(el))) [culprit, right] = [el, box.right];
      }
      if (culprit) {
        const box = culprit.getBoundingClientRect();
        const where = free ? "" : ", inside a box that scrolls";
        out.push(`widest: ${name(culprit)} (${Math.round(box.left)}..${Math.round(box.right)}${where})`);
        break;
      }
    }
  }
  return {pageWidth: widest, screenWidth: width, out: out.slice(0, 5)};
}
"""


def _phone(browser, server, session, language):
    """A phone browser context carrying ``session``'s cookies (None: a visitor)."""
    locale, zone = LOCALES[language]
    context = browser.new_context(
        base_url=server,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale=locale,
        timezone_id=zone,
    )
    context.set_default_timeout(20_000)
    cookies = [{"name": "django_language", "value": language, "url": server}]
    if session is not None:
        cookies += [{"name": c.name, "value": c.value, "url": server} for c in session.cookies]
    context.add_cookies(cookies)
    return context


def _overflowing(page, paths) -> list[str]:
    """Each page of ``paths`` that scrolls sideways or has an element sticking out, with the culprits
    (the first line counts both kinds)."""
    found = []
    scrolling = 0
    for path in paths:
        page.goto(path, wait_until="load")
        result = page.evaluate(_OVERFLOW)
        wide = result["pageWidth"] > result["screenWidth"]
        scrolling += wide
        if wide or result["out"]:
            found.append(f"{path} ({result['pageWidth']} px wide): " + "; ".join(result["out"]))
    if found:
        found.insert(0, f"{len(found)} of {len(paths)} pages do not fit, {scrolling} scroll sideways")
    return found


def _survey_link(live) -> str:
    """A working public survey link: a fresh reminder link of a demo survey's unanswered recipient."""
    script = (
        "from accord.feedback.models import Survey\n"
        "from accord.feedback import services\n"
        "from accord.tenancy.access import membership_for\n"
        "for survey in Survey.objects.filter(recipients__answered_at__isnull=True).distinct():\n"
        "    manager = membership_for(survey.project.manager, survey.organization_id)\n"
        "    tokens = services.survey_remind(actor=manager, survey=survey, force=True)\n"
        "    if tokens:\n"
        "        print(services.public_url(next(iter(tokens.values()))))\n"
        "        break\n"
    )
    out = live.manage("shell", "-c", script).split()
    assert out, "the demo data has no survey with an unanswered recipient"
    return re.sub(r"^https?://[^/]+", "", out[-1])


@pytest.fixture(scope="module")
def survey_path(live):
    return _survey_link(live)


def _pages(server, session, starts) -> list[str]:
    """Every page reachable from ``starts``, one per route shape."""
    pages: list[str] = []
    shapes: set[str] = set()
    for start in starts:
        found = crawl(server, session, start)
        assert not found.problems, found.problems
        for path in found.pages:
            if shape(path) not in shapes:
                shapes.add(shape(path))
                pages.append(path)
    return pages


def _first(pages, pattern) -> str:
    return next(path for path in pages if re.fullmatch(pattern, path))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_team_pages_fit_a_phone(browser, server, demo_login, language):
    session = sign_in(server, *demo_login, language)
    pages = _pages(server, session, ["/"])
    assert len(pages) > 50, pages
    context = _phone(browser, server, session, language)
    page = context.new_page()
    try:
        misfits = _overflowing(page, pages)
        assert not misfits, "\n".join(misfits)
        # The header is one slim row; the menu button opens the navigation and closes it again.
        page.goto("/", wait_until="load")
        toggle = page.locator("header.topbar .menu-toggle")
        nav = page.locator("#main-nav")
        assert page.locator("header.topbar").bounding_box()["height"] <= HEADER_MAX
        assert toggle.get_attribute("aria-expanded") == "false"
        assert toggle.get_attribute("aria-controls") == "main-nav"
        assert not nav.is_visible()
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
        assert nav.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        toggle.click()
        assert not nav.is_visible()
        if language == "en":
            page.screenshot(path=str(ARTIFACTS / "phone-dashboard.png"), full_page=True)
            page.goto(_first(pages, r"/projects/\d+/"), wait_until="load")
            tabs = page.locator("nav.tabs").first
            assert tabs.bounding_box()["height"] < 60  # one row, however many tabs
            page.screenshot(path=str(ARTIFACTS / "phone-project.png"), full_page=True)
            page.goto(_first(pages, r"/projects/\d+/board/"), wait_until="load")
            # One column fills the board's width: it is read one column per screen.
            board = page.locator("#board").bounding_box()
            column = page.locator("#board .column").first.bounding_box()
            assert column["width"] >= board["width"] * 0.8
            page.screenshot(path=str(ARTIFACTS / "phone-board.png"))
    finally:
        context.close()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_portal_pages_fit_a_phone(browser, server, demo_login, language):
    session = sign_in(server, PORTAL_EMAIL, demo_login[1], language)
    pages = _pages(server, session, ["/portal/"])
    assert any(re.fullmatch(r"/portal/reports/\d+/", path) for path in pages), pages
    context = _phone(browser, server, session, language)
    page = context.new_page()
    try:
        misfits = _overflowing(page, pages)
        assert not misfits, "\n".join(misfits)
        page.goto("/portal/", wait_until="load")
        assert page.locator("header.topbar").bounding_box()["height"] <= HEADER_MAX
        if language == "en":
            page.goto(_first(pages, r"/portal/reports/\d+/"), wait_until="load")
            page.screenshot(path=str(ARTIFACTS / "phone-portal-report.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_public_pages_fit_a_phone(browser, server, survey_path, language):
    import requests

    visitor = requests.Session()
    visitor.headers["Accept-Language"] = language
    visitor.cookies.set("django_language", language)
    starts = ["/accounts/signin/", "/accounts/password/reset/", "/portal/signin/link/"]
    pages = _pages(server, visitor, starts)
    pages.append(survey_path)
    answer = visitor.get(urljoin(server, survey_path), timeout=30)
    assert answer.status_code == 200, answer.status_code
    context = _phone(browser, server, None, language)
    page = context.new_page()
    try:
        misfits = _overflowing(page, pages)
        assert not misfits, "\n".join(misfits)
        page.goto("/accounts/signin/", wait_until="load")
        assert page.locator("header.topbar").bounding_box()["height"] <= HEADER_MAX
    finally:
        context.close()
