"""REST API search (/api/v1/search): the selector the web search page uses, for the whole team of
the caller's organisation, typed per kind of result."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema

from accord.tenancy.access import require_team

from . import selectors

router = Router(tags=["search"])

MAX_SEARCH_LIMIT = 50


class SearchQuery(Schema):
    q: str = Field(
        ...,
        min_length=1,
        max_length=selectors.SEARCH_MAX_CHARS,
        description="Any part of a word, in any case and script.",
    )
    limit: int = Field(selectors.SEARCH_LIMIT, ge=1, le=MAX_SEARCH_LIMIT, description="Results per kind.")


class ClientHit(Schema):
    id: int
    name: str
    status: str
    industry: str
    tags: str


class ContactHit(Schema):
    id: int
    display_name: str
    title: str
    email: str
    client_id: int
    client: str


class InteractionHit(Schema):
    id: int
    kind: str
    summary: str
    occurred_at: dt.datetime
    client_id: int
    client: str
    project_id: int | None


class SearchOut(Schema):
    q: str
    limit: int = Field(..., description="Results per kind; a kind with this many may have more.")
    clients: list[ClientHit]
    contacts: list[ContactHit]
    interactions: list[InteractionHit]


@router.get("/search", response=SearchOut, summary="Search clients, contacts and interactions")
def search(request, query: Query[SearchQuery]):
    member = require_team(request.auth)
    q = query.q.strip()
    found = selectors.search(member.organization_id, q, limit=query.limit)
    return {
        "q": q,
        "limit": query.limit,
        "clients": found["clients"],
        "contacts": [
            {
                "id": c.pk,
                "display_name": c.display_name,
                "title": c.title,
                "email": c.email,
                "client_id": c.client_id,
                "client": c.client.name,
            }
            for c in found["contacts"]
        ],
        "interactions": [
            {
                "id": i.pk,
                "kind": i.kind,
                "summary": i.summary,
                "occurred_at": i.occurred_at,
                "client_id": i.client_id,
                "client": i.client.name,
                "project_id": i.project_id,
            }
            for i in found["interactions"]
        ],
    }
