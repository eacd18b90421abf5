from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ChangesConfig(AppConfig):
    name = "accord.changes"
    label = "changes"
    verbose_name = _("Change requests")

    def ready(self):
        from accord.core import hooks
        from accord.core.nav import register_project_tab

        from .services import change_request_create

        hooks.register("change_request_from_risk", change_request_create)

        # The tab names what the breadcrumb and the pages do (变更请求), not the audit log's "Changes".
        register_project_tab(
            "changes", pgettext_lazy("project tab", "Changes"), "changes:project_list", order=60
        )
