from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "accord.reports"
    label = "reports"
    verbose_name = _("Status reports")

    def ready(self):
        from accord.core.nav import register_portal_tab, register_project_tab
        from accord.core.scheduler import register_periodic

        register_project_tab("reports", _("Reports"), "reports:list", order=40)
        register_portal_tab("reports", _("Reports"), "reports:portal_list", order=20)
        register_periodic("reports.draft_due", "accord.reports.services.draft_due_reports", every=3600)
