from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "accord.needs"
    label = "needs"
    verbose_name = _("Needs")

    def ready(self):
        from accord.core.nav import register_project_tab

        register_project_tab("needs", _("Needs"), "needs:project_list", order=40)
