"""Access matrix rows for every CRM page and API operation (see tests/access/spec.py).

CRM records are shared by the whole team of an organisation, so unlike project data the
member also reaches them on ``other_project``'s client.
"""

from __future__ import annotations

import secrets

from django.utils import timezone

from accord.crm import services
from accord.testing import factories as f
from tests.access.spec import API_READ, TEAM_READ, TEAM_WRITE_FORM, Row

CRM = ("crm.Client", "crm.Contact", "crm.Interaction")

# Reads and writes: what the member gets on own, they also get on other_project.
READ = {**TEAM_READ}
SHARED_READ = {"member": 200}
SHARED_WRITE = {"member": 302}
LIST = {**TEAM_READ, "outsider": 200}
CREATE_FORM = {**TEAM_WRITE_FORM, "outsider": 302}
PUBLIC = dict.fromkeys(("anonymous", "client", "member", "manager", "admin", "outsider"), 200)
DELETE_PAGE = {"anonymous": 302, "client": 302, "member": 403, "manager": 200, "admin": 200, "outsider": 404}
DELETE_POST = {"anonymous": 302, "client": 302, "member": 403, "manager": 302, "admin": 302, "outsider": 404}

API_LIST = {**API_READ, "outsider": 200}
API_CREATE = {"anonymous": 401, "client": 403, "member": 201, "manager": 201, "admin": 201, "outsider": 201}
API_ONE = {**API_READ}
API_DELETE = {"anonymous": 401, "client": 403, "member": 204, "manager": 204, "admin": 204, "outsider": 404}
API_DELETE_CLIENT = {
    "anonymous": 401,
    "client": 403,
    "member": 403,
    "manager": 204,
    "admin": 204,
    "outsider": 404,
}


def _client(world, project):
    return project.client


def _fresh_client(world, project):
    """A client without projects (one with projects cannot be deleted)."""
    return f.ClientFactory(organization=project.organization, name="Deletable client")


def _contact(world, project):
    return f.ContactFactory(client=project.client, last_name="Matrix")


def _portal_contact(world, project):
    """A contact with a portal account: their e-mail address is who signs in as the client."""
    user = f.UserFactory(email=f"portal-{secrets.token_hex(4)}@client.example")
    f.MembershipFactory(organization=project.organization, user=user, role="client")
    return f.ContactFactory(client=project.client, last_name="Portal", email=user.email, portal_user=user)


# Changing a portal contact's address: admins and managers of the client's projects only.
IDENTITY_TABLES = (*CRM, "tenancy.Membership", "tenancy.Invitation", "portal.SignInLink")


def _unsubscribed_contact(world, project):
    contact = _contact(world, project)
    services.contact_unsubscribe(contact=contact, kind="surveys")
    return contact


def _interaction(world, project):
    return f.InteractionFactory(
        client=project.client, summary="Matrix call", follow_up_on=timezone.localdate()
    )


def _client_form(obj=None):
    return {
        "name": "Matrix client",
        "status": "active",
        "industry": "software",
        "language": "en",
        "timezone": "Europe/Berlin",
        "currency": "EUR",
        "preferred_channel": "email",
        "report_cadence": "weekly",
    }


def _contact_form(obj=None):
    return {
        "last_name": "Matrix",
        "role": "key_user",
        "preferred_channel": "email",
        "language": "en",
        "is_active": "on",
    }


def _interaction_form(obj=None):
    return {
        "kind": "call",
        "direction": "outbound",
        "occurred_at": "2026-11-20T10:00",
        "summary": "Matrix call 电话",
        "sentiment": "neutral",
    }


ROWS = [
    # --- web: clients
    Row("crm:client_list", path=lambda w: "/clients/", expect=LIST),
    Row("crm:client_create", path=lambda w: "/clients/new/", expect={**LIST}),
    Row(
        "crm:client_create",
        method="POST",
        path=lambda w: "/clients/new/",
        data=_client_form,
        expect=CREATE_FORM,
        tables=CRM,
    ),
    Row(
        "crm:client_detail",
        make=_client,
        path=lambda c: f"/clients/{c.pk}/",
        expect=READ,
        expect_other_project=SHARED_READ,
    ),
    Row(
        "crm:client_edit",
        make=_client,
        path=lambda c: f"/clients/{c.pk}/edit/",
        expect=READ,
        expect_other_project=SHARED_READ,
    ),
    Row(
        "crm:client_edit",
        method="POST",
        make=_client,
        path=lambda c: f"/clients/{c.pk}/edit/",
        data=_client_form,
        expect=TEAM_WRITE_FORM,
        expect_other_project=SHARED_WRITE,
        tables=CRM,
    ),
    Row(
        "crm:client_delete",
        make=_fresh_client,
        path=lambda c: f"/clients/{c.pk}/delete/",
        expect=DELETE_PAGE,
        expect_other_project={"member": 403},
    ),
    Row(
        "crm:client_delete",
        method="POST",
        make=_fresh_client,
        path=lambda c: f"/clients/{c.pk}/delete/",
        expect=DELETE_POST,
        expect_other_project={"member": 403},
        tables=CRM,
    ),
    # --- web: contacts
    Row(
        "crm:contact_create",
        make=_client,
        path=lambda c: f"/clients/{c.pk}/contacts/new/",
        expect=READ,
        expect_other_project=SHARED_READ,
    ),
    Row(
        "crm:contact_create",
        method="POST",
        make=_client,
        path=lambda c: f"/clients/{c.pk}/contacts/new/",
        data=_contact_form,
        expect=TEAM_WRITE_FORM,
        expect_other_project=SHARED_WRITE,
        tables=CRM,
    ),
    Row(
        "crm:contact_detail",
        make=_contact,
        path=lambda c: f"/contacts/{c.pk}/",
        expect=READ,
        expect_other_project=SHARED_READ,
    ),
    Row(
        "crm:contact_edit",
        make=_contact,
        path=lambda c: f"/contacts/{c.pk}/edit/",
        expect=READ,
        expect_other_project=SHARED_READ,
    ),
    Row(
        "crm:contact_edit",
        method="POST",
        make=_contact,
        path=lambda c: f"/contacts/{c.pk}/edit/",
        data=_contact_form,
        expect=TEAM_WRITE_FORM,
        expect_other_project=SHARED_WRITE,
        tables=CRM,
    ),
    Row(
        "crm:contact_edit",
        method="POST",
        make=_portal_contact,
        path=lambda c: f"/contacts/{c.pk}/edit/",
        data=lambda c: {**_contact_form(), "email": "taken.over@acme.example"},
        expect={**TEAM_WRITE_FORM, "member": 403},
        expect_other_project={"member": 403},
        tables=IDENTITY_TABLES,
        note="the e-mail of a contact with a portal account: a member is refused",
    ),
    Row(
        "crm:contact_delete",
        make=_contact,
        path=lambda c: f"/contacts/{c.pk}/delete/",
        expect=READ,
        expect_other_project=SHARED_READ,
    ),
    Row(
        "crm:contact_delete",
        method="POST",
        make=_contact,
        path=lambda c: f"/contacts/{c.pk}/delete/",
        expect=TEAM_WRITE_FORM,
        expect_other_project=SHARED_WRITE,
        tables=CRM,
    ),
    Row(
        "crm:contact_resubscribe",
        method="POST",
        make=_unsubscribed_contact,
        path=lambda c: f"/contacts/{c.pk}/resubscribe/",
        data=lambda c: {"kind": "surveys"},
        expect=TEAM_WRITE_FORM,
        expect_other_project=SHARED_WRITE,
        tables=("crm.MailOptOut",),
    ),
    # --- the public unsubscribe link: the signed token is the credential
    Row(
        "crm:unsubscribe",
        make=_contact,
        path=lambda c: f"/unsubscribe/{services.unsubscribe_token(c, 'surveys')}/",
        expect=PUBLIC,
        expect_other_project=PUBLIC,
        expect_foreign=PUBLIC,
    ),
    Row(
        "crm:unsubscribe",
        method="POST",
        make=_contact,
        path=lambda c: f"/unsubscribe/{services.unsubscribe_token(c, 'surveys')}/",
        data=lambda c: {"List-Unsubscribe": "One-Click"},
        expect=PUBLIC,
        expect_other_project=PUBLIC,
        expect_foreign=PUBLIC,
    ),
    Row(
        "crm:unsubscribe",
        method="POST",
        note="a token altered by hand: refused, nothing saved",
        make=_contact,
        path=lambda c: f"/unsubscribe/{services.unsubscribe_token(c, 'surveys')[:-3]}abc/",
        data=lambda c: {"List-Unsubscribe": "One-Click"},
        expect=dict.fromkeys(PUBLIC, 404),
        expect_other_project=dict.fromkeys(PUBLIC, 404),
        expect_foreign=dict.fromkeys(PUBLIC, 404),
        tables=("crm.MailOptOut",),
    ),
    # --- web: interactions
    Row(
        "crm:interaction_create",
        make=_client,
        path=lambda c: f"/clients/{c.pk}/interactions/new/",
        expect=READ,
        expect_other_project=SHARED_READ,
    ),
    Row(
        "crm:interaction_create",
        method="POST",
        make=_client,
        path=lambda c: f"/clients/{c.pk}/interactions/new/",
        data=_interaction_form,
        expect=TEAM_WRITE_FORM,
        expect_other_project=SHARED_WRITE,
        tables=CRM,
    ),
    Row(
        "crm:interaction_detail",
        make=_interaction,
        path=lambda i: f"/interactions/{i.pk}/",
        expect=READ,
        expect_other_project=SHARED_READ,
    ),
    Row(
        "crm:interaction_edit",
        make=_interaction,
        path=lambda i: f"/interactions/{i.pk}/edit/",
        expect=READ,
        expect_other_project=SHARED_READ,
    ),
    Row(
        "crm:interaction_edit",
        method="POST",
        make=_interaction,
        path=lambda i: f"/interactions/{i.pk}/edit/",
        data=_interaction_form,
        expect=TEAM_WRITE_FORM,
        expect_other_project=SHARED_WRITE,
        tables=CRM,
    ),
    Row(
        "crm:interaction_delete",
        make=_interaction,
        path=lambda i: f"/interactions/{i.pk}/delete/",
        expect=READ,
        expect_other_project=SHARED_READ,
    ),
    Row(
        "crm:interaction_delete",
        method="POST",
        make=_interaction,
        path=lambda i: f"/interactions/{i.pk}/delete/",
        expect=TEAM_WRITE_FORM,
        expect_other_project=SHARED_WRITE,
        tables=CRM,
    ),
    Row(
        "crm:interaction_follow_up_done",
        method="POST",
        make=_interaction,
        path=lambda i: f"/interactions/{i.pk}/follow-up-done/",
        expect=TEAM_WRITE_FORM,
        expect_other_project=SHARED_WRITE,
        tables=CRM,
    ),
    Row(
        "crm:markdown_preview",
        method="POST",
        path=lambda w: "/interactions/preview/",
        data=lambda w: {"body": "**bold** 加粗"},
        expect=LIST,
    ),
    Row("crm:search", path=lambda w: "/search/?q=华信", expect=LIST),
    # --- API: clients
    Row("GET /api/v1/clients", path=lambda w: "/api/v1/clients", expect=API_LIST),
    Row(
        "POST /api/v1/clients",
        path=lambda w: "/api/v1/clients",
        data=lambda w: {"name": "API client", "currency": "CNY", "timezone": "Asia/Shanghai"},
        expect=API_CREATE,
        tables=CRM,
    ),
    Row(
        "GET /api/v1/clients/{client_id}",
        make=_client,
        path=lambda c: f"/api/v1/clients/{c.pk}",
        expect=API_ONE,
        expect_other_project=SHARED_READ,
    ),
    Row(
        "PATCH /api/v1/clients/{client_id}",
        make=_client,
        path=lambda c: f"/api/v1/clients/{c.pk}",
        data=lambda c: {"goals": "Go live before Chinese New Year"},
        expect=API_ONE,
        expect_other_project=SHARED_READ,
        tables=CRM,
    ),
    Row(
        "DELETE /api/v1/clients/{client_id}",
        make=_fresh_client,
        path=lambda c: f"/api/v1/clients/{c.pk}",
        expect=API_DELETE_CLIENT,
        expect_other_project={"member": 403},
        tables=CRM,
    ),
    # --- API: contacts
    Row("GET /api/v1/contacts", path=lambda w: "/api/v1/contacts", expect=API_LIST),
    Row(
        "POST /api/v1/contacts",
        path=lambda w: "/api/v1/contacts",
        data=lambda w: {"client_id": w.client.pk, "name_local": "张敏", "email": "zhang.min@client.example"},
        # The outsider names a client of another organisation: refused on the field.
        expect={**API_CREATE, "outsider": 422},
        tables=CRM,
    ),
    Row(
        "GET /api/v1/contacts/{contact_id}",
        make=_contact,
        path=lambda c: f"/api/v1/contacts/{c.pk}",
        expect=API_ONE,
        expect_other_project=SHARED_READ,
    ),
    Row(
        "PATCH /api/v1/contacts/{contact_id}",
        make=_contact,
        path=lambda c: f"/api/v1/contacts/{c.pk}",
        data=lambda c: {"title": "CIO"},
        expect=API_ONE,
        expect_other_project=SHARED_READ,
        tables=CRM,
    ),
    Row(
        "PATCH /api/v1/contacts/{contact_id}",
        make=_portal_contact,
        path=lambda c: f"/api/v1/contacts/{c.pk}",
        data=lambda c: {"email": "taken.over@acme.example"},
        expect={**API_ONE, "member": 403},
        expect_other_project={"member": 403},
        tables=IDENTITY_TABLES,
        note="the e-mail of a contact with a portal account: a member is refused",
    ),
    Row(
        "DELETE /api/v1/contacts/{contact_id}",
        make=_contact,
        path=lambda c: f"/api/v1/contacts/{c.pk}",
        expect=API_DELETE,
        expect_other_project={"member": 204},
        tables=CRM,
    ),
    # --- API: interactions
    Row("GET /api/v1/interactions", path=lambda w: "/api/v1/interactions", expect=API_LIST),
    Row(
        "POST /api/v1/interactions",
        path=lambda w: "/api/v1/interactions",
        data=lambda w: {"client_id": w.client.pk, "summary": "电话沟通", "kind": "call"},
        expect={**API_CREATE, "outsider": 422},
        tables=CRM,
    ),
    Row(
        "GET /api/v1/interactions/{interaction_id}",
        make=_interaction,
        path=lambda i: f"/api/v1/interactions/{i.pk}",
        expect=API_ONE,
        expect_other_project=SHARED_READ,
    ),
    Row(
        "PATCH /api/v1/interactions/{interaction_id}",
        make=_interaction,
        path=lambda i: f"/api/v1/interactions/{i.pk}",
        data=lambda i: {"sentiment": "positive"},
        expect=API_ONE,
        expect_other_project=SHARED_READ,
        tables=CRM,
    ),
    Row(
        "POST /api/v1/interactions/{interaction_id}/follow-up-done",
        make=_interaction,
        path=lambda i: f"/api/v1/interactions/{i.pk}/follow-up-done",
        expect=API_ONE,
        expect_other_project=SHARED_READ,
        tables=CRM,
    ),
    Row(
        "DELETE /api/v1/interactions/{interaction_id}",
        make=_interaction,
        path=lambda i: f"/api/v1/interactions/{i.pk}",
        expect=API_DELETE,
        expect_other_project={"member": 204},
        tables=CRM,
    ),
]

# A client contact is turned away from the team side before any object is looked up (a
# redirect to the portal on pages, 403 in the API), whichever organisation the object is in.
for _row in ROWS:
    if _row.make is not None:
        _row.expect_foreign.setdefault("client", _row.expect["client"])

# Search: the whole team of the caller's organisation (the outsider searches their own).
ROWS += [
    Row("GET /api/v1/search", path=lambda w: "/api/v1/search?q=华信", expect={**API_READ, "outsider": 200}),
]
