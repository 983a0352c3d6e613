from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = _("Points")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from crm import permissions

        from . import hooks

        permissions.register_scope("points.PointEntry", customer_path="customer__")
        hooks.register()
