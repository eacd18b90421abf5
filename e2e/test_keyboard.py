"""Keyboard use: a skip link as every page's first tab stop, a board move that leaves the keyboard
on the moved card and is announced, and top-bar drop-downs that close on Escape."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.pages import remember_language

# Browser locale and time zone per language, as a visitor from there has them.
BROWSER = {"en": ("en-US", "America/Los_Angeles"), "zh-hans": ("zh-CN", "Asia/Shanghai")}
SKIP = {"en": "Skip to content", "zh-hans": "跳到正文"}
MOVED = {"en": "“{title}” moved to {column}.", "zh-hans": "“{title}”已移至{column}。"}


@pytest.fixture(params=["en", "zh-hans"])
def language(request):
    return request.param


@pytest.fixture
def keyboard_page(browser, server, language):
    locale, timezone = BROWSER[language]
    context = browser.new_context(
        base_url=server, locale=locale, timezone_id=timezone, viewport={"width": 1366, "height": 900}
    )
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": "django_language", "value": language, "url": server}])
    yield context.new_page()
    context.close()


def _focused(page) -> dict:
    return page.evaluate(
        "() => ({tag: document.activeElement.tagName, id: document.activeElement.id,"
        " text: document.activeElement.textContent.trim(), name: document.activeElement.name || ''})"
    )


def _tab_from_the_top(page) -> None:
    """Press Tab as a visitor does who starts at the top of the document: a page that puts the
    focus in its first field (autofocus) is put back to the start first."""
    page.evaluate(
        "() => { document.activeElement.blur(); document.body.tabIndex = -1; document.body.focus();"
        " document.body.removeAttribute('tabindex'); }"
    )
    page.keyboard.press("Tab")


def _signed_in(page, sign_in, demo_login, language) -> None:
    """Signed in, in ``language`` chosen as the language switcher does: the account keeps the
    language last chosen (an earlier journey may have left English), and it outranks the cookie."""
    sign_in(page, *demo_login)
    remember_language(demo_login[0], page.context.request.get("/api/v1/me").json()["language"])
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    chosen = page.context.request.post(
        "/i18n/setlang/",
        form={"language": language, "next": "/"},
        headers={"X-CSRFToken": token, "Referer": page.url},
        max_redirects=0,
    )
    assert chosen.status == 302, chosen.status


def _board(page, sign_in, demo_login, language) -> None:
    _signed_in(page, sign_in, demo_login, language)
    page.goto("/projects/")
    href = page.locator("table a[href^='/projects/']").first.get_attribute("href")
    project = re.match(r"/projects/(\d+)/", href).group(1)
    page.goto(f"/projects/{project}/board/")


@pytest.mark.parametrize(
    "path", ["/accounts/signin/", "/portal/signin/link/", "/accounts/password/reset/", "/dashboard/", "board"]
)
def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(
    keyboard_page, sign_in, demo_login, language, path
):
    page = keyboard_page
    if path == "board":
        _board(page, sign_in, demo_login, language)
    else:
        if path == "/dashboard/":
            _signed_in(page, sign_in, demo_login, language)
        page.goto(path)
    skip = page.locator("a.skip-link")
    expect(skip).not_to_be_in_viewport()
    if _focused(page)["tag"] != "BODY":  # a field focused on load must be one of the content's
        assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")
    _tab_from_the_top(page)
    expect(skip).to_be_focused()
    expect(skip).to_have_text(SKIP[language])
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "main"
    # The next tab stop is the first one of the page's content, not of the top bar.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")
    if path.startswith("/accounts/signin/"):
        assert _focused(page)["name"] == "username"


def test_board_move_keeps_focus_on_the_card_and_announces_it(keyboard_page, sign_in, demo_login, language):
    page = keyboard_page
    _board(page, sign_in, demo_login, language)
    card = page.locator(".taskcard:has(.moves button)").first
    card_id = card.get_attribute("id")
    title = card.locator("a").first.inner_text()
    origin = card.locator("xpath=ancestor::section[@data-status]").get_attribute("data-status")
    announce = page.locator("#board-announce")
    expect(announce).to_have_attribute("aria-live", "polite")

    for step in range(2):  # there and back again: the demo board is left as it was
        buttons = page.locator(f"#{card_id} .moves button")
        button = buttons.last if step == 0 else page.locator(f"#{card_id} .moves button[value='{origin}']")
        target = button.get_attribute("value")
        column = button.inner_text().removeprefix("→").strip()
        button.focus()
        with page.expect_response(re.compile(r"/tasks/\d+/move/")) as answer:
            page.keyboard.press("Enter")
        assert answer.value.status == 200
        expect(page.locator(f"section[data-status='{target}'] #{card_id}")).to_be_visible()
        expect(page.locator(f"#{card_id} .moves button").first).to_be_focused()
        expect(announce).to_have_text(MOVED[language].format(title=title, column=column))
        # The keyboard goes on from the card: the next tab stop is its next control.
        page.keyboard.press("Tab")
        assert page.evaluate(f"() => document.getElementById('{card_id}').contains(document.activeElement)")


def test_top_bar_drop_down_closes_on_escape_and_returns_focus(keyboard_page, sign_in, demo_login):
    page = keyboard_page
    sign_in(page, *demo_login)
    page.goto("/dashboard/")
    menus = page.locator(".topbar details")
    assert menus.count() > 0, "the top bar has no drop-down"
    for index in range(menus.count()):
        menu = menus.nth(index)
        toggle = menu.locator("summary")
        toggle.focus()
        page.keyboard.press("Enter")
        expect(menu).to_have_attribute("open", "")
        page.keyboard.press("Tab")  # into the menu
        assert menu.evaluate("(m) => m.contains(document.activeElement)")
        page.keyboard.press("Escape")
        expect(menu).not_to_have_attribute("open", "")
        expect(toggle).to_be_focused()
