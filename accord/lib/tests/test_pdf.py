"""The one URL fetcher of every PDF: what it serves and what it refuses."""

import logging
import os

import pytest

from accord.lib.pdf import ASSET_ROOTS, FONT_REGULAR, allowed_path, html_to_pdf
from accord.testing.pdf import needs_poppler, pdf_images, png, trap_server

STATIC_JS = ASSET_ROOTS[1] / "accord" / "accord.js"


@pytest.fixture
def uploads(tmp_path):
    """Two organisations' logos side by side, as in MEDIA_ROOT/logos/."""
    (tmp_path / "logos").mkdir()
    own, other = tmp_path / "logos" / "own.png", tmp_path / "logos" / "rival.png"
    own.write_bytes(png(8, 8))
    other.write_bytes(png(13, 7))
    return own, other


def test_allow_deny_table(uploads, tmp_path):
    own, other = uploads
    link = ASSET_ROOTS[0] / "zz-test-link.png"
    secret = tmp_path / "secret.txt"
    secret.write_text("s")
    granted = [own]
    allowed = {
        FONT_REGULAR.as_uri(): FONT_REGULAR,
        STATIC_JS.as_uri(): STATIC_JS,
        "file://localhost" + FONT_REGULAR.as_posix(): FONT_REGULAR,
        own.as_uri(): own.resolve(),
        own.as_uri() + "?v=2": own.resolve(),
    }
    refused = [
        "file:///etc/passwd",
        "file://" + str(secret),
        other.as_uri(),  # another organisation's upload
        (own.parent / ".." / "logos" / "rival.png").as_uri(),
        (ASSET_ROOTS[0] / ".." / ".." / "settings.py").as_uri(),  # climbs out of the fonts folder
        ASSET_ROOTS[0].as_uri(),  # a folder, not a file
        (ASSET_ROOTS[0] / "missing.ttf").as_uri(),
        "file://evil.example" + FONT_REGULAR.as_posix(),  # a remote file share
        "http://127.0.0.1:8000/media/logos/own.png",
        "https://example.com/pixel.png",
        "ftp://127.0.0.1/x",
        "data:image/png;base64,iVBORw0KGgo=",
        "/etc/passwd",
        "../../../../etc/passwd",
        "logos/own.png",
        "",
        "file:",
    ]
    for url, path in allowed.items():
        assert allowed_path(url, granted) == path, url
    for url in refused:
        assert allowed_path(url, granted) is None, url
    # A symbolic link inside a bundled folder that points out of it is refused too.
    try:
        os.symlink(secret, link)
    except OSError:
        pytest.skip("cannot create a symbolic link here")
    try:
        assert allowed_path(link.as_uri(), granted) is None
    finally:
        link.unlink()


@needs_poppler
def test_raw_html_loads_nothing_but_granted_files(uploads, caplog):
    """Even HTML that no sanitiser saw (stylesheets, CSS url(), images) reaches only the
    bundled font and the granted logo; the trap server gets no request."""
    own, other = uploads
    with trap_server() as trap, caplog.at_level(logging.WARNING, logger="accord.pdf"):
        html = f"""<html lang="en"><head><title>t</title>
        <link rel="stylesheet" href="{trap.url}/style.css">
        <style>@font-face {{ font-family: A; src: url("{FONT_REGULAR.as_uri()}"); }}
        body {{ font-family: A; background: url("{trap.url}/bg.png"); }}
        @import url("file:///etc/passwd");</style></head><body>
        <img src="{trap.url}/pixel.png"><img src="file:///etc/passwd"><img src="/etc/passwd">
        <img src="../../../../etc/passwd"><img src="{other.as_uri()}"><img src="{own.as_uri()}">
        <object data="{trap.url}/object"></object><embed src="{trap.url}/embed">
        <iframe src="{trap.url}/frame"></iframe><svg><image href="{trap.url}/svg.png"/></svg>
        </body></html>"""
        pdf = html_to_pdf(html, granted=[own])
    assert trap.hits == []
    assert pdf_images(pdf) == [(8, 8)]  # only the granted logo
    refused = " ".join(r.getMessage() for r in caplog.records)
    assert f"{trap.url}/pixel.png" in refused and "file:///etc/passwd" in refused
    assert other.as_uri() in refused


def test_no_pdf_is_made_outside_the_shared_fetcher():
    """WeasyPrint is used in accord/lib/pdf.py only, so no PDF can skip its fetcher."""
    from accord.lib.pdf import ACCORD_DIR

    users = [
        str(path.relative_to(ACCORD_DIR))
        for path in ACCORD_DIR.rglob("*.py")
        if "weasyprint" in path.read_text(encoding="utf-8") and "tests" not in path.parts
    ]
    assert users == ["lib/pdf.py"]
