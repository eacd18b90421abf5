from django_tasks import task


@task()
def import_run_task(run_id: int) -> str:
    from .services import import_run_execute

    return import_run_execute(run_id=run_id).status
