from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "accord.crm"
    label = "crm"
    verbose_name = _("Clients")

    def ready(self) -> None:
        from accord.web.nav import register_nav

        register_nav("clients", _("Clients"), "crm:client_list", order=20)
