"""Images in Markdown come only from Accord itself; any other is shown as a link."""

import pytest

from accord.lib.text import own_image, render_markdown


@pytest.mark.parametrize(
    ("src", "own"),
    [
        ("/support/attachments/3/", True),
        ("/organization/logo/", True),
        ("images/chart.png", True),
        ("https://accord.example/organization/logo/", True),
        ("HTTPS://Accord.Example/x.png", True),
        ("https://accord.example:8443/x.png", False),
        ("http://accord.example/x.png", False),  # another origin: the scheme differs
        ("https://tracker.example/pixel.gif?u=1", False),
        ("http://127.0.0.1:8000/x.png", False),
        ("//tracker.example/pixel.gif", False),
        ("/\\tracker.example/pixel.gif", False),
        ("\\\\tracker.example/pixel.gif", False),
        ("/\t/tracker.example/pixel.gif", False),
        (" //tracker.example/pixel.gif", False),
        ("https://accord.example.tracker.example/x.png", False),
        ("https://accord.example@tracker.example/x.png", False),
        ("mailto:a@b.example", False),
        ("", False),
    ],
)
def test_own_image(settings, src, own):
    settings.BASE_URL = "https://accord.example"
    assert own_image(src) is own


def test_remote_images_become_links(settings):
    settings.BASE_URL = "https://accord.example"
    html = render_markdown(
        "![pixel](https://tracker.example/p.gif?u=7) "
        '<img src="https://tracker.example/raw.gif" alt="raw &amp; <b>"> '
        "![own](/support/attachments/3/) "
        "[![logo](https://cdn.example/logo.png)](https://client.example)"
    )
    assert html.count("<img") == 1 and '<img alt="own" src="/support/attachments/3/">' in html
    assert (
        '<a href="https://tracker.example/p.gif?u=7" rel="noopener noreferrer nofollow">'
        "pixel (https://tracker.example/p.gif?u=7)</a>"
    ) in html
    assert "raw &amp; &lt;b&gt; (https://tracker.example/raw.gif)</a>" in html
    # An image inside a link becomes that link's text: no link within a link.
    assert (
        '<a href="https://client.example" rel="noopener noreferrer nofollow">'
        "logo (https://cdn.example/logo.png)</a>"
    ) in html


def test_gate_keeps_sanitised_text_as_it_was():
    html = render_markdown(
        'a &amp; b &lt;x&gt; `<img src="https://t.example/p.gif">` <img src=x onerror=alert(1)>'
    )
    assert html == (
        '<p>a &amp; b &lt;x&gt; <code>&lt;img src="https://t.example/p.gif"&gt;</code> <img src="x"></p>'
    )


def test_renders_are_kept_per_text_and_site_address(settings):
    from accord.lib import text

    body = "A **warehouse** image ![chart](https://accord.example/c.png) 验收"
    settings.BASE_URL = "https://accord.example"
    first = render_markdown(body)
    hits = text._rendered.cache_info().hits
    assert render_markdown(body) == first and text._rendered.cache_info().hits == hits + 1
    assert "<img" in first
    # Another site address decides differently about the same image: not the kept answer.
    settings.BASE_URL = "https://other.example"
    assert "<img" not in render_markdown(body)
    # A long text is rendered every time (nothing that large is kept).
    long = "word " * (text.MARKDOWN_CACHE_CHARS // 5 + 1)
    misses = text._rendered.cache_info().misses
    assert render_markdown(long) == render_markdown(long)
    assert text._rendered.cache_info().misses == misses
