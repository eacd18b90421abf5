"""Read-side queries for the CRM: lists with what their pages show annotated, and search."""

from __future__ import annotations

import datetime as dt
import functools

from django.db import connection
from django.db.models import (
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.utils import timezone

from accord.core.search import TextIndex, contains, is_short, recent, text_filter, unindexed_order
from accord.lib.expressions import CountOf
from accord.tenancy.models import Invitation, Role

from .models import Client, Contact, Interaction

SEARCH_LIMIT = 25
TIMELINE_PAGE = 50
SEARCH_MAX_CHARS = 100


def _count_of(model, *, filters: Q | None = None) -> CountOf:
    """A correlated COUNT of ``model`` rows of each client (no join fan-out, one query).

    The organisation is matched too, so that the tables' organisation-first indexes serve it."""
    rows = model.objects.all() if filters is None else model.objects.filter(filters)
    return CountOf(rows, organization="organization_id", client="pk")


def client_list(
    organization_id: int,
    *,
    q: str = "",
    status: str = "",
    industry: str = "",
    tag: str = "",
    owner_id: int | None = None,
) -> QuerySet[Client]:
    """Clients of an organisation, filtered, with contact/project/open-follow-up counts and
    the date of the last interaction annotated."""
    # Projects stand above the CRM: their model is reached through the reverse relation.
    project_model = Client._meta.get_field("projects").related_model
    qs = Client.objects.filter(organization_id=organization_id)
    if status:
        qs = qs.filter(status=status)
    if industry:
        qs = qs.filter(industry=industry)
    if tag:
        qs = qs.filter(tags__icontains=tag.strip())
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    q = (q or "").strip()[:SEARCH_MAX_CHARS]
    qs = text_filter(qs, q, functools.partial(client_text, organization_id))
    last = (
        Interaction.objects.filter(organization_id=OuterRef("organization_id"), client=OuterRef("pk"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    return qs.select_related("owner").annotate(
        contacts_count=_count_of(Contact),
        projects_count=_count_of(project_model),
        open_follow_ups=_count_of(
            Interaction, filters=Q(follow_up_on__isnull=False, follow_up_done_at__isnull=True)
        ),
        last_interaction_at=Subquery(last),
    )


def contact_list(organization_id: int) -> QuerySet[Contact]:
    return Contact.objects.filter(organization_id=organization_id).select_related("client")


def interaction_list(organization_id: int) -> QuerySet[Interaction]:
    """Interactions with what a list shows: client, project, owners and contacts (prefetched)."""
    return (
        Interaction.objects.filter(organization_id=organization_id)
        .select_related("client", "project", "created_by", "follow_up_owner")
        .prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.order_by("last_name", "first_name", "id"))
        )
    )


# What a page shows of a user (``str(user)``).
SHOWN_USER_FIELDS = ("full_name", "email")


def client_timeline(
    client: Client, *, kind: str = "", before: int | None = None, limit: int = TIMELINE_PAGE
) -> tuple[list[Interaction], bool]:
    """A page of the client's interactions, newest first, and whether older ones follow.

    ``before``: the id of the last interaction of the previous page (keyset paging: any page
    costs what the first does); an id not on this timeline gives an empty page."""
    # The client is known: its row is not read again with every interaction.
    qs = (
        interaction_list(client.organization_id)
        .filter(client=client)
        .select_related(None)
        .select_related("project", "created_by", "follow_up_owner")
        # Of the project and the people, what the timeline shows: their whole rows (a user's with
        # its password hash) cost the page more to read and build than its query.
        .only(
            *(field.name for field in Interaction._meta.concrete_fields),
            "project__name",
            *(
                f"{person}__{name}"
                for person in ("created_by", "follow_up_owner")
                for name in SHOWN_USER_FIELDS
            ),
        )
    )
    if kind:
        qs = qs.filter(kind=kind)
    if before is not None:
        last = qs.filter(pk=before).values("occurred_at").order_by()[:1]
        qs = qs.filter(Q(occurred_at__lt=Subquery(last)) | Q(occurred_at=Subquery(last), pk__lt=before))
    rows = list(qs.order_by("-occurred_at", "-id")[: limit + 1])
    for row in rows:
        row.client = client
    return rows[:limit], len(rows) > limit


def open_follow_ups(organization_id: int, *, client: Client | None = None, until: dt.date | None = None):
    qs = Interaction.objects.filter(
        organization_id=organization_id, follow_up_on__isnull=False, follow_up_done_at__isnull=True
    ).select_related("client", "follow_up_owner")
    if client is not None:
        qs = qs.filter(client=client)
    if until is not None:
        qs = qs.filter(follow_up_on__lte=until)
    return qs.order_by("follow_up_on", "id")


CONTACT_SEARCH_FIELDS = (
    "first_name",
    "last_name",
    "name_local",
    "email",
    "email_secondary",
    "title",
    "phone",
    "mobile",
    "wechat",
    "wecom",
    "dingtalk",
    "feishu",
    "slack",
    "teams",
)
# The indexes of migrations 0003 and 0007 (contacts: 0003, then 0008; clients: 0007, then 0010).
CONTACT_INDEX = TextIndex(
    "crm_contact",
    CONTACT_SEARCH_FIELDS,
    fts="crm_contact_search",
    # One index over all of them joined by spaces, the document migration 0008 keeps.
    pg_document="contact_document_trgm_idx",
    # Kept by the database (migration 0008).
    pg_column="search_document",
)
INTERACTION_INDEX = TextIndex("crm_interaction", ("summary", "body"), fts="crm_interaction_search")
CLIENT_INDEX = TextIndex(
    "crm_client",
    ("name", "tags", "business", "goals", "priorities", "notes"),
    fts="crm_client_search",
    # Kept by the database (migration 0010), as the contacts' is.
    pg_document="client_document_trgm_idx",
    pg_column="search_document",
)
CLIENT_LIST_FIELDS = ("name", "tags", "business")
CONTACT_NAME_FIELDS = ("name_local", "last_name", "first_name")
CONTACT_LIST_FIELDS = ("first_name", "last_name", "name_local", "title", "email")


def client_text(organization_id: int, query: str) -> Q:
    """Clients whose name, tags or business, or one of whose contacts' names, contain ``query``:
    the client lists' search (web, API, export), each part through its index. A short term is
    looked for among the newest contacts' names only, as among the newest clients."""
    contacts = Contact.objects.filter(organization_id=organization_id)
    if is_short(query):
        contacts = recent(contacts)
    named = contacts.filter(contains(CONTACT_INDEX, CONTACT_NAME_FIELDS, query))
    return contains(CLIENT_INDEX, CLIENT_LIST_FIELDS, query) | Q(pk__in=named.values("client_id"))


def contact_text(query: str) -> Q:
    """Contacts whose names, title or e-mail address contain ``query``: the contact lists' search."""
    return contains(CONTACT_INDEX, CONTACT_LIST_FIELDS, query)


def interaction_text(qs: QuerySet[Interaction], query: str) -> QuerySet[Interaction]:
    """Interactions of ``qs`` whose summary or details contain ``query`` (any case); a term of
    one or two characters among the newest ones only (``accord.core.search``)."""
    return text_filter(qs, query, lambda term: contains(INTERACTION_INDEX, ("summary", "body"), term))


def search(organization_id: int, query: str, *, limit: int = SEARCH_LIMIT) -> dict[str, list]:
    """Clients, contacts and interactions whose text contains ``query`` (any case, any script);
    a term of one or two characters among the newest rows of each only."""
    query = (query or "").strip()[:SEARCH_MAX_CHARS]
    if not query:
        return {"clients": [], "contacts": [], "interactions": []}
    clients = text_filter(
        Client.objects.filter(organization_id=organization_id),
        query,
        lambda term: contains(CLIENT_INDEX, CLIENT_INDEX.columns, term),
    )
    contacts = text_filter(
        Contact.objects.filter(organization_id=organization_id),
        query,
        lambda term: contains(CONTACT_INDEX, CONTACT_SEARCH_FIELDS, term),
    )
    # The page's ids first, in name order: sorted alone, a common name's thousands of matches
    # are not joined to their clients nor carried whole through the sort. Their clients are read
    # apart: joined, PostgreSQL hashed every client of the organisation for 25 contacts.
    shown = _first_contacts(organization_id, contacts, query, limit)
    found = list(Contact.objects.filter(organization_id=organization_id, pk__in=shown)) if shown else []
    prefetch_related_objects(found, "client")
    return {
        "clients": list(clients[:limit]),
        "contacts": found,
        "interactions": _newest_interactions(organization_id, query, limit),
    }


# The first contacts in name order a search term's page is looked for in first (PostgreSQL).
PROBE_CONTACTS = 5_000


def _first_contacts(organization_id: int, matches: QuerySet[Contact], query: str, limit: int) -> list[int]:
    """The ids of the first ``limit`` of ``matches`` in name order (the contacts' ordering).

    On PostgreSQL a term of three characters or more is looked for among the first
    ``PROBE_CONTACTS`` contacts in name order first: those up to the last name of the contact at
    that place, a range of the name index. A common name's page is there, read down the index
    (13,799 of 100,000 contacts for "Smith": 8 ms → 0.3 ms). Otherwise its matches are few and
    are read through the trigram index and sorted, in an order no index serves, so that a
    planner that took a rare term for a common one cannot walk every contact by name instead
    (``unindexed_order``). When the range holds a page, every other match comes after
    all of it (a later last name): the answer is the plain query's."""
    ids = matches.values_list("pk", flat=True)
    if connection.vendor != "postgresql":
        return list(ids[:limit])
    unindexed = ids.order_by(*unindexed_order(*Contact._meta.ordering))
    if is_short(query):
        # Among the newest contacts (a range of ids): their matches sorted. Walking the name
        # index instead tested every contact of the organisation for a term those held few of.
        return list(unindexed[:limit])
    names = Contact.objects.filter(organization_id=organization_id).values_list("last_name", flat=True)
    last = names[PROBE_CONTACTS - 1 : PROBE_CONTACTS].first()
    if last is None:  # fewer contacts than that: the range is all of them
        return list(ids[:limit])
    shown = list(ids.filter(last_name__lte=last)[:limit])
    if len(shown) == limit:
        return shown
    return list(unindexed[:limit])


# The newest interactions a search term's page is looked for in first (PostgreSQL).
PROBE_INTERACTIONS = 5_000


def _newest_interactions(organization_id: int, query: str, limit: int) -> list[Interaction]:
    """The ``limit`` newest interactions (by date) whose text contains ``query``.

    On PostgreSQL a term of three characters or more is looked for among the newest
    ``PROBE_INTERACTIONS`` first (a range of the date index): a common term's page is there.
    Otherwise its matches are few and are read through the trigram index, in an order no index
    serves, so that the planner cannot choose to walk every interaction by date instead
    (``accord.core.search.unindexed_order``). When the window holds a page, every other
    match is older than all of it: the answer is the plain query's."""
    everything = Interaction.objects.filter(organization_id=organization_id)
    matches = interaction_text(everything, query)
    order = ("-occurred_at", "-id")
    rows = None
    if connection.vendor == "postgresql" and not is_short(query):
        since = (
            everything.order_by("-occurred_at")
            .values_list("occurred_at", flat=True)[PROBE_INTERACTIONS - 1 : PROBE_INTERACTIONS]
            .first()
        )
        if since is not None:
            rows = list(matches.filter(occurred_at__gte=since).order_by(*order)[:limit])
            if len(rows) < limit:
                rows = list(matches.order_by(*unindexed_order("-occurred_at", "-id"))[:limit])
    if rows is None:
        rows = list(matches.order_by(*order)[:limit])
    # The clients of the page are read apart: joined, SQLite led with the clients and read each
    # one's interactions.
    prefetch_related_objects(rows, "client")
    return rows


def client_queryset(organization_id: int) -> QuerySet[Client]:
    return Client.objects.filter(organization_id=organization_id)


# --- who may change a contact's portal identity ------------------------------------------------


def contact_has_portal_access(contact: Contact) -> bool:
    """The contact has a portal account, or an invitation to one that can still be accepted."""
    if contact.portal_user_id:
        return True
    return Invitation.objects.filter(
        organization_id=contact.organization_id,
        contact_id=contact.pk,
        accepted_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).exists()


def clients_with_managed_access(member) -> set[int] | None:
    """The clients whose portal access ``member`` manages: None for all of them (owners and
    admins), else the ids of the clients of projects they manage (one query)."""
    if member is None:
        return set()
    if member.role in (Role.OWNER, Role.ADMIN):
        return None
    if member.role != Role.MANAGER:
        return set()
    # Projects stand above the CRM: through the reverse relation of Project.client.
    return set(
        Client.objects.filter(
            projects__organization_id=member.organization_id, projects__manager_id=member.user_id
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def can_manage_client_access(member, client: Client) -> bool:
    """Owners and admins, or the manager of at least one project of ``client``: they decide who
    speaks for the client in the portal (invitations, a portal contact's e-mail address)."""
    if member is None or client.organization_id != member.organization_id:
        return False
    managed = clients_with_managed_access(member)
    return managed is None or client.pk in managed


class PortalStatus:
    ACTIVE = "active"
    INVITED = "invited"
    NONE = "none"


def with_portal_status(contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    """Annotate ``portal_active`` (an account with an active membership) and ``portal_invited``
    (an invitation that can still be accepted); ``portal_status()`` reads them."""
    from django.db.models import Exists

    from accord.tenancy.models import Membership

    return contacts.annotate(
        portal_active=Exists(
            Membership.objects.filter(
                organization_id=OuterRef("organization_id"),
                user_id=OuterRef("portal_user_id"),
                role=Role.CLIENT,
                is_active=True,
            )
        ),
        portal_invited=Exists(
            Invitation.objects.filter(
                organization_id=OuterRef("organization_id"),
                contact_id=OuterRef("pk"),
                accepted_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
        ),
    )


def portal_status(contact: Contact) -> str:
    """active / invited / none for a contact annotated by ``with_portal_status``."""
    if getattr(contact, "portal_active", False):
        return PortalStatus.ACTIVE
    if getattr(contact, "portal_invited", False):
        return PortalStatus.INVITED
    return PortalStatus.NONE
