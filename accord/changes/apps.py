from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChangesConfig(AppConfig):
    name = "accord.changes"
    label = "changes"
    verbose_name = _("Change requests")

    def ready(self):
        from accord.web.nav import register_project_tab

        register_project_tab("changes", _("Changes"), "changes:project_list", order=60)
