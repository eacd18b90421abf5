"""Search through the substring indexes answers exactly what a plain ``icontains`` scan does."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accord.core import search
from accord.crm import selectors
from accord.crm.models import Contact, Interaction
from accord.testing import factories as f

TEXTS = [
    ("验收测试安排在下周", ""),
    ("需求变更评审会", "客户提出需求变更：增加报表导出"),
    ("Warehouse walkthrough", "验收标准已确认"),
    ("Status call", "warehouse staff trained; 需求调研 done"),
    ("周例会 weekly", "Müller asked about the WAREHOUSE budget"),
    ("100% done_ok", 'a "quoted" word and 50%_off'),
    ("变更", "short"),
    ("Kickoff 启动会", ""),
]
CONTACTS = [
    {"first_name": "Anna", "last_name": "Müller", "name_local": "安娜", "email": "anna@warehouse.example"},
    {"first_name": "伟", "last_name": "王", "title": "需求变更负责人", "wechat": "wang_wei"},
    {
        "first_name": "Lukas",
        "last_name": "Schmidt",
        "teams": "lukas@验收测试.example",
        "phone": "+86 138 100%",
    },
    {"first_name": "Emma", "last_name": "Brown", "dingtalk": "emma_ok", "slack": '"quoted"'},
]
TERMS = [
    "验收",
    "验收测试",
    "需求变更",
    "变更",
    "warehouse",
    "WAREHOUSE",
    "wareh",
    "müller",
    "Müller",
    "需求调研 done",
    "%",
    "100%",
    "_ok",
    '"quoted"',
    "a",
    "nothing like this",
    "OR",
    "NEAR(",
]


def plain(organization_id: int, term: str) -> list[int]:
    """The reference answer: what search returned before the indexes existed."""
    return list(
        Interaction.objects.filter(organization_id=organization_id)
        .filter(Q(summary__icontains=term) | Q(body__icontains=term))
        .order_by("-occurred_at", "-id")
        .values_list("pk", flat=True)[: selectors.SEARCH_LIMIT]
    )


def plain_contacts(organization_id: int, term: str) -> list[int]:
    matches = Q()
    for name in selectors.CONTACT_SEARCH_FIELDS:
        matches |= Q(**{f"{name}__icontains": term})
    return list(
        Contact.objects.filter(organization_id=organization_id)
        .filter(matches)
        .values_list("pk", flat=True)[: selectors.SEARCH_LIMIT]
    )


@pytest.fixture
def timeline(world):
    now = timezone.now()
    for i, (summary, body) in enumerate(TEXTS * 4):
        f.InteractionFactory(
            client=world.client, summary=summary, body=body, occurred_at=now - dt.timedelta(hours=i)
        )
        f.InteractionFactory(client=world.foreign_client, summary=summary, body=body, occurred_at=now)
    for fields in CONTACTS * 2:
        f.ContactFactory(client=world.client, **fields)
        f.ContactFactory(client=world.foreign_client, **fields)
    return world


@pytest.mark.django_db
class TestIndexedSearch:
    @pytest.mark.parametrize("term", TERMS)
    def test_same_answer_as_a_plain_scan_and_only_the_organisation(self, timeline, term):
        results = selectors.search(timeline.org.pk, term)
        found = [i.pk for i in results["interactions"]]
        assert found == plain(timeline.org.pk, term)
        assert not Interaction.objects.filter(pk__in=found).exclude(organization=timeline.org).exists()
        contacts = [c.pk for c in results["contacts"]]
        assert contacts == plain_contacts(timeline.org.pk, term)
        assert not Contact.objects.filter(pk__in=contacts).exclude(organization=timeline.org).exists()

    def test_terms_find_what_they_should(self, timeline):
        def summaries(term):
            return {i.summary for i in selectors.search(timeline.org.pk, term)["interactions"]}

        assert summaries("需求变更") == {"需求变更评审会"}
        assert summaries("验收") == {"验收测试安排在下周", "Warehouse walkthrough"}
        assert summaries("warehouse") == {"Warehouse walkthrough", "Status call", "周例会 weekly"}

        def contacts(term):
            return {c.last_name for c in selectors.search(timeline.org.pk, term)["contacts"]}

        assert contacts("warehouse") == {"Müller"}
        assert contacts("需求变更") == {"王"}
        assert contacts("验收测试") == {"Schmidt"}
        assert contacts("WANG_W") == {"王"}

    def test_edits_and_deletes_reach_the_index(self, timeline):
        row = Interaction.objects.filter(organization=timeline.org, summary="Kickoff 启动会").first()
        row.summary = "Kickoff 上线验收测试"
        row.save()
        assert row.pk in [i.pk for i in selectors.search(timeline.org.pk, "上线验收")["interactions"]]
        assert row.pk not in [i.pk for i in selectors.search(timeline.org.pk, "启动会")["interactions"]]
        Interaction.objects.filter(organization=timeline.org, summary="需求变更评审会").delete()
        assert selectors.search(timeline.org.pk, "需求变更")["interactions"] == []

    def test_long_terms_go_through_the_indexes(self, timeline):
        with CaptureQueriesContext(connection) as ctx:
            selectors.search(timeline.org.pk, "需求变更")
        if connection.vendor == "sqlite":
            sql = "\n".join(q["sql"] for q in ctx.captured_queries)
            assert "crm_interaction_search" in sql and "crm_contact_search" in sql
            return
        # The text conditions as search builds them: with sequential scans priced out,
        # PostgreSQL answers them from the trigram indexes (so their expressions match).
        for qs, indexes in (
            (
                selectors.interaction_text(Interaction.objects.all(), "需求变更"),
                ["inter_summary_trgm_idx", "inter_body_trgm_idx"],
            ),
            (Contact.objects.filter(selectors.contact_text("需求变更")), ["contact_document_trgm_idx"]),
        ):
            sql, params = qs.values("pk").query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("EXPLAIN " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            assert all(name in plan for name in indexes), plan

    def test_short_terms_scan_instead(self, timeline):
        with CaptureQueriesContext(connection) as ctx:
            selectors.search(timeline.org.pk, "验收")
        sql = "\n".join(q["sql"] for q in ctx.captured_queries)
        assert "_search" not in sql and "MATCH" not in sql and "LIKE" not in sql.upper()
        if connection.vendor == "postgresql":
            # A trigram index cannot narrow a two-character term: reading all of it would
            # cost more than the scan, so the condition is one it cannot serve (the contacts'
            # document, all of whose columns a search reads, is tested as one text).
            contacts = Contact.objects.filter(
                search.contains(selectors.CONTACT_INDEX, selectors.CONTACT_SEARCH_FIELDS, "验收")
            )
            for matching in (selectors.interaction_text(Interaction.objects.all(), "验收"), contacts):
                sql, params = matching.values("pk").query.sql_with_params()
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL enable_seqscan = off")
                    cursor.execute("EXPLAIN " + sql, params)
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                assert "STRPOS" in sql.upper() and "trgm" not in plan, plan

    def test_api_filter_answers_as_search_does(self, timeline):
        api = timeline.api(timeline.member)
        for term in ("验收", "需求变更", "WAREHOUSE"):
            items = api.get("/interactions", {"q": term, "limit": 200}).json()["items"]
            expected = Interaction.objects.filter(organization=timeline.org).filter(
                Q(summary__icontains=term) | Q(body__icontains=term)
            )
            assert sorted(i["id"] for i in items) == sorted(expected.values_list("pk", flat=True))
            assert items


@pytest.mark.django_db
@pytest.mark.parametrize("window", [2, 8, 24, 1000])
def test_the_search_pages_newest_interactions_whichever_way_they_are_read(world, monkeypatch, window):
    """A term's newest interactions are looked for among the newest by date first; when those do
    not hold a page, the matches are read through the index and sorted. Either way the page is
    the plain query's, ties on the date broken by id."""
    monkeypatch.setattr(selectors, "PROBE_INTERACTIONS", window)
    now = timezone.now()
    for i in range(30):
        f.InteractionFactory(
            client=world.client,
            summary="Warehouse audit" if i % 4 == 0 else f"Other {i}",
            occurred_at=now - dt.timedelta(hours=i // 2),  # pairs on the same date
        )
    expected = list(
        Interaction.objects.filter(organization=world.org, summary__icontains="warehouse")
        .order_by("-occurred_at", "-id")
        .values_list("pk", flat=True)[:5]
    )
    found = [i.pk for i in selectors.search(world.org.pk, "WAREHOUSE", limit=5)["interactions"]]
    assert found == expected
    assert all(i.client.name for i in selectors.search(world.org.pk, "warehouse", limit=5)["interactions"])


@pytest.mark.django_db
@pytest.mark.parametrize("window", [2, 6, 15, 1000])
@pytest.mark.parametrize("term", ["berg", "SMITH", "ith", "li", "王"])
def test_the_search_pages_first_contacts_whichever_way_they_are_read(world, monkeypatch, window, term):
    """A term's first contacts in name order are looked for among the first by name first (up to
    the last name at the window's end, ties on it included); when those do not hold a page, the
    matches are read and sorted. Either way the page is the plain query's, ties broken by id."""
    monkeypatch.setattr(selectors, "PROBE_CONTACTS", window)
    names = [("Ann", "Smith"), ("Bo", "Smith"), ("Li", "Berg"), ("Cai", "Åberg"), ("Dan", "Smith")]
    names += [("Eve", "Zhou"), ("Fu", "王"), ("Gus", "Lindberg"), ("Hal", "Smithers"), ("Ivy", "Adams")]
    for i in range(3):
        for first, last in names:
            f.ContactFactory(
                client=world.client, first_name=first, last_name=last, email=f"{first}{i}@x.example"
            )
    f.ContactFactory(client=world.foreign_client, first_name="Ann", last_name="Smith")
    contacts = Contact.objects.filter(organization=world.org)
    expected = [
        c.pk
        for c in contacts.order_by("last_name", "first_name", "id")
        if any(
            term.casefold() in (getattr(c, name) or "").casefold() for name in selectors.CONTACT_SEARCH_FIELDS
        )
    ]
    if len(term) < 3:  # among the newest contacts only
        newest = set(contacts.order_by("-pk").values_list("pk", flat=True)[: search.RECENT_WINDOW])
        expected = [pk for pk in expected if pk in newest]
    found = [c.pk for c in selectors.search(world.org.pk, term, limit=5)["contacts"]]
    assert found == expected[:5]
    assert len(found) == min(5, len(expected))
