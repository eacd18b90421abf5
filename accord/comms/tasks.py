"""Background work, written once against the django-tasks API (database backend by default,
RQ when REDIS_URL is set). Tasks take ids and call services."""

from django_tasks import task

from . import delivery


@task()
def deliver_message(message_id: int) -> str:
    message = delivery.deliver(message_id)
    return message.status if message else "skipped"
