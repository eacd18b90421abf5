"""Foreseeing risk and controlling change: a project started from an industry template, a risk
with a contingency action, a change request submitted and assessed by the team, approved by
the client contact in the portal, and the project's baseline moving as a result."""

import re
import uuid

from playwright.sync_api import expect

# A decision maker: only the sponsor or a decision maker may approve for the client.
CONTACT_EMAIL = "liu.fang@huaxin-precision.example"
CLIENT_NAME = "苏州华信精密制造有限公司"
CLIENT_PASSWORD = "Client-portal-pass-2026"


def _body(message) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


def _sign_in_as_client(browser, server, mailbox, team_page, contact_pk, shot):
    """The contact gets into the portal: by invitation the first time, by a sign-in link after."""
    team_page.goto(f"/portal/invite/contact/{contact_pk}/")
    client_context = browser.new_context(
        base_url=server, locale="en-US", viewport={"width": 1280, "height": 900}
    )
    client = client_context.new_page()
    send = team_page.locator("button[type=submit].primary", has_text="invitation")
    if send.count():
        already = len(mailbox.messages)
        send.click()
        message = mailbox.wait_for(
            lambda m: (
                CONTACT_EMAIL in str(m["To"])
                and "/accounts/invitations/" in _body(m)
                and mailbox.messages.index(m) >= already
            )
        )
        path = re.search(r"/accounts/invitations/[^/\s]+/", _body(message)).group(0)
        client.goto(path)
        client.fill("input[name=full_name]", "Liu Fang")
        client.fill("input[name=password]", CLIENT_PASSWORD)
        client.click("button[type=submit].primary")
    else:
        already = len(mailbox.messages)
        client.goto("/portal/signin/link/")
        client.fill("input[name=email]", CONTACT_EMAIL)
        client.click("button[type=submit].primary")
        message = mailbox.wait_for(
            lambda m: (
                CONTACT_EMAIL in str(m["To"])
                and "/portal/signin/link/" in _body(m)
                and mailbox.messages.index(m) >= already
            )
        )
        path = re.search(r"/portal/signin/link/[^/\s]+/", _body(message)).group(0)
        client.goto(path)
        client.click("button[type=submit].primary")
    client.wait_for_url(re.compile(r"/portal/"))
    shot(client, "client-portal")
    return client_context, client


def test_template_risk_change_request_and_baseline(page, browser, server, mailbox, demo_login, sign_in, shot):
    sign_in(page, *demo_login)

    # 1. A project from the software / IT implementation template.
    page.goto("/templates/")
    expect(page.locator("h1")).to_contain_text("Project templates")
    shot(page, "templates")
    page.click("a:has-text('Software / IT implementation')")
    expect(page.locator("h1")).to_contain_text("Software / IT implementation")
    page.click("a.btn.primary:has-text('Use this template')")
    code = f"E2E-{uuid.uuid4().hex[:6].upper()}"
    page.select_option("select[name=client]", label=CLIENT_NAME)
    page.fill("input[name=code]", code)
    page.fill("input[name=name]", "Quality system rollout")
    page.fill("input[name=start_date]", "2026-03-02")
    contact_option = page.locator("select[name=contacts] option", has_text=CONTACT_EMAIL)
    contact_pk = contact_option.get_attribute("value")
    page.select_option("select[name=contacts]", value=contact_pk)
    shot(page, "new-project-from-template")
    page.click("button[type=submit].primary")
    # Lessons from similar projects are offered first (the demo has some for any industry).
    page.wait_for_url(re.compile(r"/projects/\d+/(lessons/start/)?$"))
    if page.url.endswith("/lessons/start/"):
        shot(page, "lessons-offered-at-start")
        page.locator('button:has-text("Add to this project\'s risks")').first.click()
        expect(page.locator("text=Open the risk").first).to_be_visible()
        page.click("a.btn.primary:has-text('Continue to the project')")
        page.wait_for_url(re.compile(r"/projects/\d+/$"))
    project_pk = re.search(r"/projects/(\d+)/", page.url).group(1)
    expect(page.locator("h1")).to_contain_text("Quality system rollout")

    # The template brought its needs and its risk checklist along.
    page.goto(f"/projects/{project_pk}/needs/")
    expect(page.locator("#need-table")).to_contain_text("Single sign-on")
    page.goto(f"/projects/{project_pk}/risks/")
    expect(page.locator("#risk-table")).to_contain_text("Scope creep during configuration")

    # 2. Raise a risk and give it a contingency action.
    page.click("a:has-text('Raise a risk')")
    page.fill("input[name=title]", "Plant IT freezes changes during the audit")
    page.select_option("select[name=category]", "client_side")
    page.select_option("select[name=probability]", "4")
    page.select_option("select[name=impact]", "5")
    page.click("button[type=submit].primary")
    page.wait_for_url(re.compile(r"/risks/\d+/$"))
    expect(page.locator("h2")).to_contain_text("Critical · 20")
    page.fill("#action-form input[name=description]", "Agree a change window with plant IT")
    page.fill("#action-form input[name=due_date]", "2026-04-15")
    page.click("#action-form button[type=submit]")
    expect(page.locator("#contingency")).to_contain_text("Agree a change window with plant IT")
    shot(page, "risk-with-contingency")
    page.goto(f"/projects/{project_pk}/risks/")
    page.click("a[data-cell='4-5']")
    expect(page.locator("#risk-table")).to_contain_text("Plant IT freezes changes")
    shot(page, "heat-map-filtered")

    # 3. A change request, submitted and assessed by the team.
    page.goto(f"/projects/{project_pk}/changes/new/")
    page.fill("input[name=title]", "Add supplier quality dashboard")
    page.select_option("select[name=requested_by]", value=contact_pk)
    page.fill("textarea[name=reason]", "Requested in the steering meeting")
    page.click("button[type=submit].primary")
    page.wait_for_url(re.compile(r"/changes/\d+/$"))
    change_pk = re.search(r"/changes/(\d+)/", page.url).group(1)
    page.click("button:has-text('Submit')")
    expect(page.locator("#change-status")).to_contain_text("Submitted")
    page.click("a:has-text('Assess impact')")
    page.fill("input[name=schedule_days]", "10")
    page.fill("input[name=effort_hours]", "60")
    page.fill("input[name=cost_amount]", "-1")
    page.click("button[type=submit].primary")
    expect(page.locator("#id_cost_amount_errors")).to_be_visible()  # a negative cost is refused
    page.fill("input[name=cost_amount]", "48000")
    go_live = page.locator("select[name=affected_milestones] option", has_text="Go-live").get_attribute(
        "value"
    )
    page.select_option("select[name=affected_milestones]", value=go_live)
    page.click("button[type=submit].primary")
    expect(page.locator("#change-status")).to_contain_text("Assessed")
    expect(page.locator("#impact-days")).to_contain_text("+10 days")
    shot(page, "change-assessed")
    page.goto(f"/projects/{project_pk}/changes/")
    expect(page.locator("#baselines")).to_contain_text("first baseline is captured")

    # 4. The client contact approves in the portal, signing with their name.
    context, client = _sign_in_as_client(browser, server, mailbox, page, contact_pk, shot)
    try:
        client.goto(f"/portal/changes/{change_pk}/")
        expect(client.locator("body")).to_contain_text("Add supplier quality dashboard")
        client.check("input[name=decision][value=approve]")
        client.fill("input[name=name]", "Liu Fang")
        client.fill("textarea[name=comment]", "Approved for Q2.")
        shot(client, "client-decides")
        # The portal speaks the contact's language (this client contact reads Chinese).
        client.click("main button[type=submit].primary")
        expect(client.locator("body")).to_contain_text(re.compile("approved|已批准", re.IGNORECASE))
        shot(client, "client-approved")
    finally:
        context.close()

    # 5. The baseline moved: v1 (the original plan) and v2 (after the change), +10 days, +48,000.
    page.goto(f"/projects/{project_pk}/changes/")
    expect(page.locator("#total-days")).to_have_text("10")
    expect(page.locator("#total-approved")).to_have_text("1")
    rows = page.locator("#baselines tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("v2")
    expect(rows.nth(1)).to_contain_text("v1")
    shot(page, "baseline-moved")
    page.goto(f"/changes/{change_pk}/")
    expect(page.locator("#decision")).to_contain_text("Liu Fang")
    expect(page.locator("#change-status")).to_contain_text("Approved")
