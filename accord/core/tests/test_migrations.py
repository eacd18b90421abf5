"""PeriodicRun moved from comms to core with the scheduler: a database made before the move keeps
its rows, and the scheduler reads them after it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("comms", "0006_delivery_circuit"), ("core", None)]


def latest_targets(executor):
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_keeps_its_periodic_runs():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE[:1]).apps
    ran_at = timezone.now().replace(microsecond=0)
    old_apps.get_model("comms", "PeriodicRun").objects.create(name="comms.reminders", last_run_at=ran_at)

    executor = MigrationExecutor(connection)
    executor.migrate(latest_targets(executor))

    from accord.core.models import PeriodicRun
    from accord.core.scheduler import PeriodicJob, claim_turn

    row = PeriodicRun.objects.get(name="comms.reminders")
    assert row.last_run_at == ran_at
    assert "comms_periodicrun" in connection.introspection.table_names()
    # The turn was taken at ran_at: within the period the scheduler does not run the job again.
    assert claim_turn(PeriodicJob("comms.reminders", "accord.comms.obligations.send_reminders", 900)) is False
