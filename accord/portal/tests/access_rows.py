"""Access matrix rows for the client portal's own pages (see tests/access/spec.py).

Portal pages are for client contacts: team members who open one are sent to their dashboard
(302) before any object is looked up, so they get 302 in every scope.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.utils import timezone

from accord.changes.models import ChangeRequest, ChangeStatus
from accord.portal.models import SignInLink
from accord.tenancy.models import hash_token
from accord.testing import factories as f
from tests.access.spec import Row

TEAM_REDIRECT = {"member": 302, "manager": 302, "admin": 302}
PORTAL_PAGE = {"anonymous": 302, "client": 200, **TEAM_REDIRECT, "outsider": 302}
PORTAL_WRITE = {"anonymous": 302, "client": 302, **TEAM_REDIRECT, "outsider": 302}


def portal_row(route, *, expect, **kwargs) -> Row:
    """A portal row on a project's object: the client gets 404 outside their projects."""
    kwargs.setdefault("expect_other_project", dict(TEAM_REDIRECT))
    kwargs.setdefault("expect_foreign", dict(TEAM_REDIRECT))
    return Row(route, expect=expect, portal=True, **kwargs)


def _project(world, project):
    return project


def _assessed_change(world, project):
    return ChangeRequest.objects.create(
        organization=project.organization,
        project=project,
        title="Matrix change",
        status=ChangeStatus.ASSESSED,
        requested_on=timezone.localdate(),
        currency=project.currency,
        schedule_days=3,
        assessed_at=timezone.now(),
    )


def _contact(world, project):
    return f.ContactFactory(client=project.client, email=f"invitee-{secrets.token_hex(4)}@client.example")


def _signin_path(world):
    raw = secrets.token_urlsafe(16)
    SignInLink.objects.create(
        organization=world.org,
        user=world.client_user,
        contact=world.contact,
        token_hash=hash_token(raw),
        expires_at=timezone.now() + dt.timedelta(minutes=15),
    )
    return f"/portal/signin/link/{raw}/"


TEAM_FORM = {"anonymous": 302, "client": 302, "member": 200, "manager": 200, "admin": 200, "outsider": 404}
TEAM_POST = {"anonymous": 302, "client": 302, "member": 302, "manager": 302, "admin": 302, "outsider": 404}
# Contacts are shared by the whole team: the member reaches those of other projects' clients.
SHARED = {"member": 200}
SHARED_POST = {"member": 302}

ROWS = [
    Row("portal:home", path=lambda w: "/portal/", expect=PORTAL_PAGE, portal=True),
    Row(
        "portal:logo",
        path=lambda w: "/portal/logo/",
        expect={**PORTAL_PAGE, "client": 404},
        portal=True,
        note="no logo uploaded: 404",
    ),
    portal_row(
        "portal:project", make=_project, path=lambda p: f"/portal/projects/{p.pk}/", expect=PORTAL_PAGE
    ),
    Row(
        "portal:link_request",
        path=lambda w: "/portal/signin/link/",
        expect=dict.fromkeys(("anonymous", "client", "member", "manager", "admin", "outsider"), 200),
    ),
    Row(
        "portal:link_request",
        method="POST",
        path=lambda w: "/portal/signin/link/",
        data=lambda w: {"email": "li.na@client.example"},
        # The same answer for everyone; past three requests for one address: 429.
        expect=dict.fromkeys(("anonymous", "client", "member", "manager", "admin", "outsider"), (200, 429)),
    ),
    Row(
        "portal:link_signin",
        path=_signin_path,
        expect=dict.fromkeys(("anonymous", "client", "member", "manager", "admin", "outsider"), 200),
        note="a valid link shows a confirmation page to anyone holding it",
    ),
    Row(
        "portal:link_signin",
        method="POST",
        path=_signin_path,
        expect=dict.fromkeys(("anonymous", "client", "member", "manager", "admin", "outsider"), 302),
        note="holding the link is the credential; each request is rolled back, so each role may use it",
    ),
    Row(
        "portal:client_contacts",
        path=lambda w: "/portal/contacts/",
        # Client contacts with their portal status: any team member (invite buttons per the rule).
        expect={
            "anonymous": 302,
            "client": 302,
            "member": 200,
            "manager": 200,
            "admin": 200,
            "outsider": 200,
        },
    ),
    Row(
        "portal:invite_contact",
        make=_contact,
        path=lambda c: f"/portal/invite/contact/{c.pk}/",
        expect=TEAM_FORM,
        expect_other_project=SHARED,
        expect_foreign={"client": 302},
    ),
    Row(
        "portal:invite_contact",
        method="POST",
        make=_contact,
        path=lambda c: f"/portal/invite/contact/{c.pk}/",
        # Inviting makes someone speak for the client: admins and the client's project managers.
        expect={**TEAM_POST, "member": 403},
        expect_other_project={"member": 403},
        expect_foreign={"client": 302},
        tables=("tenancy.Invitation",),
    ),
    # --- pages for other areas: change requests and risks
    portal_row(
        "portal:changes",
        make=_project,
        path=lambda p: f"/portal/projects/{p.pk}/changes/",
        expect=PORTAL_PAGE,
    ),
    portal_row(
        "portal:change_create",
        make=_project,
        path=lambda p: f"/portal/projects/{p.pk}/changes/new/",
        expect=PORTAL_PAGE,
    ),
    portal_row(
        "portal:change_create",
        method="POST",
        make=_project,
        path=lambda p: f"/portal/projects/{p.pk}/changes/new/",
        data=lambda p: {"title": "Matrix change request", "reason": "Needed"},
        expect=PORTAL_WRITE,
        tables=("changes.ChangeRequest",),
    ),
    portal_row(
        "portal:change_detail",
        make=_assessed_change,
        path=lambda c: f"/portal/changes/{c.pk}/",
        expect=PORTAL_PAGE,
    ),
    portal_row(
        "portal:change_decide",
        method="POST",
        make=_assessed_change,
        path=lambda c: f"/portal/changes/{c.pk}/decide/",
        data=lambda c: {"decision": "approve", "name": "Li Na", "comment": "OK"},
        # The shared fixture's client contact is a key user, not an approver: refused.
        expect={**PORTAL_WRITE, "client": 403},
        tables=("changes.ChangeRequest",),
    ),
    portal_row(
        "portal:risks", make=_project, path=lambda p: f"/portal/projects/{p.pk}/risks/", expect=PORTAL_PAGE
    ),
    portal_row(
        "portal:decisions",
        make=_project,
        path=lambda p: f"/portal/projects/{p.pk}/decisions/",
        expect=PORTAL_PAGE,
    ),
]
