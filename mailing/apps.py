from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailingConfig(AppConfig):
    name = "mailing"
    verbose_name = _("Bulk mail")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from crm import permissions

        from . import hooks

        # the list's 一括メール (action and tool), the mail screen's URL, the card's 配信停止 note,
        # the role grants and the periodic run that resumes campaigns
        hooks.register()
        # a recipient row hangs off its customer (R2)
        permissions.register_scope("mailing.CampaignRecipient", customer_path="customer__")
