from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accord.ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Write an online backup (database, uploads, key fingerprint, checksums) to a .tar file."

    def add_arguments(self, parser):
        parser.add_argument("destination", help="The .tar file to write.")

    def handle(self, *args, **options):
        destination = Path(options["destination"]).resolve()
        if destination.exists():
            raise CommandError(f"{destination} exists already: choose a new file name")
        try:
            manifest = backup_create(destination)
        except (BackupError, OSError) as exc:
            raise CommandError(f"Backup failed: {exc}") from exc
        self.stdout.write(
            f"Backup written to {destination} ({len(manifest['files'])} files, checksums inside)"
        )
