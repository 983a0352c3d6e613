from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataioConfig(AppConfig):
    name = "dataio"
    verbose_name = _("Data in and out")

    def ready(self):
        from . import hooks, job_kinds  # noqa: F401  (job_kinds registers import, export and merge jobs)

        hooks.register()  # the list's actions and tools, export targets (crm.extensions)
