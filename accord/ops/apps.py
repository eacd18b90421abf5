from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "accord.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self):
        from django.core.signals import request_finished

        from accord.core import hooks
        from accord.core.scheduler import register_periodic

        from .logs import clear_request_id
        from .services import delivery_paused

        hooks.register("delivery_paused", delivery_paused)

        request_finished.connect(clear_request_id, dispatch_uid="accord.ops.clear_request_id")
        register_periodic("ops.prune", "accord.ops.services.prune_old_records", every=6 * 3600)
