import zipfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accord.privacy.orgdata import ImportRefused, organization_import


class Command(BaseCommand):
    help = "Import an organisation export into an installation that has no organisation yet."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The zip written by `accord export-organization`.")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path} does not exist.")
        try:
            org = organization_import(path)
        except (ImportRefused, zipfile.BadZipFile) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {org.name} ({org.slug}). Accounts sign in after resetting their password."
            )
        )
