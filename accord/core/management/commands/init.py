from django.conf import settings
from django.core.management.base import BaseCommand

from accord.core.datadir import init


class Command(BaseCommand):
    help = "Make the data folder and the development secret key (idempotent); settings only read them."
    # It is what makes the other checks pass (core.E001): it must run before them.
    requires_system_checks = []

    def handle(self, *args, **options):
        made = init(settings.DATA_DIR)
        for line in made:
            self.stdout.write(f"made {line}")
        self.stdout.write(f"data folder {settings.DATA_DIR} is ready")
