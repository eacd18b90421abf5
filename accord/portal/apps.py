from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "accord.portal"
    label = "portal"
    verbose_name = _("Client portal")

    def ready(self):
        from accord.core import hooks
        from accord.core.nav import register_portal_tab

        from .services import contact_portal_identity_changed

        hooks.register("contact_portal_identity_changed", contact_portal_identity_changed)

        register_portal_tab("overview", _("Overview"), "portal:project", order=10)
        register_portal_tab("changes", _("Change requests"), "portal:changes", order=40)
        register_portal_tab("risks", _("Risks"), "portal:risks", order=50)
        register_portal_tab("decisions", _("Decisions"), "portal:decisions", order=35)
