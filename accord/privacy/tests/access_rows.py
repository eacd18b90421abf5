"""Access matrix rows for the data-protection pages (see tests/access/spec.py).

Contacts are shared by the whole team, so the member gets on ``other_project``'s contact what
they get on their own. Organisation-wide pages are not about one object: the outsider, an
admin of another organisation, reaches their own organisation's page.
"""

from __future__ import annotations

from accord.privacy.models import ExportStatus, OrganizationExport
from accord.testing import factories as f
from tests.access.spec import Row

DENIED_TEAM = {"anonymous": 302, "client": 302, "member": 403, "manager": 403, "admin": 403, "outsider": 403}
ADMIN_PAGE = {"anonymous": 302, "client": 302, "member": 403, "manager": 403, "admin": 200, "outsider": 200}
ADMIN_POST = {"anonymous": 302, "client": 302, "member": 403, "manager": 403, "admin": 302, "outsider": 302}
PERSON_TABLES = ("crm.Contact", "audit.AuditEntry", "tenancy.User")


def _contact(world, project):
    return f.ContactFactory(client=project.client, last_name="Matrix", email="matrix.person@client.example")


def _export(world, project):
    return OrganizationExport.objects.create(
        organization=project.organization, status=ExportStatus.READY, stored_path="missing.zip"
    )


ROWS = [
    Row(
        "privacy:contact_export",
        method="POST",
        make=_contact,
        path=lambda c: f"/privacy/contacts/{c.pk}/export/",
        expect={
            "anonymous": 302,
            "client": 302,
            "member": 403,
            "manager": 200,
            "admin": 200,
            "outsider": 404,
        },
        expect_other_project={"member": 403},
        tables=PERSON_TABLES,
    ),
    Row(
        "privacy:contact_erase",
        make=_contact,
        path=lambda c: f"/privacy/contacts/{c.pk}/erase/",
        expect={
            "anonymous": 302,
            "client": 302,
            "member": 403,
            "manager": 403,
            "admin": 200,
            "outsider": 404,
        },
        expect_other_project={"member": 403},
    ),
    Row(
        "privacy:contact_erase",
        method="POST",
        make=_contact,
        path=lambda c: f"/privacy/contacts/{c.pk}/erase/",
        data=lambda c: {"confirm_email": c.email},
        expect={
            "anonymous": 302,
            "client": 302,
            "member": 403,
            "manager": 403,
            "admin": 302,
            "outsider": 404,
        },
        expect_other_project={"member": 403},
        tables=PERSON_TABLES,
    ),
    Row("privacy:organization", expect=ADMIN_PAGE),
    Row("privacy:retention", expect=ADMIN_PAGE),
    Row(
        "privacy:retention",
        method="POST",
        data=lambda w: {"outbox_body_days": "30", "closed_support_days": ""},
        expect=ADMIN_POST,
        tables=("privacy.RetentionPolicy",),
    ),
    # Owners only: the matrix's admin and outsider are admins, not owners.
    Row(
        "privacy:organization_export",
        method="POST",
        expect=DENIED_TEAM,
        tables=("privacy.OrganizationExport", "audit.AuditEntry"),
    ),
    Row(
        "privacy:organization_export_download",
        make=_export,
        path=lambda e: f"/privacy/export/{e.pk}/download/",
        expect={**DENIED_TEAM, "outsider": 404},
        expect_other_project={"member": 403},
    ),
    Row("privacy:organization_delete", expect=DENIED_TEAM),
    Row(
        "privacy:organization_delete",
        method="POST",
        data=lambda w: {"confirm_name": w.org.name},
        expect=DENIED_TEAM,
        tables=("privacy.OrganizationDeletion",),
    ),
    Row(
        "privacy:organization_delete_cancel",
        method="POST",
        expect=DENIED_TEAM,
        tables=("privacy.OrganizationDeletion",),
    ),
]
