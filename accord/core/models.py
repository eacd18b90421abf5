from django.db import models


class PeriodicRun(models.Model):
    """When each periodic job last ran: claimed with a conditional UPDATE so that one worker
    out of many runs it."""

    name = models.CharField(max_length=100, unique=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table was made by comms' migrations, where the scheduler lived first.
        db_table = "comms_periodicrun"
