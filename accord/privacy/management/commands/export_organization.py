from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accord.privacy.orgdata import organization_export_to
from accord.tenancy.models import Organization


class Command(BaseCommand):
    help = "Export all of an organisation's data and files as a zip (with a manifest of checksums)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Short name of the organisation.")
        parser.add_argument("--output", required=True, help="The zip file to write.")

    def handle(self, *args, slug, output, **options):
        org = Organization.objects.filter(slug=slug).first()
        if org is None:
            raise CommandError(f"No organisation has the short name {slug!r}.")
        size = organization_export_to(org, Path(output))
        self.stdout.write(self.style.SUCCESS(f"Wrote {output} ({size} bytes)."))
