from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def defaults_after_migrate(sender, using="default", **kwargs):
    """A flushed database (`manage.py flush`, a transactional test) lost the statuses the data migration
    made: make them again (workflow/defaults.py)."""
    if sender.name != "workflow":
        return
    from .defaults import defaults_create

    defaults_create(apps.get_model("workflow", "HandoffStatus"), apps.get_model("workflow", "CompanyCalendar"),
                    using)


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
        post_migrate.connect(defaults_after_migrate, dispatch_uid="workflow.defaults_after_migrate")
