from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RisksConfig(AppConfig):
    name = "accord.risks"
    label = "risks"
    verbose_name = _("Risks")

    def ready(self):
        from accord.core.nav import register_nav, register_project_tab
        from accord.core.scheduler import register_periodic

        register_nav("risks", _("Risks"), "risks:queue", order=50)
        register_project_tab("risks", _("Risks"), "risks:project_list", order=50)
        register_periodic("risks.review_reminders", "accord.risks.tasks.review_reminders", every=3600)
