from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Business events")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from crm import permissions

        from . import hooks

        hooks.register()  # reactions after customers are written, the card's 喪中, the list's action, role grants

        # What each pulldown, autocomplete and checkbox list may offer of these records (R2):
        # an event is its branch's (or everyone's); a list row and a 喪中 hang off their customer.
        permissions.register_scope("events.Event", branch_field="branch")
        permissions.register_scope("events.EventLink", customer_path="customer__", branch_field="event__branch")
        permissions.register_scope("events.Mourning", customer_path="customer__")
