from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommsConfig(AppConfig):
    name = "accord.comms"
    label = "comms"
    verbose_name = _("Communication")

    def ready(self):
        from accord.core import hooks
        from accord.core.nav import register_nav, register_project_tab
        from accord.core.scheduler import register_periodic

        from . import services

        # The areas beneath comms (tenancy, crm, projects) send through these hooks.
        for name in (
            "outbox_email",
            "notify",
            "event_emit",
            "interaction_logged",
            "interactions_logged",
            "interaction_event",
        ):
            hooks.register(name, getattr(services, name))

        register_nav("communication", _("Communication"), "comms:obligations", order=40)
        register_project_tab("plan", _("Communication plan"), "comms:plan", order=30)
        register_periodic(
            "comms.regenerate_obligations", "accord.comms.obligations.regenerate_all", every=6 * 3600
        )
        register_periodic("comms.reminders", "accord.comms.obligations.send_reminders", every=900)
