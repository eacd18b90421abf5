"""The import journey: upload a CSV written by Chinese Excel (GBK) → columns mapped from the
Chinese headers → preview with a row's problem → import → rejected-rows report; then export."""

from playwright.sync_api import expect

CSV_GBK = (
    "姓名,邮箱,手机,公司,职位\r\n"
    "王伟,wang.wei@huaxin.example,13800000001,华信精密,采购经理\r\n"
    "John Smith,john.smith@newco.example,,Newco Ltd,CTO\r\n"
    "张三,not-an-email,,华信精密,\r\n"
).encode("gbk")


def test_upload_map_preview_import(page, admin, sign_in, shot):
    sign_in(page, *admin)
    page.goto("/data/")  # the "Import / export" entry of the main menu
    expect(page.locator("h1")).to_contain_text("Import / export")
    page.click("a[href='/data/contacts/import/']")
    page.set_input_files(
        "input[name=file]", files=[{"name": "联系人.csv", "mimeType": "text/csv", "buffer": CSV_GBK}]
    )
    shot(page, "upload")
    page.click("button[type=submit].primary")

    expect(page.locator("h1")).to_contain_text("Import Contacts")
    expect(page.locator("#map-form")).to_contain_text("姓名")
    expect(page.locator("select[name=col_0]")).to_have_value("name")
    expect(page.locator("select[name=col_3]")).to_have_value("client")
    expect(page.locator("main")).to_contain_text("gb18030")
    shot(page, "map")
    page.click("#map-form button[type=submit]")

    expect(page.locator("#preview-summary")).to_contain_text("2 rows to create")
    expect(page.locator("#preview-summary")).to_contain_text("0 duplicates skipped")
    expect(page.locator("#preview-summary")).to_contain_text("1 row rejected")
    expect(page.locator("#preview-rows")).to_contain_text("Enter a valid email address")
    expect(page.locator("#preview-rows")).to_contain_text("New client “华信精密” will be created.")
    shot(page, "preview")
    page.click("#run-import")

    expect(page.locator("#import-status")).to_have_text("Done")
    expect(page.locator("#import-counts")).to_contain_text("2 records created")
    expect(page.locator("#import-counts")).to_contain_text("1 row rejected")
    shot(page, "result")
    with page.expect_download() as download_info:
        page.click("#rejected-report")
    report = download_info.value.path().read_bytes().decode("utf-8-sig")
    assert "not-an-email" in report and "Enter a valid email address" in report

    page.goto("/data/")
    expect(page.locator("#runs")).to_contain_text("联系人.csv")
    with page.expect_download() as download_info:
        page.click("a[href='/data/contacts/export/?format=csv']")
    exported = download_info.value.path().read_bytes()
    assert exported.startswith(b"\xef\xbb\xbf")
    text = exported.decode("utf-8-sig")
    assert "王伟" in text and "john.smith@newco.example" in text and "华信精密" in text
    shot(page, "hub")
