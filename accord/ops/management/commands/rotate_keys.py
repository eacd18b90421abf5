"""Re-encrypt every stored secret (``*_encrypted`` fields) with the current key."""

from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accord.lib import crypto
from accord.ops import services


def encrypted_fields():
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if f.name.endswith("_encrypted")]
        if names:
            yield model, names


class Command(BaseCommand):
    help = (
        "Re-encrypt stored secrets with the current ACCORD_FIELD_ENCRYPTION_KEY. Give the previous "
        "key in a file (--old-key-file); when none was set, the previous SECRET_KEY "
        "with --old-secret-key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--old-key-file", required=True, help="A file holding the previous key.")
        parser.add_argument(
            "--old-secret-key",
            action="store_true",
            help="The file holds the SECRET_KEY the secrets were derived from (no field key was set).",
        )

    def handle(self, *args, **options):
        try:
            material = Path(options["old_key_file"]).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CommandError(f"Cannot read the old key: {exc}") from exc
        if not material:
            raise CommandError("The old key file is empty")
        old = crypto.fernet_for(material, stretch=options["old_secret_key"])
        rotated = unreadable = 0
        with transaction.atomic():
            for model, names in encrypted_fields():
                for row in model._base_manager.select_for_update().only("pk", *names):
                    changed = []
                    for name in names:
                        stored = getattr(row, name)
                        if not stored or crypto.readable(stored):
                            continue  # empty, or already under the current key
                        fresh = crypto.reencrypt(stored, old)
                        if fresh is None:
                            unreadable += 1
                            continue
                        setattr(row, name, fresh)
                        changed.append(name)
                    if changed:
                        row.save(update_fields=changed)
                        rotated += len(changed)
            state = services.site_state()
            state.key_fingerprint = services.key_fingerprint()
            state.save(update_fields=["key_fingerprint", "updated_at"])
        self.stdout.write(f"Re-encrypted {rotated} secret(s) with the current key.")
        if unreadable:
            self.stderr.write(f"{unreadable} secret(s) could be read with neither key: re-enter them.")
