from django.core.management.base import CommandError

from accord.tenancy.models import Membership, Organization, Role


def organization_member(slug: str, email: str, *, manager: bool) -> Membership:
    """The organisation named by slug (or the only one) and who acts for it (an owner by default)."""
    if slug:
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organisation with the slug {slug!r}")
    else:
        organizations = list(Organization.objects.all()[:2])
        if len(organizations) != 1:
            raise CommandError("Name the organisation with --organization SLUG")
        organization = organizations[0]
    members = Membership.objects.select_related("organization", "user").filter(
        organization=organization, is_active=True
    )
    if email:
        member = members.filter(user__email__iexact=email).first()
    else:
        member = members.filter(role__in=[Role.OWNER, Role.ADMIN]).order_by("role", "id").first()
    if member is None:
        raise CommandError("No active owner or admin in that organisation (name one with --as EMAIL)")
    if manager and not member.can_manage_projects:
        raise CommandError(f"{member.user.email} may not import: an owner, admin or manager is needed")
    return member
