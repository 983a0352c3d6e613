from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = _("Points")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from crm import permissions

        from . import hooks
        from .roles import grant_role_permissions

        permissions.register_scope("points.PointEntry", customer_path="customer__")
        post_migrate.connect(grant_role_permissions, dispatch_uid="points.grant_role_permissions")
        hooks.register()
