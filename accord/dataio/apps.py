from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataioConfig(AppConfig):
    name = "accord.dataio"
    label = "dataio"
    verbose_name = _("Import and export")
