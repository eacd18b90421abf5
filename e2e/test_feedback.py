"""The feedback journey: the team sends a survey, the client answers it through the public link
from the e-mail (no sign-in, on a phone-sized screen), and the team sees the result, the low
score alert and the project's health score."""

import datetime as dt
import re

from playwright.sync_api import expect

TITLE = "Release feedback 发布反馈"


def _text(message) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    return body.get_content() if body is not None else ""


def test_client_answers_survey_and_team_sees_result_and_health(
    page, browser, server, mailbox, demo_login, sign_in, shot
):
    sign_in(page, *demo_login)
    page.goto("/projects/")
    first = page.locator("table a[href^='/projects/']").first
    if first.count():
        first.click()
    else:  # no demo project yet: start one
        page.goto("/projects/new/")
        page.select_option("select[name=client]", index=1)
        page.fill("input[name=code]", "FB-E2E")
        page.fill("input[name=name]", "Feedback journey 反馈")
        page.select_option("select[name=manager]", index=1)
        page.fill("input[name=start_date]", (dt.date.today() - dt.timedelta(days=30)).isoformat())
        page.fill("input[name=end_date]", (dt.date.today() + dt.timedelta(days=60)).isoformat())
        page.click("button[type=submit].primary")
        page.wait_for_url(re.compile(r"/projects/\d+/(lessons/start/)?$"))
    project_id = re.search(r"/projects/(\d+)/", page.url).group(1)

    page.goto(f"/projects/{project_id}/surveys/")
    shot(page, "project-surveys")
    page.click("text=New survey")
    page.fill("input[name=title]", TITLE)
    page.fill("input[name=title_zh]", "发布反馈")
    page.click("button[type=submit].primary")
    expect(page.locator(".messages")).to_be_visible()
    survey_url = page.url
    page.click("a.btn.primary:has-text('Send')")
    contact = page.locator("input[name=contacts]").first
    contact.check()
    shot(page, "send-form")
    page.click("button[type=submit].primary")
    expect(page.locator(".messages")).to_contain_text("Survey sent to 1 contacts")

    message = mailbox.wait_for(
        lambda m: "/s/" in _text(m) and ("发布反馈" in str(m["subject"]) or "Release" in str(m["subject"]))
    )
    link = re.search(r"https?://[^\s\"<>]+/s/[A-Za-z0-9_\-]+/", _text(message)).group(0)

    # The client, on a phone, without signing in.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    client_page = phone.new_page()
    client_page.goto(link)
    expect(client_page.locator("h1")).to_contain_text("发布反馈")
    shot(client_page, "public-survey")
    client_page.click("button[type=submit].primary")
    expect(client_page.locator(".errors").first).to_be_visible()
    shot(client_page, "public-survey-missing-answers")
    fieldsets = client_page.locator("fieldset")
    fieldsets.nth(0).locator("input[value='2']").check()  # CSAT 2: a low score
    fieldsets.nth(1).locator("input[value='6']").check()  # NPS 6: a detractor
    fieldsets.nth(2).locator("textarea").fill("需要更快的响应 — faster answers please")
    client_page.click("button[type=submit].primary")
    expect(client_page.locator("h1")).to_be_visible()
    shot(client_page, "public-thanks")
    client_page.goto(link)
    expect(client_page.locator(".card h1")).to_be_visible()
    assert client_page.evaluate("() => document.title") != ""
    shot(client_page, "public-already-answered")
    phone.close()

    page.goto(survey_url)
    expect(page.locator("[data-testid=response-rate]")).to_have_text("100.0%")
    expect(page.locator("[data-testid=csat]")).to_contain_text("2.0")
    expect(page.locator("[data-testid=nps]")).to_have_text("-100")
    expect(page.locator("main")).to_contain_text("faster answers please")
    shot(page, "survey-results")

    page.goto(f"/projects/{project_id}/health/")
    expect(page.locator("[data-testid=health-score]")).to_be_visible()
    expect(page.locator("tr[data-part=surveys]")).to_contain_text("CSAT")
    shot(page, "project-health")

    page.goto("/surveys/")
    expect(page.locator("main")).to_contain_text(TITLE)
    shot(page, "surveys-overview")
