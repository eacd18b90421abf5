"""Test helpers for PDFs: read one with poppler-utils (an independent parser), and a trap HTTP
server on 127.0.0.1 that records every request a PDF renderer might make to it."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import threading
import zlib
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

needs_poppler = pytest.mark.skipif(
    shutil.which("pdfinfo") is None or shutil.which("pdfimages") is None,
    reason="needs poppler-utils (pdfinfo, pdftotext, pdfimages)",
)


def _poppler(tool: str, pdf: bytes, *args: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.pdf"
        path.write_bytes(pdf)
        result = subprocess.run(
            [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])], capture_output=True, check=True
        )
    return result.stdout.decode("utf-8", "replace")


def pdf_info(pdf: bytes) -> dict[str, str]:
    """pdfinfo's fields (Title, Pages, ...) and the document catalog's /Lang as ``Lang``."""
    info = {}
    for line in _poppler("pdfinfo", pdf, "-enc", "UTF-8").splitlines():
        key, _sep, value = line.partition(":")
        info[key.strip()] = value.strip()
    info["Lang"] = _catalog_lang(pdf)
    return info


def _catalog_lang(pdf: bytes) -> str:
    """/Lang of the document catalog (pdfinfo does not print it): looked for in the plain
    objects and in every Flate-compressed stream (object streams hold the catalog)."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    for chunk in chunks:
        for catalog in re.findall(rb"<<[^<>]*/Type\s*/Catalog[^<>]*>>", chunk):
            lang = re.search(rb"/Lang\s*\(([^)]*)\)", catalog)
            if lang:
                return lang.group(1).decode("latin-1")
    return ""


def pdf_text(pdf: bytes) -> str:
    return _poppler("pdftotext", pdf, "-enc", "UTF-8")


def pdf_images(pdf: bytes) -> list[tuple[int, int]]:
    """(width, height) of every image drawn in the PDF, from ``pdfimages -list``."""
    rows = _poppler("pdfimages", pdf, "-list").splitlines()[2:]
    return [(int(row.split()[3]), int(row.split()[4])) for row in rows if row.strip()]


def png(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


class Trap:
    """Every path requested from the trap server, in order."""

    def __init__(self):
        self.hits: list[str] = []
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def trap_server():
    """A real HTTP server on a free 127.0.0.1 port answering every request with a small PNG."""
    trap = Trap()
    body = png(5, 5)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            trap.hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    trap.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield trap
    finally:
        server.shutdown()
        server.server_close()


def hostile_markdown(trap_url: str, rival_logo: Path) -> str:
    """Markdown naming, as images, every resource a PDF must never load: a server on the
    internal network, local files by URL and by relative path, another organisation's upload."""
    from accord.lib.pdf import ASSET_ROOTS

    fonts = ASSET_ROOTS[0]
    climbs = "../" * 12
    return "\n\n".join(
        [
            f'Pixel ![pixel]({trap_url}/markdown.png) and raw <img src="{trap_url}/raw.png" alt="raw">',
            '<img src="file:///etc/passwd" alt="passwd"> ![passwd](file:///etc/passwd)',
            f"![root](/etc/passwd) ![climb]({climbs}etc/passwd)",
            f"![rival]({os.path.relpath(rival_logo, fonts)})",
            f"![rival]({os.path.relpath(rival_logo, fonts.parent)})",
            f"![rival]({rival_logo.as_uri()}) ![rival](/media/logos/{rival_logo.name})",
        ]
    )
