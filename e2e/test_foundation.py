"""A new user's first minutes: sign in, see the dashboard, switch to Chinese, sign out. And the
page's Content-Security-Policy at work: a script the page did not vouch for does not run."""

import time

from playwright.sync_api import expect


def test_sign_in_switch_language_sign_out(page, admin, sign_in, shot):
    page.goto("/")
    expect(page.locator("h1")).to_contain_text("Sign in to Accord")
    shot(page, "sign-in")
    sign_in(page, *admin)
    expect(page).to_have_url("/dashboard/")
    expect(page.locator("h1")).to_contain_text("Hello")
    shot(page, "dashboard-en")

    page.click("button[name=language][value=zh-hans]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("nav.nav")).to_contain_text("仪表板")
    expect(page.locator("h1")).to_contain_text("您好")
    expect(page.locator("button[type=submit]", has_text="退出登录")).to_be_visible()
    shot(page, "dashboard-zh")

    page.goto("/accounts/profile/")
    expect(page.locator("h1")).to_contain_text("个人资料")
    shot(page, "profile-zh")

    page.click("button:has-text('退出登录')")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text("登录 Accord")
    page.goto("/dashboard/")
    expect(page).to_have_url("/accounts/signin/?next=/dashboard/")


def test_wrong_password_shows_the_reason(page, live, admin, shot):
    try:
        page.goto("/accounts/signin/")
        page.fill("input[name=username]", admin[0])
        page.fill("input[name=password]", "not the password")
        page.click("button[type=submit].primary")
        expect(page.locator(".errorlist")).to_contain_text("do not match")
        shot(page, "wrong-password")
    finally:
        # The failure counts against the account and against 127.0.0.1, which every journey shares.
        live.manage("axes_reset")


def test_a_script_without_the_nonce_is_refused_and_reported(page, admin, sign_in, browser_problems):
    sign_in(page, *admin)
    # What an injected <script> would do: it has no nonce, so the policy refuses it.
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.appendChild(script);
        }"""
    )
    deadline = time.monotonic() + 5
    while not any("CSP violation: script-src" in p for p in browser_problems) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert page.evaluate("() => window.injected") is None
    assert any("CSP violation: script-src" in p for p in browser_problems), browser_problems
    browser_problems.clear()  # provoked on purpose; anything else would still fail the journey
    # Accord's own scripts (static files and the nonced ones) did run: htmx is there.
    assert page.evaluate("() => typeof window.htmx") == "object"
