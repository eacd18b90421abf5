from django.core.management.base import BaseCommand

from accord.core.demo import DEMO_PASSWORD, load_all


class Command(BaseCommand):
    help = "Load the bilingual demo data set (safe to run again: nothing is duplicated)."

    def handle(self, *args, **options):
        ctx = load_all(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Sign in at http://127.0.0.1:8000/ with:"))
        for key, user in ctx.users.items():
            self.stdout.write(f"  {user.email:<36} password: {DEMO_PASSWORD}   ({key})")
