"""Every page of the demo data is valid HTML, as the Nu HTML Checker (vnu) judges it.

The pages come from the shared crawl (e2e/pages.py): a team member in English and in Chinese,
a portal client, and the public pages (sign-in, portal link request, password reset, a survey
link), and the error states no link leads to (not found, a wrong password, forms sent back with
their errors). Their HTML is written to a temporary directory and checked in one run of the checker
(one JVM start); any error fails the test, listed by page, line and message.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import requests

from e2e.conftest import DEMO_EMAIL, ROOT
from e2e.pages import crawl, error_states, sign_in

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
PORTAL_CLIENT = "zhou.jianguo@huaxin-precision.example"
PUBLIC_PAGES = ("/accounts/signin/", "/portal/signin/link/", "/accounts/password/reset/")


def _survey_links(mailbox) -> list[str]:
    """The public survey links the demo data e-mailed to client contacts."""
    mailbox.wait_for(lambda m: "/s/" in _text(m))
    links = []
    for message in mailbox.messages:
        links += re.findall(r"https?://[^\s\"<>]+/s/[A-Za-z0-9_\-]+/", _text(message))
    return list(dict.fromkeys(links))


def _text(message) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    return body.get_content() if body else ""


def _public_pages(server: str, mailbox) -> list[tuple[str, str]]:
    """(label, HTML) of the pages anyone may open, in both languages; the survey page both unanswered
    and answered (the demo answers all but the last contact asked)."""
    found = []
    for language in ("en", "zh-hans"):
        session = requests.Session()
        session.headers["Accept-Language"] = language
        session.cookies.set("django_language", language)
        for path in PUBLIC_PAGES:
            answer = session.get(urljoin(server, path), timeout=60)
            assert answer.status_code == 200, f"{path} answered {answer.status_code}"
            found.append((f"public/{language} {path}", answer.text))
    kinds = {}
    for link in _survey_links(mailbox):
        answer = requests.get(link, timeout=60)
        kinds.setdefault("<form" in answer.text, (f"public survey {link}", answer.text))
    assert True in kinds, "no demo survey link opens a form to answer"
    return found + list(kinds.values())


def _crawled(server: str, who: str, language: str, start: str) -> list[tuple[str, str]]:
    from accord.core.demo import DEMO_PASSWORD

    session = sign_in(server, who, DEMO_PASSWORD, language)
    result = crawl(server, session, start)
    assert not result.problems, "\n".join(result.problems)
    assert len(result.pages) > 1, f"the crawl from {start} as {who} found no pages"
    found = []
    for path in result.pages:
        answer = result.session.get(urljoin(server, path), timeout=60)
        found.append((f"{who}/{language} {path}", answer.text))
    if who == DEMO_EMAIL:
        found += error_states(server, session, language)
    return found


class _Headings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.levels: list[int] = []

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))


def _heading_problems(html: str) -> list[str]:
    """One h1 per page, and no heading more than one level below the one before it."""
    parser = _Headings()
    parser.feed(html)
    problems = []
    if parser.levels.count(1) != 1:
        problems.append(f"{parser.levels.count(1)} h1 headings (a page has one)")
    for before, after in zip(parser.levels, parser.levels[1:], strict=False):
        if after > before + 1:
            problems.append(f"h{after} follows h{before}")
    return problems


def _vnu(files: list[Path]) -> list[dict]:
    """The checker's errors over all ``files`` in one run."""
    run = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU),
            "--format",
            "json",
            "--errors-only",
            "--exit-zero-always",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stderr)["messages"]


def test_every_page_is_valid_html(server, mailbox):
    assert VNU.exists(), "the Nu HTML Checker is missing: run `make node_modules/.installed`"
    pages = (
        _crawled(server, DEMO_EMAIL, "en", "/")
        + _crawled(server, DEMO_EMAIL, "zh-hans", "/")
        + _crawled(server, PORTAL_CLIENT, "en", "/portal/")
        + _public_pages(server, mailbox)
    )
    with tempfile.TemporaryDirectory(prefix="accord-vnu-") as folder:
        files = {}
        for number, (label, html) in enumerate(pages):
            file = Path(folder) / f"page{number:04d}.html"
            file.write_text(html, encoding="utf-8")
            files[file.name] = (file, label)
        messages = _vnu([file for file, _ in files.values()])
    errors = [
        f"{files[m['url'].rsplit('/', 1)[-1]][1]} line {m.get('lastLine', '?')}: {m['message']}"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]
    errors += [f"{label}: {problem}" for label, html in pages for problem in _heading_problems(html)]
    assert not errors, f"{len(errors)} HTML errors on {len(pages)} pages:\n" + "\n".join(errors)
