"""The communication-plan journey: set up a plan item, log the interaction that fulfils it, and
see the obligation met."""

import datetime as dt
import re

from playwright.sync_api import expect


def test_plan_interaction_obligation_met(page, demo_login, sign_in, shot):
    sign_in(page, *demo_login)
    page.goto("/projects/")
    page.locator("table a[href^='/projects/']").first.click()
    project_id = re.search(r"/projects/(\d+)/", page.url).group(1)

    page.goto(f"/projects/{project_id}/plan/")
    expect(page.locator("h2").first).to_contain_text("Communication plan")
    shot(page, "plan")
    page.click("text=Add a plan item")
    today = dt.date.today()
    page.fill("input[name=purpose]", "Weekly steering call 周例会")
    page.select_option("select[name=channel]", "meeting")
    page.select_option("select[name=cadence]", "weekly")
    page.select_option("select[name=weekday]", str(today.weekday()))
    page.fill("input[name=start_date]", (today - dt.timedelta(days=14)).isoformat())
    page.locator("#id_audience_contacts_0").check()
    contact_label = page.locator("label[for=id_audience_contacts_0]").inner_text().strip()
    shot(page, "plan-item-form")
    page.click("button[type=submit].primary")
    expect(page.locator("table.table").first).to_contain_text("Weekly steering call 周例会")
    expect(page.locator(".messages")).to_be_visible()
    shot(page, "plan-with-item")

    page.click("text=Log an interaction")
    page.select_option("select[name=kind]", "meeting")
    page.fill("input[name=summary]", "Steering call: scope and next release")
    page.fill("input[name=occurred_at]", f"{today.isoformat()}T12:00")
    page.select_option("select[name=contacts]", label=contact_label)
    page.select_option("select[name=project]", project_id)
    page.click("button[type=submit].primary")
    expect(page.locator("h1")).to_contain_text("Steering call")

    page.goto("/communication/?view=week")
    row = page.locator("tr", has_text="Weekly steering call 周例会").first
    expect(row).to_contain_text("Met")
    shot(page, "obligation-met")
