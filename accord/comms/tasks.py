"""Background work, written once against the django-tasks API (database backend by default,
RQ when REDIS_URL is set). Tasks take ids and call services."""

from django_tasks import task

from . import delivery


@task()
def deliver_message(message_id: int) -> str:
    message = delivery.deliver(message_id)
    return message.status if message else "skipped"


@task()
def sweep_outbox() -> int:
    return delivery.sweep()


@task()
def regenerate_obligations() -> int:
    from . import obligations

    return obligations.regenerate_all()


@task()
def send_reminders() -> int:
    from . import obligations

    return obligations.send_reminders()
