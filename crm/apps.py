from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Customer management")

    def ready(self):
        from . import db  # noqa: F401  (registers kokyaku_triple on SQLite connections)
