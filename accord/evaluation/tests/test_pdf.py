"""The close-out evaluation PDF through its download view: it loads nothing the commentary
names, and carries a title and /Lang in the language it is printed in."""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from accord.evaluation import services
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


@pytest.fixture
def evaluation(world):
    world.project.status = "closed"
    world.project.save()
    return services.evaluation_start(actor=world.as_member(world.manager), project=world.project)


def test_download_loads_nothing_the_commentary_names(world, evaluation, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world.org.logo.save("own.png", ContentFile(png(8, 8)))
    world.other_org.logo.save("rival.png", ContentFile(png(13, 7)))
    rival = Path(world.other_org.logo.path)
    url = reverse("evaluation:closeout_pdf", args=[world.project.pk])
    with trap_server() as trap:
        services.evaluation_update(
            actor=world.as_member(world.manager),
            evaluation=evaluation,
            commentary=hostile_markdown(trap.url, rival),
        )
        response = world.http(world.member).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert trap.hits == []  # before: the server fetched the commentary's images itself
    assert pdf_images(response.content) == []  # before: the rival's logo, read by relative path
    text = pdf_text(response.content)
    assert "root:" not in text and "Pixel" in text


@pytest.mark.parametrize(
    ("language", "lang", "heading"),
    [("en", "en", "Close-out evaluation"), ("zh-hans", "zh-CN", "项目收尾评估")],
)
def test_pdf_has_title_and_language(world, evaluation, language, lang, heading):
    url = reverse("evaluation:closeout_pdf", args=[world.project.pk])
    response = world.http(world.member).get(url, {"lang": language})
    assert response["Content-Language"] == language
    suffix = "zh" if language == "zh-hans" else "en"
    assert response["Content-Disposition"].endswith(f'-closeout-evaluation-{suffix}.pdf"')
    info = pdf_info(response.content)
    assert info["Title"] == f"{heading}: ERP rollout" and info["Lang"] == lang
    assert heading in pdf_text(response.content)
