"""HTML to PDF (WeasyPrint) through the one URL fetcher every PDF of Accord uses.

A PDF is built from text people wrote (Markdown in reports and evaluations), so any URL in
it may be hostile: an image on an internal address, ``file:///etc/passwd``, a relative path
climbing out of a folder, another organisation's upload. The fetcher below reads only
Accord's own bundled assets (fonts, static files) and the files the caller grants by name
(the requesting organisation's logo): never the network, never any other file. Refused
URLs are logged on ``accord.pdf`` and left out of the document.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

ACCORD_DIR = Path(__file__).resolve().parent.parent
# Folders of files shipped with Accord; nothing an organisation uploads lives under them.
ASSET_ROOTS: tuple[Path, ...] = (ACCORD_DIR / "reports" / "fonts", ACCORD_DIR / "web" / "static")
FONT_REGULAR = ACCORD_DIR / "reports" / "fonts" / "NotoSansSC-Regular-GB2312.ttf"

logger = logging.getLogger("accord.pdf")


class RefusedResource(ValueError):
    """A PDF asked for a resource it may not load."""


def html_lang(language: str) -> str:
    """The ``lang`` attribute (and so the PDF's /Lang) for one of Accord's languages."""
    return "zh-CN" if language.lower().startswith("zh") else "en"


def organization_files(organization) -> list[Path]:
    """The uploads of an organisation that its own PDFs may show: its logo."""
    logo = getattr(organization, "logo", None)
    if not logo:
        return []
    try:
        path = Path(logo.path)
    except (NotImplementedError, ValueError):
        return []
    return [path] if path.is_file() else []


def allowed_path(url: str, granted: Iterable[Path] = ()) -> Path | None:
    """The local file ``url`` may be read from, or None when it must not be loaded.

    Only ``file:`` URLs on this machine, resolved (``..`` and symbolic links followed), that
    name a file under one of ``ASSET_ROOTS`` or exactly one of the ``granted`` files."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    try:
        path = Path(url2pathname(unquote(parts.path))).resolve()
    except (OSError, ValueError, RuntimeError):
        return None
    if not path.is_file():
        return None
    if path in {Path(p).resolve() for p in granted}:
        return path
    for root in ASSET_ROOTS:
        if path.is_relative_to(root.resolve()):
            return path
    return None


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):
        """Serves allowed local files itself; every other URL is refused before any I/O."""

        def __init__(self, granted: Iterable[Path]):
            super().__init__(allowed_protocols=("file",), allow_redirects=False, timeout=5)
            self.granted = tuple(granted)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            path = allowed_path(url, self.granted)
            if path is None:
                self.refused.append(url)
                logger.warning("PDF resource refused: %s", url[:300])
                raise RefusedResource("Only Accord's own files are loaded into PDFs.")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    return AssetFetcher


def asset_fetcher(granted: Iterable[Path] = ()):
    """The URL fetcher for a PDF that may also show the ``granted`` files."""
    return _fetcher_class()(granted)


def html_to_pdf(html: str, *, granted: Iterable[Path] = ()) -> bytes:
    """The PDF of an HTML document. Title and /Lang come from its ``<title>`` and ``lang``;
    relative URLs have no base, so they resolve to nothing and are never read."""
    from weasyprint import HTML

    return HTML(string=html, base_url=None, url_fetcher=asset_fetcher(granted)).write_pdf()
