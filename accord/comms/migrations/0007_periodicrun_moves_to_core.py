# PeriodicRun moves to accord.core with the scheduler; its table (comms_periodicrun) stays.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("comms", "0006_delivery_circuit"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="PeriodicRun")],
            database_operations=[],
        ),
    ]
