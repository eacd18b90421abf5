from django.core.management.base import BaseCommand

from accord.playbooks.services import builtin_templates_load


class Command(BaseCommand):
    help = (
        "Create or update the built-in project templates (software, agency, consulting, engineering design)."
    )

    def handle(self, *args, **options):
        count = builtin_templates_load()
        self.stdout.write(f"{count} built-in project templates loaded.")
