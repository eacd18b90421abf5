"""Time and language: the browser's own zone and locale are never the user's or the meeting's.

A manager in Shanghai (user zone Asia/Shanghai, language zh-hans) works from a browser set to
America/Los_Angeles and de-DE and schedules a meeting at 10:00 Europe/Berlin: the meeting page,
the .ics, the invitations received by the SMTP server and the Berlin client's portal (a browser
in Europe/Berlin, en-GB) all name 10:00 Berlin, which is 17:00 in Shanghai in winter. A date
input keeps its value through a save in Chinese.

Then one journey entirely in Chinese (browser zh-CN in Asia/Shanghai, the account following
the browser): sign in, dashboard, client, project, board move, status report draft.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

PASSWORD = "Time-and-language-2026"
SHANGHAI_EMAIL = "wang.lei@shanghai-consult.example"
CHINESE_EMAIL = "zhao.min@hangzhou-consult.example"
BERLIN_EMAIL = "anna.berg@spree-logistik.example"
SHANGHAI_CONTACT_EMAIL = "chen.jing@spree-logistik.example"
CLIENT_PASSWORD = "Berlin-portal-pass-2026"
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MEETING_TITLE = "Steering 指导委员会"
# 15 January 2030, 10:00 in Berlin (UTC+1 in winter) = 09:00 UTC = 17:00 in Shanghai.
MEETING_DAY = "2030-01-15"


def _text(message) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def _owner(live, email_address: str, organization: str, name: str) -> tuple[str, str]:
    try:
        live.manage(
            "createadmin",
            email_address,
            "--organization",
            organization,
            "--password",
            PASSWORD,
            "--name",
            name,
        )
    except RuntimeError as exc:  # a rerun against a kept server
        if "exists already" not in str(exc):
            raise
    return email_address, PASSWORD


@pytest.fixture(scope="module")
def shanghai_manager(live):
    return _owner(live, SHANGHAI_EMAIL, "上海远见咨询", "王磊")


@pytest.fixture(scope="module")
def chinese_owner(live):
    return _owner(live, CHINESE_EMAIL, "杭州云帆咨询", "赵敏")


def _interface_words(text: str, allowed: set[str]) -> list[str]:
    """Latin words in ``text`` that are not data the page was given (names, codes, zones)."""
    return [word for word in re.findall(r"[A-Za-z]{2,}", text) if word not in allowed]


def test_berlin_meeting_scheduled_from_shanghai_in_a_los_angeles_browser(
    browser, server, live, mailbox, shanghai_manager, sign_in, shot
):
    context = browser.new_context(
        base_url=server,
        timezone_id="America/Los_Angeles",
        locale="de-DE",
        viewport={"width": 1366, "height": 900},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, *shanghai_manager)
        # The manager's own language and zone, whatever the browser says.
        page.goto("/accounts/profile/")
        page.select_option("select[name=language]", "zh-hans")
        page.select_option("select[name=timezone]", "Asia/Shanghai")
        page.locator("main form button[type=submit].primary").first.click()
        page.wait_for_load_state("networkidle")
        page.goto("/accounts/profile/")
        expect(page.locator("h1")).to_contain_text("个人资料")
        expect(page.locator("select[name=timezone]")).to_have_value("Asia/Shanghai")

        # A client in Berlin with two contacts: one in Berlin (English), one in Shanghai (Chinese).
        page.goto("/clients/new/")
        page.fill("input[name=name]", "Spree Logistik GmbH")
        page.select_option("select[name=currency]", "EUR")
        page.select_option("select[name=timezone]", "Europe/Berlin")
        page.click("main button[type=submit].primary")
        page.wait_for_url(re.compile(r"/clients/\d+/$"))
        client_pk = re.search(r"/clients/(\d+)/", page.url).group(1)
        contacts = {}
        for first, last, address, language, zone in (
            ("Anna", "Berg", BERLIN_EMAIL, "en", "Europe/Berlin"),
            ("Jing", "Chen", SHANGHAI_CONTACT_EMAIL, "zh-hans", "Asia/Shanghai"),
        ):
            page.goto(f"/clients/{client_pk}/contacts/new/")
            page.fill("input[name=first_name]", first)
            page.fill("input[name=last_name]", last)
            page.select_option("select[name=role]", "sponsor")
            page.fill("input[name=email]", address)
            page.select_option("select[name=language]", language)
            page.select_option("select[name=timezone]", zone)
            page.click("main button[type=submit].primary")
            expect(page.locator("#contacts")).to_contain_text(address)
        page.goto("/projects/new/")
        page.select_option("select[name=client]", label="Spree Logistik GmbH")
        page.fill("input[name=code]", "SPREE-01")
        page.fill("input[name=name]", "Lagerplattform 仓储平台")
        page.fill("input[name=start_date]", "2029-12-01")
        page.fill("input[name=end_date]", "2030-06-30")
        # The stakeholder picker lists this client's contacts (reloaded when the client is chosen),
        # each with its e-mail address.
        for address in (BERLIN_EMAIL, SHANGHAI_CONTACT_EMAIL):
            box = page.locator("#stakeholders li", has_text=address).locator("input[name=contacts]")
            box.check()
            contacts[address] = box.get_attribute("value")
        page.click("main button[type=submit].primary")
        page.wait_for_url(re.compile(r"/projects/\d+/(lessons/start/)?$"))
        project_pk = re.search(r"/projects/(\d+)/", page.url).group(1)

        # 10:00 in Berlin, typed by someone in Shanghai into a browser in Los Angeles.
        page.goto(f"/projects/{project_pk}/meetings/new/")
        page.fill("input[name=title]", MEETING_TITLE)
        page.fill("input[name=starts_at]", f"{MEETING_DAY}T10:00")
        page.fill("input[name=timezone]", "Europe/Berlin")
        page.fill("input[name=duration_minutes]", "60")
        page.select_option("select[name=contacts]", value=list(contacts.values()))
        already = len(mailbox.messages)
        shot(page, "schedule-zh")
        page.click("main button[type=submit].primary")
        page.wait_for_url(re.compile(r"/meetings/\d+/$"))
        meeting_pk = re.search(r"/meetings/(\d+)/", page.url).group(1)
        expect(page.locator(".pagehead", has_text=MEETING_TITLE)).to_contain_text(
            "2030年1月15日 10:00 (Europe/Berlin)"
        )
        shot(page, "meeting-zh")
        # The project's list shows the start in the manager's own zone.
        page.goto(f"/projects/{project_pk}/meetings/")
        expect(page.locator("tr", has_text=MEETING_TITLE)).to_contain_text("2030年1月15日 17:00")

        # The .ics as downloaded from the meeting page.
        response = context.request.get(f"{server}/meetings/{meeting_pk}/invite.ics")
        assert response.ok
        event = next(iter(Calendar.from_ical(response.body()).walk("VEVENT")))
        start = event["DTSTART"].dt
        assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
        assert start.replace(tzinfo=None) == dt.datetime(2030, 1, 15, 10, 0)
        assert start.astimezone(SHANGHAI).hour == 17
        assert start.astimezone(dt.UTC) == dt.datetime(2030, 1, 15, 9, 0, tzinfo=dt.UTC)

        # The invitations the SMTP server received: 10:00 Berlin; the Shanghai contact's also
        # names her own 17:00, in Chinese.
        def invitation(address):
            return mailbox.wait_for(
                lambda m: (
                    mailbox.messages.index(m) >= already
                    and address in str(m["To"])
                    and MEETING_TITLE in str(m["Subject"])
                )
            )

        berlin_mail = invitation(BERLIN_EMAIL)
        assert re.search(r"Jan 15, 2030, 10:00 AM \(Europe/Berlin\)", _text(berlin_mail)), _text(berlin_mail)
        assert "Asia/Shanghai" not in _text(berlin_mail)
        calendar_part = next(p for p in berlin_mail.walk() if p.get_content_type() == "text/calendar")
        mailed = next(iter(Calendar.from_ical(calendar_part.get_content()).walk("VEVENT")))
        assert mailed["DTSTART"].dt.astimezone(BERLIN).hour == 10
        assert mailed["DTSTART"].dt.astimezone(SHANGHAI).hour == 17
        shanghai_mail = invitation(SHANGHAI_CONTACT_EMAIL)
        body = _text(shanghai_mail)
        assert "2030年1月15日 10:00 (Europe/Berlin)" in body, body
        assert "2030年1月15日 17:00 (Asia/Shanghai)" in body, body
        assert "邀请" in str(shanghai_mail["Subject"])

        # A date input in Chinese keeps its value through a save that changes nothing.
        page.goto(f"/projects/{project_pk}/risks/new/")
        page.fill("input[name=title]", "Zollabfertigung verzögert 清关延误")
        page.select_option("select[name=probability]", "3")
        page.select_option("select[name=impact]", "3")
        page.fill("input[name=next_review_on]", "2030-02-01")
        page.click("main button[type=submit].primary")
        page.wait_for_url(re.compile(r"/risks/\d+/$"))
        risk_pk = re.search(r"/risks/(\d+)/", page.url).group(1)
        page.goto(f"/risks/{risk_pk}/edit/")
        expect(page.locator("input[name=next_review_on]")).to_have_value("2030-02-01")
        page.click("main button[type=submit].primary")
        page.wait_for_url(re.compile(r"/risks/\d+/$"))
        page.goto(f"/risks/{risk_pk}/edit/")
        expect(page.locator("input[name=next_review_on]")).to_have_value("2030-02-01")
        shot(page, "risk-edit-zh")

        # Minutes published: the meeting reaches the portal.
        page.goto(f"/meetings/{meeting_pk}/minutes/")
        page.fill("textarea[name=summary]", "Scope agreed. 范围已确认。")
        page.click("main button[type=submit].primary")
        page.wait_for_url(re.compile(r"/meetings/\d+/$"))
        page.click("form[action$='/minutes/publish/'] button[type=submit]")
        expect(page.locator(".messages")).to_be_visible()

        # The Berlin contact, invited to the portal, opens it from a browser in Berlin.
        page.goto(f"/portal/invite/contact/{contacts[BERLIN_EMAIL]}/")
        before_invite = len(mailbox.messages)
        page.locator("main form button[type=submit].primary").click()
        message = mailbox.wait_for(
            lambda m: (
                mailbox.messages.index(m) >= before_invite
                and BERLIN_EMAIL in str(m["To"])
                and "/accounts/invitations/" in _text(m)
            )
        )
        invite_path = re.search(r"/accounts/invitations/[^/\s]+/", _text(message)).group(0)
    finally:
        context.close()

    berlin = browser.new_context(
        base_url=server, timezone_id="Europe/Berlin", locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    berlin.set_default_timeout(15_000)
    client = berlin.new_page()
    try:
        client.goto(invite_path)
        client.fill("input[name=full_name]", "Anna Berg")
        client.fill("input[name=password]", CLIENT_PASSWORD)
        client.click("main button[type=submit].primary")
        client.wait_for_url(re.compile(r"/portal/"))
        client.goto(f"/portal/projects/{project_pk}/meetings/")
        row = client.locator("tr", has_text=MEETING_TITLE)
        expect(row).to_contain_text("10:00")
        shot(client, "portal-meetings-berlin")
        row.locator("a").first.click()
        client.wait_for_url(re.compile(r"/portal/meetings/\d+/$"))
        expect(client.locator(".pagehead", has_text=MEETING_TITLE)).to_contain_text(
            re.compile(r"Jan 15, 2030, 10:00 AM \(Europe/Berlin\)")
        )
        shot(client, "portal-meeting-berlin")
    finally:
        berlin.close()


def test_main_path_entirely_in_chinese(browser, server, chinese_owner, sign_in, shot):
    context = browser.new_context(
        base_url=server, timezone_id="Asia/Shanghai", locale="zh-CN", viewport={"width": 1366, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        # The account follows the browser's language: Chinese from the sign-in page on.
        page.goto("/accounts/signin/")
        expect(page.locator("h1")).to_contain_text("登录 Accord")
        sign_in(page, *chinese_owner)
        expect(page).to_have_url("/dashboard/")
        expect(page.locator("h1")).to_contain_text("您好")
        nav = page.locator("nav.nav")
        expect(nav).to_contain_text("仪表板")
        assert _interface_words(nav.inner_text(), {"Accord"}) == []
        shot(page, "dashboard")

        page.goto("/clients/")
        expect(page.locator("h1")).to_contain_text("客户")
        page.goto("/clients/new/")
        page.fill("input[name=name]", "杭州云帆科技有限公司")
        page.select_option("select[name=language]", "zh-hans")  # what the client reads: reports too
        page.select_option("select[name=currency]", "CNY")
        page.select_option("select[name=timezone]", "Asia/Shanghai")
        page.click("main button[type=submit].primary")
        page.wait_for_url(re.compile(r"/clients/\d+/$"))
        expect(page.locator("h1")).to_contain_text("杭州云帆科技有限公司")
        expect(page.locator(".messages")).to_be_visible()
        assert _interface_words(page.locator(".messages").inner_text(), set()) == []
        headings = " ".join(page.locator("main h2").all_inner_texts())
        assert _interface_words(headings, set()) == [], headings
        shot(page, "client")

        today = dt.date.today()
        page.goto("/projects/new/")
        page.select_option("select[name=client]", label="杭州云帆科技有限公司")
        page.fill("input[name=code]", "YF-01")
        page.fill("input[name=name]", "云帆数据平台")
        page.fill("input[name=start_date]", (today - dt.timedelta(days=14)).isoformat())
        page.fill("input[name=end_date]", (today + dt.timedelta(days=90)).isoformat())
        page.click("main button[type=submit].primary")
        page.wait_for_url(re.compile(r"/projects/\d+/(lessons/start/)?$"))
        project_pk = re.search(r"/projects/(\d+)/", page.url).group(1)
        page.goto(f"/projects/{project_pk}/")
        expect(page.locator("h1")).to_contain_text("云帆数据平台")
        tabs = page.locator("nav.tabs")
        assert _interface_words(tabs.inner_text(), set()) == [], tabs.inner_text()
        shot(page, "project")

        page.goto(f"/projects/{project_pk}/tasks/new/")
        page.fill("input[name=title]", "需求调研")
        page.click("main button[type=submit].primary")
        expect(page.locator("table.table")).to_contain_text("需求调研")
        page.goto(f"/projects/{project_pk}/board/")
        todo = page.locator(".column[data-status=todo]")
        done = page.locator(".column[data-status=done]")
        expect(todo).to_contain_text("需求调研")
        column_heads = " ".join(page.locator(".column h3, .column h2").all_inner_texts())
        assert column_heads and _interface_words(column_heads, set()) == [], column_heads
        page.locator(".taskcard", has_text="需求调研").locator("button[value=done]").click()
        expect(done).to_contain_text("需求调研")
        expect(page.locator("[data-testid=board-progress]")).to_have_text("100%")
        shot(page, "board")

        page.goto(f"/projects/{project_pk}/reports/")
        expect(page.locator("h2").first).to_contain_text("状态报告")
        page.click("main form button[type=submit].primary")
        page.wait_for_url(re.compile(r"/reports/\d+/$"))
        expect(page.locator("#section-summary h3")).to_be_visible()
        title = page.locator(".pagehead h2").inner_text()
        assert "状态报告" in title and _interface_words(title, set()) == [], title
        for section in ("summary", "progress", "milestones"):
            text = page.locator(f"#section-{section}").inner_text()
            assert _interface_words(text, set()) == [], text
        section_heads = " ".join(page.locator("section.card h3").all_inner_texts())
        assert "概要" in section_heads, section_heads
        assert _interface_words(section_heads, set()) == [], section_heads
        buttons = " ".join(page.locator(".pagehead .actions").all_inner_texts())
        assert _interface_words(buttons, {"PDF"}) == [], buttons
        shot(page, "report-draft")
    finally:
        context.close()
