"""Meetings: the manager schedules a status meeting (attendees get an ICS invitation), builds the
agenda, records minutes, a decision and an action item, and publishes the minutes."""

import re

from icalendar import Calendar
from playwright.sync_api import expect


def _first_project(page) -> str:
    page.goto("/projects/")
    hrefs = page.locator("main a[href^='/projects/']").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    return next(
        re.match(r"^/projects/(\d+)/$", h).group(1) for h in hrefs if re.match(r"^/projects/\d+/$", h)
    )


def test_schedule_minutes_decision_action_publish(page, mailbox, demo_login, sign_in, shot):
    sign_in(page, *demo_login)
    pk = _first_project(page)
    page.goto(f"/projects/{pk}/meetings/new/")
    page.fill("input[name=title]", "Weekly status (e2e)")
    page.fill("input[name=starts_at]", "2030-03-04T10:00")
    page.fill("input[name=timezone]", "Asia/Shanghai")
    page.fill("input[name=duration_minutes]", "45")
    page.fill("input[name=video_url]", "https://meeting.tencent.com/dm/e2e123")
    shot(page, "schedule")
    already = len(mailbox.messages)
    page.click("button.primary:has-text('Save and send invitations')")
    page.wait_for_url(re.compile(r"/meetings/\d+/$"))
    expect(page.locator("h2")).to_contain_text("Weekly status (e2e)")
    expect(page.locator("a:has-text('Tencent Meeting')")).to_be_visible()

    invitation = mailbox.wait_for(
        lambda m: mailbox.messages.index(m) >= already and "Weekly status (e2e)" in str(m["Subject"])
    )
    part = next(p for p in invitation.walk() if p.get_content_type() == "text/calendar")
    cal = Calendar.from_ical(part.get_content())
    assert str(cal["METHOD"]) == "REQUEST"
    assert next(iter(cal.walk("VEVENT")))["DTSTART"].params["TZID"] == "Asia/Shanghai"

    page.fill("form[action$='/agenda/'] input[name=title]", "Progress and risks")
    page.fill("form[action$='/agenda/'] input[name=minutes_allotted]", "20")
    page.click("button:has-text('Add to the agenda')")
    expect(page.locator("td", has_text="Progress and risks")).to_be_visible()

    page.click("a.btn:has-text('Record minutes')")
    page.fill("textarea[name=summary]", "Pilot on track; data migration needs a second run.")
    page.locator("textarea[name^=notes_]").first.fill("Pilot users trained.")
    page.click("button.primary:has-text('Save the minutes')")
    page.wait_for_url(re.compile(r"/meetings/\d+/$"))

    page.fill("form[action$='/decisions/'] input[name=title]", "Second migration run on Saturday")
    page.click("button:has-text('Record the decision')")
    expect(page.locator("li", has_text="Second migration run on Saturday")).to_be_visible()

    action_form = page.locator("form[action$='/action-items/']")
    action_form.locator("input[name=title]").fill("Prepare the migration checklist")
    owner = action_form.locator("select[name=owner] option").nth(1).get_attribute("value")
    action_form.locator("select[name=owner]").select_option(owner)
    action_form.locator("input[name=due_date]").fill("2030-03-08")
    page.click("button:has-text('Add the action item')")
    expect(page.locator("a", has_text="Prepare the migration checklist")).to_be_visible()
    shot(page, "minutes-recorded")

    before_publish = len(mailbox.messages)
    page.click("button.primary:has-text('Publish minutes')")
    expect(page.locator(".messages")).to_contain_text("Minutes published")
    expect(page.locator(".badge", has_text="Minutes published")).to_be_visible()
    shot(page, "published")

    def _text(m):
        part = m.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    minutes = mailbox.wait_for(
        lambda m: (
            mailbox.messages.index(m) >= before_publish and "Second migration run on Saturday" in _text(m)
        )
    )
    assert "Prepare the migration checklist" in _text(minutes)
