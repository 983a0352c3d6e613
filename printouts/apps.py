from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrintoutsConfig(AppConfig):
    name = "printouts"
    verbose_name = _("Printouts")

    def ready(self):
        from . import job_kinds  # noqa: F401  (registers the print job)
