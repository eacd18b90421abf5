from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "accord.web"
    label = "web"
    verbose_name = _("Web interface")

    def ready(self):
        from accord.core.nav import register_nav

        register_nav("dashboard", _("Dashboard"), "web:dashboard", order=10)
        register_nav("start", _("First-day guide"), "web:start", order=98)
