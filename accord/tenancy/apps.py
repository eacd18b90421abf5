from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "accord.tenancy"
    label = "tenancy"
    verbose_name = _("Organisations and people")

    def ready(self):
        from accord.core.nav import register_nav

        register_nav("members", _("People"), "tenancy:members", order=90, admin_only=True)
        register_nav("organization", _("Settings"), "tenancy:organization", order=95, admin_only=True)
