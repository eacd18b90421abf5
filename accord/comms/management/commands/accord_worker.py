from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background worker (database queue on one machine, RQ when REDIS_URL is set)."

    def handle(self, *args, **options):
        if settings.REDIS_URL:
            call_command("rqworker", "default", job_class="django_tasks_rq.Job", with_scheduler=True)
        else:
            call_command("db_worker")
