from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InquiryConfig(AppConfig):
    name = "inquiry"
    verbose_name = _("Web forms")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # the grants of 管理者 (hooks.py) reach a group that exists already through crm's post_migrate
        # (crm.roles.grant_new_apps), as every feature app's do
        from . import hooks

        hooks.register()
