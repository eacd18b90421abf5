"""Text helpers: Markdown rendered and sanitised, safe spreadsheet cells."""

from __future__ import annotations

import functools
import re
import threading
from html import escape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import markdown as md
import nh3
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

MAX_MARKDOWN_CHARS = 200_000

_ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
    "img",
    "span",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "abbr": {"title"},
}


def _sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str | None) -> SafeString:
    """Markdown to HTML with every tag and attribute outside an allow-list removed; images
    only from Accord itself, any other shown as a link (see ``own_image``).

    Rendering is pure Python (Markdown, two sanitiser passes, about a millisecond a text): a
    page of 50 interactions spent most of its time here. The same texts are shown again and
    again (a client's timeline, the dashboard), so the latest results are kept per process:
    texts of up to ``MARKDOWN_CACHE_CHARS`` characters, keyed by the text and the site's
    address (which decides what an image may be)."""
    if not text:
        return mark_safe("")  # noqa: S308
    if len(text) <= MARKDOWN_CACHE_CHARS:
        return mark_safe(_rendered(text, settings.BASE_URL))  # noqa: S308 - sanitised by _render
    return mark_safe(_render(text))  # noqa: S308 - sanitised by _render


MARKDOWN_CACHE_CHARS = 4_000


@functools.lru_cache(maxsize=1024)
def _rendered(text: str, base_url: str) -> str:
    return _render(text)


# One Markdown converter per thread, reset before each text: making one loads its extensions,
# which cost more than converting a short text (0.72 → 0.30 ms for a 300-character note).
_converters = threading.local()


def _markdown(text: str) -> str:
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = md.Markdown(extensions=["extra", "sane_lists", "nl2br"])
    try:
        return converter.reset().convert(text)
    except Exception:
        _converters.markdown = None  # a converter left half-way is not used again
        raise


def _render(text: str) -> str:
    html = _markdown(text[:MAX_MARKDOWN_CHARS])
    gate = _ImageGate()
    gate.feed(_sanitise(html))
    gate.close()
    # Sanitised once more: the gate's own output goes through the same allow-list.
    return _sanitise("".join(gate.out))


# Browsers drop ASCII tabs and newlines from URLs and read "\" as "/": "/\t/host" is "//host".
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]")


def own_image(src: str) -> bool:
    """Whether an image URL is on Accord itself: a path of this site (no scheme, no host), or
    an absolute URL at ``BASE_URL``. Anything else would make every reader's browser call a
    third party (a tracking pixel), so it is not shown as an image."""
    value = _URL_NOISE.sub("", src).replace("\\", "/")
    if not value:
        return False
    try:
        parts = urlsplit(value)
        base = urlsplit(settings.BASE_URL)
    except ValueError:
        return False
    if not parts.scheme and not parts.netloc:
        return not value.startswith("//")
    return (parts.scheme.lower(), parts.netloc.lower()) == (base.scheme.lower(), base.netloc.lower())


class _ImageGate(HTMLParser):
    """Copies sanitised HTML, turning an image from elsewhere into a link: "alt (URL)"."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.in_link = 0

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self._image(dict(attrs))
            return
        if tag == "a":
            self.in_link += 1
        self.out.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag, attrs):
        if tag == "img":
            self._image(dict(attrs))
        else:
            self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag):
        if tag == "a":
            self.in_link = max(self.in_link - 1, 0)
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(data)

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def _image(self, attrs: dict) -> None:
        src = attrs.get("src") or ""
        if own_image(src):
            self.out.append(self.get_starttag_text() or "")
            return
        alt = (attrs.get("alt") or "").strip()
        label = escape(f"{alt} ({src})" if alt and src else alt or src)
        if self.in_link or not src:
            self.out.append(label)
        else:
            self.out.append(f'<a href="{escape(src)}">{label}</a>')


_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Neutralise a spreadsheet cell that a spreadsheet program would run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value
