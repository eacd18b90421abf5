import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accord.tenancy.models import User
from accord.tenancy.services import organization_create, user_create


class Command(BaseCommand):
    help = "Create a user who owns a new organisation."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--organization", default="My organisation", help="Name of the new organisation.")
        parser.add_argument("--password", help="Password (asked for when left out).")
        parser.add_argument("--name", default="", help="Full name.")

    def handle(self, *args, email, organization, password, name, **options):
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"A user with the e-mail {email} exists already.")
        password = password or getpass.getpass("Password: ")
        try:
            with transaction.atomic():
                user = user_create(email=email, password=password, full_name=name)
                org = organization_create(name=organization, owner=user)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {user.email}, owner of “{org.name}”."))
