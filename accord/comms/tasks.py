from django_tasks import task

from . import delivery


@task()
def deliver_message(message_id: int) -> str:
    message = delivery.deliver(message_id)
    return message.status if message else "skipped"
