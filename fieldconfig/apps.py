from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfigConfig(AppConfig):
    name = "fieldconfig"
    verbose_name = _("Field configuration")

    def ready(self):
        from . import lookup

        lookup.connect_invalidation()
