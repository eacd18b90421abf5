"""Browser journey of a client contact: sign in with a one-time link read from the mailbox, open
the project, approve the change request that awaits their decision, raise a support request."""

from __future__ import annotations

import re

PORTAL_EMAIL = "zhou.jianguo@huaxin-precision.example"  # the demo sponsor with a portal account


def _body(message) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


def test_client_portal_journey(page, server, mailbox, shot):
    # 1. A one-time sign-in link, by e-mail.
    page.goto("/portal/signin/link/")
    already = len(mailbox.messages)
    page.fill("input[name=email]", PORTAL_EMAIL)
    page.click("button[type=submit].primary")
    page.wait_for_selector(".portal-link-sent")
    shot(page, "link-requested")
    message = mailbox.wait_for(
        lambda m: (
            PORTAL_EMAIL in str(m["To"])
            and "/portal/signin/link/" in _body(m)
            and mailbox.messages.index(m) >= already
        )
    )
    path = re.search(r"/portal/signin/link/[^/\s]+/", _body(message)).group(0)
    page.goto(path)
    page.click("button[type=submit].primary")
    page.wait_for_url(re.compile(r"/portal/$"))
    shot(page, "portal-home")
    assert page.locator(".portal-contact").inner_text().strip()

    # The link works once.
    page.goto(path)
    assert page.locator(".portal-link-refused").count() == 1

    # 2. The project: progress, milestones, the portal tabs.
    page.goto("/portal/")
    page.click(".portal-project h2 a")
    page.wait_for_url(re.compile(r"/portal/projects/\d+/$"))
    project_url = page.url
    project_id = re.search(r"/portal/projects/(\d+)/", project_url).group(1)
    assert page.locator("nav.tabs a").count() >= 4
    shot(page, "project")

    # 3. The change request awaiting the client's decision (the demo has one), approved with a comment.
    page.goto(f"/portal/projects/{project_id}/changes/")
    shot(page, "changes")
    link = page.locator("tr:has(span.badge.warn) a[href*='/portal/changes/']").first
    if link.count():
        link.click()
        page.wait_for_url(re.compile(r"/portal/changes/\d+/$"))
        page.check("input[name=decision][value=approve]")
        page.fill("input[name=name]", "Zhou Jianguo")
        page.fill("textarea[name=comment]", "Approved — please schedule it for the next release.")
        page.click("form[action$='/decide/'] button[type=submit]")
        page.wait_for_selector(".portal-decision")
        assert "Zhou Jianguo" in page.locator(".portal-decision").inner_text()
        shot(page, "change-approved")

    # 4. A support request with an attachment, then the thread.
    page.goto(f"/portal/projects/{project_id}/support/new/")
    page.fill("input[name=title]", "Invoice print shows the wrong tax rate")
    page.select_option("select[name=priority]", "high")
    page.fill("textarea[name=description]", "Since the last update, invoices print 13% instead of 9%.")
    page.set_input_files(
        "input[name=files]",
        files=[{"name": "invoice-log.txt", "mimeType": "text/plain", "buffer": b"tax_rate=0.13\n"}],
    )
    page.click("form button[type=submit].primary")
    page.wait_for_url(re.compile(r"/portal/support/\d+/$"))
    assert "Invoice print shows the wrong tax rate" in page.content()
    assert page.locator("a[href*='/portal/support/attachments/']").count() == 1
    shot(page, "support-request")

    # A file that is not what its name says is refused.
    page.goto(f"/portal/projects/{project_id}/support/new/")
    page.fill("input[name=title]", "Scan")
    page.fill("textarea[name=description]", "See the scan")
    page.set_input_files(
        "input[name=files]",
        files=[{"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00not a pdf"}],
    )
    page.click("form button[type=submit].primary")
    assert page.locator(".field.has-error").count() >= 1
    shot(page, "upload-refused")
