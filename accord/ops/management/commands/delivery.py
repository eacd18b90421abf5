from django.core.management.base import BaseCommand

from accord.ops import services


class Command(BaseCommand):
    help = "Outgoing delivery switch: `resume`, `pause` or `status` (paused after a restore)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["resume", "pause", "status"])

    def handle(self, *args, **options):
        action = options["action"]
        if action == "resume":
            services.delivery_resume()
        elif action == "pause":
            services.delivery_pause(reason="paused by an operator")
        state = services.site_state()
        if state.delivery_paused:
            self.stdout.write(f"Outgoing delivery is PAUSED ({state.paused_reason}).")
        else:
            self.stdout.write("Outgoing delivery is running.")
