from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataioConfig(AppConfig):
    name = "dataio"
    verbose_name = _("Data in and out")

    def ready(self):
        from . import job_kinds  # noqa: F401  (registers import, export and merge jobs)
