from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accord.ops.storage import write_file_atomically
from accord.privacy.services import person_export
from accord.tenancy.models import Organization


class Command(BaseCommand):
    help = "Export everything Accord keeps about one person (by e-mail address) as a zip."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--organization", help="Short name of one organisation (default: all of them).")
        parser.add_argument("--output", required=True, help="The zip file to write.")

    def handle(self, *args, email, organization, output, **options):
        organizations = Organization.objects.order_by("pk")
        if organization:
            organizations = organizations.filter(slug=organization)
            if not organizations.exists():
                raise CommandError(f"No organisation has the short name {organization!r}.")
        try:
            data = person_export(actor=None, email=email, organizations=list(organizations))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        path = Path(output)
        write_file_atomically(path, [data])
        self.stdout.write(self.style.SUCCESS(f"Wrote {path} ({len(data)} bytes)."))
