from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataioConfig(AppConfig):
    name = "accord.dataio"
    label = "dataio"
    verbose_name = _("Import and export")

    def ready(self):
        from accord.core.nav import register_nav, register_project_tab

        register_nav("dataio", _("Import / export"), "dataio:hub", order=80)
        register_project_tab("feeds", _("Calendar and contacts"), "dataio:project_feeds", order=95)

        from accord.core.scheduler import register_periodic

        register_periodic(
            "dataio.fail_stuck_imports", "accord.dataio.services.import_runs_fail_stuck", every=300
        )
