"""The projects journey: create a project with a milestone and two tasks, move one task on
the board by dragging and the other with its button, and watch the progress follow."""

import datetime as dt

from playwright.sync_api import expect


def test_project_milestone_tasks_board(page, demo_login, sign_in, shot):
    today = dt.date.today()
    sign_in(page, *demo_login)
    expect(page.locator("h1")).to_contain_text("Demo")
    shot(page, "dashboard")
    page.goto("/projects/")
    expect(page.locator("h1")).to_contain_text("Projects")
    expect(page.locator("table.table")).to_contain_text("-01")  # a demo project code
    shot(page, "project-list")

    page.click("text=New project")
    page.select_option("select[name=client]", index=1)
    page.fill("input[name=code]", "E2E-01")
    page.fill("input[name=name]", "Journey rollout")
    page.fill("input[name=start_date]", today.isoformat())
    page.fill("input[name=end_date]", (today - dt.timedelta(days=1)).isoformat())
    page.fill("input[name=budget_amount]", "12000")
    page.select_option("select[name=team]", index=0)
    page.fill("textarea[name=description]", "**Pilot** for the journey.")
    page.click("button[type=submit].primary")
    expect(page.locator("#id_end_date_errors")).to_be_visible()  # ends before it starts
    shot(page, "project-form-error")
    page.fill("input[name=end_date]", (today + dt.timedelta(days=60)).isoformat())
    page.click("button[type=submit].primary")
    expect(page.locator(".messages")).to_contain_text("Journey rollout")
    # The organisation has lessons from its earlier projects: they are offered before the work starts.
    expect(page.locator("h2", has_text="Lessons from similar projects")).to_be_visible()
    shot(page, "project-lessons-offered")
    page.click("text=Continue to the project")
    expect(page.locator("h1")).to_contain_text("Journey rollout")
    expect(page.locator("[data-testid=progress]")).to_have_text("0%")

    page.click("nav.tabs >> text=Milestones")
    page.fill("input[name=name]", "Pilot live")
    page.fill("input[name=due_date]", (today + dt.timedelta(days=20)).isoformat())
    page.click("button[type=submit].primary")
    expect(page.locator("table.table")).to_contain_text("Pilot live")
    shot(page, "milestones")

    for title in ("Write pilot plan", "Run pilot workshop"):
        page.click("nav.tabs >> text=Tasks")
        page.click("a.btn.primary:has-text('New task')")
        page.fill("input[name=title]", title)
        page.select_option("select[name=milestone]", label="Pilot live")
        page.fill("input[name=due_date]", (today + dt.timedelta(days=10)).isoformat())
        page.click("button[type=submit].primary")
        expect(page.locator("table.table")).to_contain_text(title)
    shot(page, "task-list")

    page.click("nav.tabs >> text=Board")
    progress = page.locator("[data-testid=board-progress]")
    expect(progress).to_have_text("0%")
    todo = page.locator(".column[data-status=todo]")
    done = page.locator(".column[data-status=done]")
    expect(todo).to_contain_text("Write pilot plan")
    shot(page, "board-before")

    # drag a card onto the Done column
    page.locator(".taskcard", has_text="Write pilot plan").drag_to(done)
    expect(done).to_contain_text("Write pilot plan")
    expect(progress).to_have_text("50%")
    shot(page, "board-after-drag")

    # move the other one with its buttons: first to In progress, then Done
    page.locator(".taskcard", has_text="Run pilot workshop").locator("button[value=doing]").click()
    expect(page.locator(".column[data-status=doing]")).to_contain_text("Run pilot workshop")
    page.locator(".taskcard", has_text="Run pilot workshop").locator("button[value=done]").click()
    expect(done).to_contain_text("Run pilot workshop")
    expect(progress).to_have_text("100%")
    shot(page, "board-all-done")

    page.reload()
    expect(page.locator(".column[data-status=done] .taskcard")).to_have_count(2)
    page.click("nav.tabs >> text=Overview")
    expect(page.locator("[data-testid=progress]")).to_have_text("100%")
    shot(page, "overview")
