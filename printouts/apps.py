from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrintoutsConfig(AppConfig):
    name = "printouts"
    verbose_name = _("Printouts")

    def ready(self):
        from . import hooks, job_kinds  # noqa: F401  (job_kinds registers the print job)

        hooks.register()  # the print screens, the list's action and tool (crm.extensions)
