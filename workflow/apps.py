from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = _("Handoffs and alerts")
    default_auto_field = "django.db.models.BigAutoField"
