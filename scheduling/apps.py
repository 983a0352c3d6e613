from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = _("Scheduled changes and notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from jobs.registry import on_worker_start

        from . import tasks

        # The periodic run of the due changes: queued again whenever a worker (re)starts, in case a
        # dead worker or a database restart cut its chain (it adds one only when none is waiting).
        on_worker_start(tasks.ensure_queued)

        from . import hooks

        hooks.register()  # reactions, the card's box, the home screen's notices (crm.extensions)
