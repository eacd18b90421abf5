from django_tasks import task


@task()
def organization_export_task(export_id: int) -> str:
    from .services import organization_export_build

    return organization_export_build(export_id=export_id).status
