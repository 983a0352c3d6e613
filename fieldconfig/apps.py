from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_rows(sender, using="default", **kwargs):
    from .services import fieldsettings_ensure_rows

    fieldsettings_ensure_rows()


class FieldConfigConfig(AppConfig):
    name = "fieldconfig"
    verbose_name = _("Field configuration")

    def ready(self):
        from . import lookup

        lookup.connect_invalidation()
        post_migrate.connect(_ensure_rows, sender=self, dispatch_uid="fieldconfig-ensure-rows")
