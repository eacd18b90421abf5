from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "accord.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self):
        from accord.comms.scheduler import register_periodic

        register_periodic("ops.prune", "accord.ops.services.prune_old_records", every=6 * 3600)
