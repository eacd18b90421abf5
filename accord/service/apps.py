from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "accord.service"
    label = "service"
    verbose_name = _("Support and training")

    def ready(self):
        from accord.comms.inbound import register_mail_handler
        from accord.core.nav import register_nav, register_portal_tab, register_project_tab
        from accord.core.scheduler import register_periodic

        register_nav("support", _("Support"), "service:queue", order=70)
        register_project_tab("support", _("Support"), "service:project_support", order=80)
        register_portal_tab("support", _("Support"), "service:portal_requests", order=60)
        register_portal_tab("training", _("Training"), "service:portal_training", order=70)
        register_mail_handler("accord.service.mail.support_mail_ingest")
        register_periodic(
            "service.response_reminders", "accord.service.services.support_response_reminders", every=600
        )
