"""Every list's ``q`` search goes through its substring index and answers exactly what a plain
``icontains`` scan answers for terms of three characters or more; shorter terms look among the
newest rows only and the list says so."""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core import search
from accord.crm import selectors as crm
from accord.crm.models import Client, Contact, Interaction
from accord.evaluation.models import Lesson
from accord.evaluation.selectors import LESSON_INDEX, lesson_search
from accord.meetings.models import Decision
from accord.meetings.selectors import DECISION_INDEX, decision_list
from accord.projects import selectors as project_selectors
from accord.projects.models import Project, Task
from accord.projects.selectors import project_filter, task_filter
from accord.testing import factories as f

# Letters in both cases, Chinese, and what LIKE and FTS5 treat specially.
ALPHABET = "abcABCxyzÄäé王伟需求变更验收测试 -_%\"'*"
names = st.text(alphabet=ALPHABET, min_size=1, max_size=14)
serial = itertools.count()


def _plain(model, fields, term: str) -> Q:
    matches = Q()
    for name in fields:
        matches |= Q(**{f"{name}__icontains": term})
    return matches


def _make(world, kind: str, text: str):
    """One row of ``kind`` in the world's organisation with ``text`` in its searched fields."""
    n = next(serial)
    if kind == "contacts":
        return f.ContactFactory(
            client=world.client, first_name=text, title=text[::-1], email=f"c{n}@x.example"
        )
    if kind == "search":
        # Split over two columns: a term across the space between them is in the document only.
        return f.ContactFactory(
            client=world.client,
            first_name=text[:3] or "x",
            last_name=text[3:] or "y",
            title=text[::-1],
            email=f"s{n}@x.example",
        )
    if kind == "clients":
        client = f.ClientFactory(organization=world.org, name=f"{text} {n}", business=text[::-1])
        f.ContactFactory(client=client, last_name=text[:5] or "x")
        return client
    if kind == "projects":
        return f.ProjectFactory(client=world.client, name=text, code=f"P{n}", manager=world.manager)
    if kind == "tasks":
        return f.TaskFactory(project=world.project, title=text, description=text[::-1])
    if kind == "interactions":
        return f.InteractionFactory(client=world.client, summary=text, body=text[::-1])
    if kind == "lessons":
        return Lesson.objects.create(organization=world.org, title=text, recommendation=text[::-1], tags="t")
    return Decision.objects.create(
        organization=world.org,
        project=world.project,
        title=text,
        detail=text[::-1],
        decided_on=dt.date(2026, 1, 1),
    )


def _found(world, kind: str, term: str) -> set[int]:
    """What the list's search answers."""
    org = world.org.pk
    if kind == "contacts":
        qs = search.text_filter(Contact.objects.filter(organization_id=org), term, crm.contact_text)
    elif kind == "search":
        return {contact.pk for contact in crm.search(org, term, limit=1000)["contacts"]}
    elif kind == "clients":
        qs = crm.client_list(org, q=term)
    elif kind == "projects":
        qs = project_filter(Project.objects.filter(organization_id=org), q=term)
    elif kind == "tasks":
        qs = task_filter(Task.objects.filter(organization_id=org), q=term)
    elif kind == "interactions":
        qs = crm.interaction_text(Interaction.objects.filter(organization_id=org), term)
    elif kind == "lessons":
        qs = lesson_search(org, q=term)
    else:
        qs = decision_list(world.project, term)
    return set(qs.values_list("pk", flat=True))


def _expected(world, kind: str, term: str) -> set[int]:
    """The reference: the plain icontains scan every list did before the indexes."""
    org = world.org.pk
    if kind == "contacts":
        qs = Contact.objects.filter(organization_id=org).filter(
            _plain(Contact, ("first_name", "last_name", "name_local", "title", "email"), term)
        )
    elif kind == "search":
        qs = Contact.objects.filter(organization_id=org).filter(
            _plain(Contact, crm.CONTACT_SEARCH_FIELDS, term)
        )
    elif kind == "clients":
        qs = (
            Client.objects.filter(organization_id=org)
            .filter(
                _plain(
                    Client,
                    (
                        "name",
                        "tags",
                        "business",
                        "contacts__name_local",
                        "contacts__last_name",
                        "contacts__first_name",
                    ),
                    term,
                )
            )
            .distinct()
        )
    elif kind == "projects":
        qs = Project.objects.filter(organization_id=org).filter(
            _plain(Project, ("name", "code", "client__name", "description"), term)
        )
    elif kind == "tasks":
        qs = Task.objects.filter(organization_id=org).filter(_plain(Task, ("title", "description"), term))
    elif kind == "interactions":
        qs = Interaction.objects.filter(organization_id=org).filter(
            _plain(Interaction, ("summary", "body"), term)
        )
    elif kind == "lessons":
        qs = Lesson.objects.filter(organization_id=org)
        for word in term.split()[:8]:
            qs = qs.filter(_plain(Lesson, ("title", "description", "recommendation", "tags"), word))
    else:
        qs = Decision.objects.filter(project=world.project).filter(
            _plain(Decision, ("title", "detail"), term)
        )
    return set(qs.values_list("pk", flat=True))


def _conditions(world) -> dict:
    """Each list's text condition on its own: (model, term -> Q)."""
    interaction = crm.INTERACTION_INDEX
    return {
        "contacts": (Contact, crm.contact_text),
        "search": (Contact, lambda t: search.contains(crm.CONTACT_INDEX, crm.CONTACT_SEARCH_FIELDS, t)),
        # The contacts' part of a client search is the contacts' condition above.
        "clients": (Client, lambda t: search.contains(crm.CLIENT_INDEX, crm.CLIENT_LIST_FIELDS, t)),
        "projects": (Project, project_selectors._project_text),
        "tasks": (Task, lambda t: search.contains(project_selectors.TASK_INDEX, ("title", "description"), t)),
        "interactions": (Interaction, lambda t: search.contains(interaction, interaction.columns, t)),
        "lessons": (Lesson, lambda t: search.contains(LESSON_INDEX, LESSON_INDEX.columns, t)),
        "decisions": (Decision, lambda t: search.contains(DECISION_INDEX, DECISION_INDEX.columns, t)),
    }


KINDS = ["contacts", "search", "clients", "projects", "tasks", "interactions", "lessons", "decisions"]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(names, min_size=1, max_size=4), pick=st.data())
def test_same_answer_as_a_plain_scan(world, kind, texts, pick):
    for text in texts:
        _make(world, kind, text)
    # A piece of a stored text (found) or any text (mostly not found), in another case too.
    source = pick.draw(st.sampled_from(texts))
    start = pick.draw(st.integers(0, len(source)))
    term = pick.draw(st.one_of(st.just(source[start : start + 5]), names, st.just(source.upper()))).strip()
    if not term:
        return
    found, expected = _found(world, kind, term), _expected(world, kind, term)
    # Below the window a short term's recent rows are all rows, so it answers the same too.
    assert found == expected, (term, kind)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_long_terms_go_through_the_index(world, kind):
    _make(world, kind, "需求变更评审 Warehouse")
    with CaptureQueriesContext(connection) as ctx:
        assert _found(world, kind, "warehouse") == _expected(world, kind, "warehouse") != set()
    sql = "\n".join(q["sql"] for q in ctx.captured_queries)
    if connection.vendor == "sqlite":
        if search.sqlite_trigram():
            assert "_search WHERE" in sql and "MATCH" in sql, sql
        return
    # PostgreSQL answers the text condition from the trigram indexes when scans are priced out.
    model, match = _conditions(world)[kind]
    sql, params = model.objects.filter(match("warehouse")).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "trgm" in plan, plan


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_short_terms_look_among_recent_rows_only(world, kind, monkeypatch):
    monkeypatch.setattr(search, "RECENT_WINDOW", 3)
    old = _make(world, kind, "旧需求")
    for _ in range(3):
        _make(world, kind, "nothing")
    new = _make(world, kind, "新需求")
    found = _found(world, kind, "需求")
    assert new.pk in found and old.pk not in found
    # Three characters or more: everything.
    assert old.pk in _found(world, kind, "旧需求")


@pytest.mark.django_db
def test_a_client_named_only_by_an_old_contact_is_outside_a_short_terms_window(world, monkeypatch):
    """A short term looks among the newest contacts' names as among the newest clients: a client
    found only through an old contact is found by a term of three characters, not of two."""
    monkeypatch.setattr(search, "RECENT_WINDOW", 3)
    client = f.ClientFactory(organization=world.org, name="Northwind")
    f.ContactFactory(client=client, last_name="欧阳明")
    for _ in range(3):
        f.ContactFactory(client=world.client, last_name="Other")

    def found(term):
        return set(crm.client_list(world.org.pk, q=term).values_list("pk", flat=True))

    assert client.pk not in found("欧阳")
    assert client.pk in found("欧阳明")
    f.ContactFactory(client=client, last_name="欧阳")
    assert client.pk in found("欧阳")


@pytest.mark.django_db
class TestNotices:
    @pytest.mark.parametrize("language", ["en", "zh-hans"])
    def test_api_says_it_shows_recent_matches(self, world, language):
        api = world.api(world.member)
        page = api.get("/contacts", {"q": "Li"}, headers={**api.headers, "Accept-Language": language}).json()
        assert [c["id"] for c in page["items"]] == [world.contact.pk]
        assert page["notice"] and (
            "recent" in page["notice"] if language == "en" else "最近" in page["notice"]
        )
        assert api.get("/contacts", {"q": "李娜的"}).json()["notice"] is None

    @pytest.mark.parametrize("path", ["/clients/", "/search/", "/projects/", "/lessons/"])
    def test_pages_say_they_show_recent_matches(self, world, path):
        page = world.http(world.manager).get(path, {"q": "Li"}, headers={"Accept-Language": "en"})
        assert page.status_code == 200
        assert "Showing recent matches" in page.content.decode()
        page = world.http(world.manager).get(path, {"q": "Lin"}, headers={"Accept-Language": "en"})
        assert "Showing recent matches" not in page.content.decode()


@pytest.mark.django_db
class TestCounts:
    def _queries(self, api, params) -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as ctx:
            body = api.get("/contacts", params).json()
        return len(ctx.captured_queries), body

    def test_a_total_costs_one_query_and_only_when_asked_for(self, world):
        for i in range(5):
            f.ContactFactory(client=world.client, first_name=f"Anna{i}")
        api = world.api(world.member)
        api.get("/contacts")  # the token's first use is recorded once
        plain, body = self._queries(api, {"limit": 2})
        assert body["count"] is None and len(body["items"]) == 2
        exact, body = self._queries(api, {"limit": 2, "count": "exact"})
        assert exact == plain + 1 and body["count"] == 6
        searched, _ = self._queries(api, {"limit": 2, "q": "anna"})
        estimate, body = self._queries(api, {"limit": 2, "count": "estimate", "q": "anna"})
        assert estimate == searched + 1 and body["count"] >= 1
        if connection.vendor == "sqlite":
            assert body["count"] == 5
        # More rows: the default page still makes the same number of queries.
        for i in range(20):
            f.ContactFactory(client=world.client)
        assert self._queries(api, {"limit": 2})[0] == plain

    def test_an_unknown_count_is_a_422(self, world):
        response = world.api(world.member).get("/contacts", {"count": "all"})
        assert response.status_code == 422


@pytest.mark.django_db
class TestCommonTermPages:
    """A common term's page is looked for among the newest rows first (PostgreSQL): the pages are
    the ones the plain read gives, whether or not the newest rows hold a whole page."""

    def _pages(self, api, term, limit=2) -> list[list[int]]:
        pages, cursor = [], None
        while True:
            params = {"q": term, "limit": limit, **({"cursor": cursor} if cursor else {})}
            body = api.get("/contacts", params).json()
            pages.append([item["id"] for item in body["items"]])
            cursor = body["next_cursor"]
            if not cursor:
                return pages

    @pytest.mark.parametrize("window", [3, 6, 1000])
    def test_pages_are_those_of_the_plain_read(self, world, monkeypatch, window):
        from accord.core import pagination

        monkeypatch.setattr(pagination, "PROBE_ROWS", window)
        # Matches and others interleaved: some windows hold a page, some do not.
        for i in range(12):
            f.ContactFactory(client=world.client, first_name="Smithers" if i % 3 else f"Other{i}")
        expected = list(
            Contact.objects.filter(organization_id=world.org.pk, first_name__icontains="smith")
            .order_by("-pk")
            .values_list("pk", flat=True)
        )
        pages = self._pages(world.api(world.member), "SMITH")
        assert [pk for page in pages for pk in page] == expected
        assert all(len(page) == 2 for page in pages[:-1])

    def test_the_newest_rows_answer_when_they_hold_a_page(self, world, monkeypatch):
        from accord.core import pagination

        monkeypatch.setattr(pagination, "PROBE_ROWS", 3)
        f.ContactFactory(client=world.client, first_name="Smithers")  # old: not needed
        newest = [f.ContactFactory(client=world.client, first_name="Smithson").pk for _ in range(3)]
        qs = search.text_filter(
            Contact.objects.filter(organization_id=world.org.pk), "smith", crm.contact_text
        )
        rows = pagination._newest(qs.order_by("-pk"), None, 3)
        assert [row.pk for row in rows] == newest[::-1]
        # Four wanted, three in the window: the caller reads the plain way.
        assert pagination._newest(qs.order_by("-pk"), None, 4) is None
        # A window as large as the table: what it holds is the whole answer, however short.
        monkeypatch.setattr(pagination, "PROBE_ROWS", Contact._base_manager.count())
        everything = list(qs.order_by("-pk").values_list("pk", flat=True))
        assert [row.pk for row in pagination._newest(qs.order_by("-pk"), None, 10)] == everything
        monkeypatch.setattr(pagination, "PROBE_ROWS", Contact._base_manager.count() - 1)
        assert pagination._newest(qs.order_by("-pk"), None, 10) is None


@pytest.mark.django_db
def test_a_term_across_two_columns_is_not_found(world):
    """The contacts' document joins their columns with spaces: a term that spans that space ("a B"
    of "Anna" and "Berg") is in the document but in no column, and is not found."""
    contact = f.ContactFactory(client=world.client, first_name="Anna", last_name="Berg", title="")
    assert _found(world, "search", "Anna") == {contact.pk} == _found(world, "search", "NNA")
    assert _found(world, "search", "a B") == set() == _expected(world, "search", "a B")
