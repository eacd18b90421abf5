# PeriodicRun comes from comms with the scheduler: the table it has there (comms_periodicrun) is kept.

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("comms", "0007_periodicrun_moves_to_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PeriodicRun",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=100, unique=True)),
                        ("last_run_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={"db_table": "comms_periodicrun"},
                ),
            ],
            database_operations=[],
        ),
    ]
