"""Status reports: the manager drafts a report from the project's live data, edits it with the
live preview, publishes it (the client's stakeholders get it by e-mail) and downloads the PDF."""

import re
import shutil
import subprocess

from playwright.sync_api import expect


def _demo_project(page) -> str:
    """The demo's ERP project (code YQ-ERP-01): it has client stakeholders with e-mail addresses,
    unlike projects other journeys create without contacts."""
    page.goto("/projects/")
    href = (
        page.locator("main tr", has_text="YQ-ERP-01")
        .locator("a[href^='/projects/']")
        .first.get_attribute("href")
    )
    return re.match(r"^/projects/(\d+)/$", href).group(1)


def test_draft_edit_publish_download(page, mailbox, demo_login, sign_in, shot, tmp_path):
    sign_in(page, *demo_login)
    pk = _demo_project(page)
    page.goto(f"/projects/{pk}/reports/")
    expect(page.locator("nav.tabs a.active")).to_have_text(re.compile("Reports"))
    page.click("button:has-text('Draft a report')")
    page.wait_for_url(re.compile(r"/reports/\d+/$"))
    expect(page.locator("#section-summary")).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    shot(page, "draft")

    page.click("a.btn:has-text('Edit')")
    page.fill(
        "textarea[name=summary]", "**A good week.** <script>alert(1)</script>\n\n- Go-live rehearsal done"
    )
    expect(page.locator("#preview strong", has_text="A good week.")).to_be_visible()
    assert page.locator("#preview script").count() == 0
    shot(page, "edit-preview")
    page.click("button.primary:has-text('Save')")
    page.wait_for_url(re.compile(r"/reports/\d+/$"))
    expect(page.locator("#section-summary strong")).to_have_text("A good week.")

    already = len(mailbox.messages)
    # Before publishing, the manager sees who will get it.
    expect(page.locator("main")).to_contain_text("liu.fang@huaxin-precision.example")
    page.select_option("select[name=rag]", "amber")
    page.click("button.primary:has-text('Publish and send')")
    expect(page.locator(".messages")).to_contain_text("Report published")
    expect(page.locator("a.btn:has-text('Edit')")).to_have_count(0)
    shot(page, "published")

    with page.expect_download() as info:
        page.click("a.btn:has-text('PDF (Chinese)')")
    path = tmp_path / "report.pdf"
    info.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
        assert "概要" in text and "A good week." in text

    # Stakeholders with an e-mail address get the report with the PDF attached.
    message = mailbox.wait_for(
        lambda m: (
            mailbox.messages.index(m) >= already
            and any(p.get_content_type() == "application/pdf" for p in m.iter_attachments())
        )
    )
    assert message["Subject"]
