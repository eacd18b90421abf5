"""Demo portal accounts: the sponsor (or first contact with an e-mail) of each demo client signs in
to the client portal with the demo password."""

from __future__ import annotations

from accord.audit.services import audit_create
from accord.core.demo import DEMO_PASSWORD
from accord.crm.models import ContactRole
from accord.tenancy.models import Membership, Role, User


def _portal_contact(client):
    contacts = list(client.contacts.exclude(email="").order_by("id"))
    for contact in contacts:
        if contact.role == ContactRole.SPONSOR:
            return contact
    return contacts[0] if contacts else None


def load(ctx) -> None:
    for key, client in ctx.clients.items():
        contact = _portal_contact(client)
        if contact is None:
            continue
        user = contact.portal_user or User.objects.filter(email__iexact=contact.email).first()
        if user is None:
            user = User.objects.create_user(
                email=contact.email,
                password=DEMO_PASSWORD,
                full_name=contact.display_name,
                language="",  # the portal follows the contact's language
                timezone=contact.timezone or client.timezone or "UTC",
            )
            ctx.log.append(f"portal user {user.email}")
        existing = Membership.objects.filter(organization_id=contact.organization_id, user=user).first()
        if existing is not None and existing.is_team:
            continue  # a team member's address: never turn it into a client account
        if existing is None:
            membership = Membership.objects.create(
                organization_id=contact.organization_id, user=user, role=Role.CLIENT
            )
            audit_create(user, membership)
        if contact.portal_user_id != user.pk:
            contact.portal_user = user
            contact.save(update_fields=["portal_user", "updated_at"])
        for project in ctx.projects.values():
            if project.client_id == client.pk and not project.contacts.filter(pk=contact.pk).exists():
                project.contacts.add(contact)
        ctx.users[f"portal:{key}"] = user
