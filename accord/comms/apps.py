from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommsConfig(AppConfig):
    name = "accord.comms"
    label = "comms"
    verbose_name = _("Communication")

    def ready(self):
        from accord.web.nav import register_nav, register_project_tab

        from .scheduler import register_periodic

        register_nav("communication", _("Communication"), "comms:obligations", order=40)
        register_project_tab("plan", _("Communication plan"), "comms:plan", order=30)
        register_periodic(
            "comms.regenerate_obligations", "accord.comms.obligations.regenerate_all", every=6 * 3600
        )
        register_periodic("comms.reminders", "accord.comms.obligations.send_reminders", every=900)
