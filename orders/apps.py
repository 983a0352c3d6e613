from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders and estimates")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from crm import permissions

        from . import integration

        # What each pulldown, autocomplete and checkbox list may offer of these records (R2): all hang
        # off a customer, directly or through their order or estimate.
        permissions.register_scope("orders.Order", customer_path="customer__")
        permissions.register_scope("orders.OrderLine", customer_path="order__customer__")
        permissions.register_scope("orders.Payment", customer_path="order__customer__")
        permissions.register_scope("orders.Estimate", customer_path="customer__")
        permissions.register_scope("orders.EstimateLine", customer_path="estimate__customer__")
        # The card's panel and summary, the export target and the role grants, through crm's registry
        # once it is there (orders/integration.py).
        integration.register()
