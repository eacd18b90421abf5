from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accord.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup into an empty installation. Outgoing delivery stays paused afterwards."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The .tar file written by `accord backup`.")

    def handle(self, *args, **options):
        from accord.ops.services import key_fingerprint

        try:
            manifest = backup_restore(Path(options["archive"]))
        except (BackupError, OSError) as exc:
            raise CommandError(f"Restore refused: {exc}") from exc
        self.stdout.write(f"Restored the backup of {manifest['created_at']}.")
        if manifest["key_fingerprint"] != key_fingerprint():
            self.stderr.write(
                "The field-encryption key differs from the backed-up installation's: stored channel "
                "secrets are unreadable. Set the original ACCORD_FIELD_ENCRYPTION_KEY (or re-enter them)."
            )
        self.stdout.write(
            "Outgoing delivery is PAUSED so this copy sends nothing twice. When it is the live "
            "installation, run `accord delivery resume`."
        )
