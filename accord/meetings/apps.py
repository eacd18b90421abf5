from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "accord.meetings"
    label = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        from accord.core.nav import register_nav, register_portal_tab, register_project_tab

        register_nav("meetings", _("Meetings"), "meetings:mine", order=45)
        register_project_tab("meetings", _("Meetings"), "meetings:list", order=45)
        register_portal_tab("meetings", _("Meetings"), "meetings:portal_list", order=30)
