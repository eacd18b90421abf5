from django.core.management.base import BaseCommand, CommandError

from accord.tenancy.models import Membership
from accord.tenancy.services import api_token_create


class Command(BaseCommand):
    help = "Create a personal API token for a member and print it (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--organization", help="Organisation slug (default: the member's first).")
        parser.add_argument("--name", default="command line")

    def handle(self, *args, email, organization, name, **options):
        memberships = Membership.objects.filter(user__email__iexact=email, is_active=True).select_related(
            "organization"
        )
        if organization:
            memberships = memberships.filter(organization__slug=organization)
        membership = memberships.order_by("created_at", "pk").first()
        if membership is None:
            raise CommandError(f"{email} is not an active member of {organization or 'any organisation'}.")
        _token, raw = api_token_create(membership=membership, name=name)
        self.stdout.write(raw)
