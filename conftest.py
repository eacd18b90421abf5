"""The shared fixture: an organisation with an owner, an admin, a manager, a member and a
client contact; a second project the member is not on; and an outsider who administers
another organisation with its own project."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.utils import translation

from accord.tenancy.models import Role
from accord.tenancy.services import api_token_create
from accord.testing import factories as f

# raw_smtp / raw_smtp_7bit: real SMTP servers that keep each mail's envelope and raw bytes.
pytest_plugins = ["accord.testing.mailserver"]


@pytest.fixture(autouse=True)
def _each_test_starts_in_the_default_language():
    """A request or a mail in Chinese leaves its language active on the thread: without this, a
    later test in the same worker that formats or translates outside a request reads Chinese."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@dataclass
class World:
    org: object
    other_org: object
    owner: object
    admin: object
    manager: object
    member: object
    client_user: object
    outsider: object
    client: object
    contact: object
    project: object
    other_project: object
    foreign_client: object
    foreign_contact: object
    foreign_project: object
    memberships: dict

    def http(self, user) -> HttpClient:
        """A browser session signed in as ``user`` (None: anonymous)."""
        http = HttpClient()
        if user is not None:
            http.force_login(user)
        return http

    def api(self, user) -> ApiClient:
        return ApiClient(self.memberships[user.pk] if user is not None else None)

    def as_member(self, user):
        """``user``'s membership: the ``actor`` a service takes."""
        return self.memberships[user.pk]

    def manager_of(self, project):
        """A membership that manages ``project`` (its organisation's manager here, the other
        organisation's admin there): the actor for setting data up through services."""
        return self.as_member(self.manager if project.organization_id == self.org.pk else self.outsider)


class ApiClient:
    """Calls /api/v1/ with a personal token of the given membership (None: no token)."""

    def __init__(self, membership):
        self.http = HttpClient()
        self.headers = {}
        if membership is not None:
            _token, raw = api_token_create(membership=membership, name="test")
            self.headers = {"Authorization": f"Bearer {raw}"}

    def _call(self, method, path, data=None, **extra):
        url = path if path.startswith("/api/") else f"/api/v1{path}"
        kwargs = {"headers": self.headers, **extra}
        files = [v for v in (data.values() if isinstance(data, dict) else ()) if hasattr(v, "seek")]
        if files:  # an upload: multipart, each file read from its start (a row sends it once per role)
            for upload in files:
                upload.seek(0)
            kwargs["data"] = data
        elif method in ("post", "put", "patch"):
            kwargs["content_type"] = "application/json"
            kwargs["data"] = data if data is not None else {}
        elif data is not None:
            kwargs["data"] = data
        return getattr(self.http, method)(url, **kwargs)

    def get(self, path, data=None, **extra):
        return self._call("get", path, data, **extra)

    def post(self, path, data=None, **extra):
        return self._call("post", path, data, **extra)

    def put(self, path, data=None, **extra):
        return self._call("put", path, data, **extra)

    def patch(self, path, data=None, **extra):
        return self._call("patch", path, data, **extra)

    def delete(self, path, **extra):
        return self._call("delete", path, None, **extra)


@pytest.fixture
def world(db) -> World:
    org = f.OrganizationFactory(name="Acme Delivery", default_currency="EUR")
    other_org = f.OrganizationFactory(name="Rival Works")
    memberships = {}

    def person(organization, role, email):
        m = f.MembershipFactory(organization=organization, role=role, user=f.UserFactory(email=email))
        memberships[m.user.pk] = m
        return m.user

    owner = person(org, Role.OWNER, "owner@acme.example")
    admin = person(org, Role.ADMIN, "admin@acme.example")
    manager = person(org, Role.MANAGER, "manager@acme.example")
    member = person(org, Role.MEMBER, "member@acme.example")
    client_user = person(org, Role.CLIENT, "li.na@client.example")
    outsider = person(other_org, Role.ADMIN, "admin@rival.example")

    client = f.ClientFactory(organization=org, name="Huaxin Manufacturing 华信制造")
    contact = f.ContactFactory(
        client=client,
        first_name="Na",
        last_name="Li",
        name_local="李娜",
        email="li.na@client.example",
        portal_user=client_user,
    )
    project = f.ProjectFactory(client=client, name="ERP rollout", manager=manager)
    project.team.add(member)
    project.contacts.add(contact)
    other_project = f.ProjectFactory(client=client, name="Data migration", manager=manager)
    foreign_client = f.ClientFactory(organization=other_org, name="Rival Client")
    foreign_contact = f.ContactFactory(client=foreign_client)
    foreign_project = f.ProjectFactory(client=foreign_client, name="Rival project", manager=outsider)
    return World(
        org=org,
        other_org=other_org,
        owner=owner,
        admin=admin,
        manager=manager,
        member=member,
        client_user=client_user,
        outsider=outsider,
        client=client,
        contact=contact,
        project=project,
        other_project=other_project,
        foreign_client=foreign_client,
        foreign_contact=foreign_contact,
        foreign_project=foreign_project,
        memberships=memberships,
    )
