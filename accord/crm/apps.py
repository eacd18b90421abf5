from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "accord.crm"
    label = "crm"
    verbose_name = _("Clients")

    def ready(self) -> None:
        from accord.core.nav import register_nav
        from accord.tenancy.access import register_model

        from .models import Client, Contact, Interaction

        for model in (Client, Contact, Interaction):
            register_model(model)

        register_nav("clients", _("Clients"), "crm:client_list", order=20)
