from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = _("Handoffs and alerts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from crm import permissions

        from . import hooks

        # the home screen's panel, the role grants, the periodic 遅延 flags and mail retries
        hooks.register()
        # a handoff and its events hang off the customer (R2): pulldowns offer the user's branches only
        permissions.register_scope("workflow.Handoff", customer_path="customer__")
        permissions.register_scope("workflow.HandoffEvent", customer_path="handoff__customer__")
        permissions.register_scope("workflow.Outbox", customer_path="handoff__customer__")
