"""Every page of the demo data, as each audience sees it: the list the page-wide checks share
(phone width, accessibility, HTML validity).

``sign_in(base_url, email, password, language)`` signs in through the sign-in form (plain HTTP,
no browser); ``crawl(base_url, session, start)`` then follows every same-site link from the start
page breadth first and returns the HTML pages it reached, one per route shape
(``/projects/12/risks/?p=1`` and ``/projects/13/risks/?p=2`` are one shape: the checks look at
templates, not at rows). Downloads, feeds, the API and links that act (sign out, delete, revoke)
are not followed; a page that answers anything but 200 HTML is left out of the list and reported
in ``Crawl.problems`` (a 5xx there is a broken page).

``error_states(base_url, session, language)`` adds the pages a crawl never reaches: "not found"
to a visitor and to a signed-in member, the sign-in form after a wrong password, and team forms
sent back with their errors (422).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import requests

# Links that are not pages to look at: files, feeds, the API, and links that change something.
_SKIP = re.compile(
    r"(^/(api|static|media|admin)/)|(/(signout|logout|delete|revoke|export|download|feed|print)[/.-])"
    r"|(\.(pdf|ics|csv|xlsx|vcf|zip|png|jpe?g|svg|txt|json|xml)$)|(/i18n/)|(/healthz|/readyz|/metrics)",
    re.IGNORECASE,
)
# Path segments that name one row: numbers, UUIDs, tokens.
_ID = re.compile(r"^(\d+|[0-9a-f]{8}-[0-9a-f-]{27}|[A-Za-z0-9_-]{20,})$")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href and not href.startswith(("mailto:", "tel:", "javascript:", "#")):
                self.hrefs.append(href)


def shape(target: str) -> str:
    """The route shape of a link: ids replaced by ``*``, the query reduced to its sorted keys."""
    parts = urlsplit(target)
    keys = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
    path = "/".join("*" if _ID.match(part) else part for part in parts.path.split("/"))
    return path + ("?" + "&".join(keys) if keys else "")


@dataclass
class Crawl:
    pages: list[str] = field(default_factory=list)  # paths, in the order found
    problems: list[str] = field(default_factory=list)
    session: requests.Session | None = None


def sign_in(base_url: str, email: str, password: str, language: str) -> requests.Session:
    """A session signed in through the sign-in form, its pages asked for in ``language``."""
    session = requests.Session()
    session.headers["Accept-Language"] = language
    form = session.get(urljoin(base_url, "/accounts/signin/"), timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    answer = session.post(
        urljoin(base_url, "/accounts/signin/"),
        data={"csrfmiddlewaretoken": token, "username": email, "password": password},
        headers={"Referer": urljoin(base_url, "/accounts/signin/")},
        timeout=30,
    )
    if "/accounts/signin/" in answer.url:
        raise AssertionError(f"signing in as {email} failed")
    # A signed-in person's pages follow the language kept on their account (an earlier journey
    # may have chosen another one): choose it as the language switcher does, which keeps it.
    remember_language(email, session.get(urljoin(base_url, "/api/v1/me"), timeout=30).json()["language"])
    choose_language(base_url, session, language)
    return session


# Accounts whose language a check chose, with the language they had: e2e/conftest.py puts it back
# after each test, so that the journeys that follow find the accounts as they were.
_CHOSEN: dict[str, str] = {}


def remember_language(email: str, language: str) -> None:
    _CHOSEN.setdefault(email, language)


def choose_language(base_url: str, session: requests.Session, language: str) -> None:
    token = session.cookies.get("csrftoken")
    chosen = session.post(
        urljoin(base_url, "/i18n/setlang/"),
        data={"csrfmiddlewaretoken": token, "language": language, "next": "/"},
        headers={"Referer": urljoin(base_url, "/"), "X-CSRFToken": token},
        timeout=30,
        allow_redirects=False,
    )
    if chosen.status_code not in (302, 303):
        raise AssertionError(f"choosing {language} answered {chosen.status_code}")


def restore_languages(live) -> None:
    """Give every account whose language a check chose the language it had before."""
    if not _CHOSEN:
        return
    script = "from accord.tenancy.models import User\n" + "".join(
        f"User.objects.filter(email={email!r}).update(language={language!r})\n"
        for email, language in _CHOSEN.items()
    )
    _CHOSEN.clear()
    live.manage("shell", "-c", script)


def crawl(base_url: str, session: requests.Session, start: str = "/", *, limit: int = 400) -> Crawl:
    """Every HTML page reachable from ``start`` by following links, one per route shape."""
    host = urlsplit(base_url).netloc
    result = Crawl(session=session)
    seen_shapes: set[str] = set()
    queue = deque([start])
    while queue and len(result.pages) < limit:
        path = queue.popleft()
        if shape(path) in seen_shapes:
            continue
        seen_shapes.add(shape(path))
        answer = session.get(urljoin(base_url, path), timeout=60, allow_redirects=True)
        final = urlsplit(answer.url)
        if answer.status_code >= 500:
            result.problems.append(f"{path} answered {answer.status_code}")
            continue
        if answer.status_code != 200 or "text/html" not in answer.headers.get("Content-Type", ""):
            continue
        if final.netloc != host:
            continue
        if final.path != urlsplit(path).path:
            queue.append(final.path)  # a redirect: the target is crawled under its own path
            continue
        result.pages.append(path)
        links = _Links()
        links.feed(answer.text)
        for href in links.hrefs:
            absolute, _ = urldefrag(urljoin(answer.url, href))
            parts = urlsplit(absolute)
            if parts.netloc != host or _SKIP.search(parts.path):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query and "page=" not in parts.query else "")
            if shape(target) not in seen_shapes:
                queue.append(target)
    return result


# Team forms sent empty: each comes back with its errors (422).
EMPTY_FORMS = ("/clients/new/", "/projects/new/")


def _token(session: requests.Session, base_url: str, path: str) -> str:
    page = session.get(urljoin(base_url, path), timeout=30)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def error_states(base_url: str, session: requests.Session, language: str) -> list[tuple[str, str]]:
    """(label, HTML) of the error pages and forms with errors, in ``language``; ``session`` is a
    team member's, signed in with that language."""
    visitor = requests.Session()
    visitor.headers["Accept-Language"] = language
    found = []

    def add(label: str, answer: requests.Response, status: int) -> None:
        assert answer.status_code == status, f"{label} answered {answer.status_code}, not {status}"
        found.append((f"{label} ({language})", answer.text))

    add("not found, visitor", visitor.get(urljoin(base_url, "/no-such-page/"), timeout=30), 404)
    add("not found, member", session.get(urljoin(base_url, "/no-such-page/"), timeout=30), 404)
    signin = urljoin(base_url, "/accounts/signin/")
    wrong = {"username": "nobody@accord.example", "password": "not the password"}
    token = _token(visitor, base_url, "/accounts/signin/")
    answer = visitor.post(signin, data={"csrfmiddlewaretoken": token, **wrong}, headers={"Referer": signin})
    add("sign-in, wrong password", answer, 200)
    for path in EMPTY_FORMS:
        token = _token(session, base_url, path)
        url = urljoin(base_url, path)
        answer = session.post(url, data={"csrfmiddlewaretoken": token}, headers={"Referer": url})
        add(f"{path} sent empty", answer, 422)
    return found
