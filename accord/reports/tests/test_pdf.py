"""Report PDFs through the download views and the API: they load nothing a report names, and
each is printed in one language that its texts, /Lang, title and file name agree on."""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from accord.reports import services
from accord.testing.pdf import (
    hostile_markdown,
    needs_poppler,
    pdf_images,
    pdf_info,
    pdf_text,
    png,
    trap_server,
)

pytestmark = needs_poppler

# Section headings and fixed labels; the last two never appear in a drafted body.
HEADINGS = {
    "en": ("Summary", "Progress", "Period", "Overall status", "Status report"),
    "zh-hans": ("概要", "进展", "周期", "总体状态", "项目状态报告"),
}
LANG = {"en": "en", "zh-hans": "zh-CN"}


@pytest.fixture
def logos(world, settings, tmp_path):
    """Each organisation has a logo: ours is 8×8, the rival's 13×7 (told apart by pdfimages)."""
    settings.MEDIA_ROOT = tmp_path
    world.org.logo.save("own.png", ContentFile(png(8, 8)))
    world.other_org.logo.save("rival.png", ContentFile(png(13, 7)))
    return Path(world.org.logo.path), Path(world.other_org.logo.path)


def test_downloads_load_nothing_the_report_names(world, logos):
    _own, rival = logos
    report = services.status_report_draft(actor=world.as_member(world.manager), project=world.project)
    with trap_server() as trap:
        services.status_report_update(
            actor=world.as_member(world.manager),
            report=report,
            data={"summary": hostile_markdown(trap.url, rival)},
        )
        services.status_report_publish(actor=world.as_member(world.manager), report=report)
        downloads = [
            world.http(world.member).get(f"/reports/{report.pk}/pdf/"),
            world.http(world.client_user).get(f"/portal/reports/{report.pk}/pdf/"),
            world.api(world.member).get(f"/reports/{report.pk}/pdf"),
        ]
    assert trap.hits == []
    for response in downloads:
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        pdf = response.content
        assert pdf_images(pdf) == [(8, 8)]  # our own logo; never the rival's, nor the trap's PNG
        text = pdf_text(pdf)
        assert "root:" not in text and "Pixel" in text


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_api_pdf_defaults_to_the_report_language(world, language):
    """A report drafted in ``language`` prints in it unless another language is asked for."""
    other = "zh-hans" if language == "en" else "en"
    report = services.status_report_draft(
        actor=world.as_member(world.manager), project=world.project, language=language
    )
    api = world.api(world.member)
    for asked, expected in ((None, language), (language, language), (other, other)):
        response = api.get(f"/reports/{report.pk}/pdf" + (f"?lang={asked}" if asked else ""))
        assert response.status_code == 200
        _assert_printed_in(response, expected, report)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_web_pdf_defaults_to_the_report_language(world, language):
    report = services.status_report_draft(
        actor=world.as_member(world.manager), project=world.project, language=language
    )
    # The reader's own interface language does not change the report's.
    interface = "zh-hans" if language == "en" else "en"
    response = world.http(world.member).get(f"/reports/{report.pk}/pdf/", HTTP_ACCEPT_LANGUAGE=interface)
    _assert_printed_in(response, language, report)


def test_api_refuses_an_unknown_language(world):
    report = services.status_report_draft(actor=world.as_member(world.manager), project=world.project)
    assert world.api(world.member).get(f"/reports/{report.pk}/pdf?lang=fr").status_code == 422


def _assert_printed_in(response, language: str, report) -> None:
    suffix = "zh" if language == "zh-hans" else "en"
    assert response["Content-Language"] == language
    assert response["Content-Disposition"].endswith(f'-{suffix}.pdf"')
    info = pdf_info(response.content)
    assert info["Lang"] == LANG[language]
    assert "ERP rollout" in info["Title"] and f"v{report.version}" in info["Title"]
    assert ("状态报告" in info["Title"]) == (language == "zh-hans")
    text = pdf_text(response.content)
    for heading in HEADINGS[language]:
        assert heading in text
    for heading in HEADINGS["zh-hans" if language == "en" else "en"][3:]:
        assert heading not in text
