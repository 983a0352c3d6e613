from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class InquiryConfig(AppConfig):
    name = "inquiry"
    verbose_name = _("Web forms")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import hooks
        from .roles import grant_role_permissions

        hooks.register()
        post_migrate.connect(grant_role_permissions, dispatch_uid="inquiry.grant_role_permissions")
