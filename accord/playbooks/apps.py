from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlaybooksConfig(AppConfig):
    name = "accord.playbooks"
    label = "playbooks"
    verbose_name = _("Project templates")

    def ready(self):
        from accord.core.nav import register_nav

        register_nav("templates", _("Templates"), "playbooks:list", order=70)
