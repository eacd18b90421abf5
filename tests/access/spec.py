"""The access matrix's vocabulary. Every app declares rows for each of its URLs and API
operations in ``accord/<app>/tests/access_rows.py`` as ``ROWS: list[Row]``; the matrix test
(tests/access/test_matrix.py) collects them, fails for any URL or operation without a row,
and checks every row for every role on three objects:

* ``own``            — built by ``make(world, world.project)``: the caller's own project
                       (the member is on it, the client contact is a stakeholder of it);
* ``other_project``  — built by ``make(world, world.other_project)``: same organisation, a
                       project the member is not on and the client contact is not part of;
* ``foreign``        — built by ``make(world, world.foreign_project)``: another organisation,
                       whose admin is the ``outsider``.

Roles: anonymous, client (a client contact with a portal account), member, manager, admin,
outsider (admin of the other organisation).

``expect`` gives the status each role gets on the ``own`` object. Unless the row says
otherwise: on ``other_project`` the member gets 404 and the client gets 404 on portal routes
(their team-side redirect stays), everyone else what they got on ``own``; on ``foreign``
every signed-in role gets 404 except the outsider, who gets what ``admin`` gets on ``own``;
anonymous, and the client on team-side web pages, get what they get on ``own`` (they are turned
away to the sign-in page or the portal before anything is looked up, so nothing is revealed).

Each request runs inside a transaction that is rolled back afterwards, so the rows do not
disturb each other. For a write that is denied, the runner compares the row counts and
contents of ``tables`` before and after: a refused write must change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = ("anonymous", "client", "member", "manager", "admin", "outsider")
SCOPES = ("own", "other_project", "foreign")

# Common expectations, for brevity in the rows.
TEAM_READ = {"anonymous": 302, "client": 302, "member": 200, "manager": 200, "admin": 200, "outsider": 404}
TEAM_WRITE_FORM = {
    "anonymous": 302,
    "client": 302,
    "member": 302,
    "manager": 302,
    "admin": 302,
    "outsider": 404,
}
API_READ = {"anonymous": 401, "client": 403, "member": 200, "manager": 200, "admin": 200, "outsider": 404}


@dataclass
class Row:
    # Web: the URL name, "namespace:name". API: "METHOD /api/v1/path/{param}" exactly as in
    # the OpenAPI schema (e.g. "GET /api/v1/clients/{client_id}").
    route: str
    # HTTP method for web rows (API rows carry it in ``route``).
    method: str = "GET"
    # Builds the object the request is about, for a given project (see scopes above). None
    # for routes that are not about one object (lists, create forms, the dashboard): the
    # runner then checks only the ``own`` scope plus the outsider.
    make: Callable[[Any, Any], Any] | None = None
    # The URL path from the object ``make`` returned (or from ``world`` when make is None).
    path: Callable[[Any], str] | None = None
    # Form data (web) or JSON body (API) for the request, from the object / world.
    data: Callable[[Any], dict] | None = None
    # Status per role on the ``own`` object. A tuple allows several (e.g. (200, 302)).
    expect: dict[str, int | tuple[int, ...]] = field(default_factory=dict)
    # Overrides for the other scopes, per role.
    expect_other_project: dict[str, int | tuple[int, ...]] = field(default_factory=dict)
    expect_foreign: dict[str, int | tuple[int, ...]] = field(default_factory=dict)
    # "app_label.Model" names whose rows must be unchanged when a write is refused.
    tables: tuple[str, ...] = ()
    # A portal route (client-facing): the client's default on other_project is 404.
    portal: bool = False
    note: str = ""
