"""What events adds to the customer core (crm.extensions), registered in EventsConfig.ready()."""

from __future__ import annotations

from django.urls import reverse

from crm import extensions

from . import actions, mourning, services
from . import permission_codes as event_codes

# Business events in the role matrix (crm.roles): everyone sees events, their customer lists and the
# gift master; general users add customers to events, fill in 出 / 受 / gifts and remove them;
# admins (events.*) make, close and carry over events and keep the gift master.
EVENT_VIEW, EVENT_WORK = event_codes.EVENT_VIEW, event_codes.EVENT_WORK


def customers_written(written: extensions.CustomersWritten) -> None:
    """The event rows keep who the mail goes to (name + address, E5) and the reading the list sorts by:
    after a write on existing customers those copies follow, set-based; nothing is read when none of
    the fields written is copied."""
    if written.created:
        return
    if written.fields is None or mourning.COPIED_FIELDS.intersection(written.fields):
        mourning.refresh_link_copies(written.ids)


def mourning_card_context(request, customer, *, may_change: bool) -> dict | None:
    """喪中 per year on the card (E5), entered on the 喪中 screen."""
    user = request.user
    if not user.has_perm(event_codes.VIEW_MOURNING):
        return None
    return {
        "mourning_rows": list(customer.mournings.select_related("family_member")),
        "mourning_add_url": (reverse("admin:events_mourning_add") + f"?customer={customer.pk}"
                             if user.has_perm(event_codes.ADD_MOURNING) else ""),
    }


def register() -> None:
    extensions.on_customers_written(customers_written)
    extensions.add_card_panel(extensions.CardPanel("mourning", "events/customer_mourning.html",
                                                   mourning_card_context, slot=extensions.CARD_PEOPLE))
    extensions.add_list_action(extensions.ListAction(
        "add_to_event", actions.add_to_event, order=50,
        allowed=lambda request: request.user.has_perm(services.LINK_PERMISSION)))
    extensions.grant(extensions.VIEW, EVENT_VIEW)
    extensions.grant(extensions.WORK, EVENT_WORK)
    extensions.grant(extensions.ADMIN, ["events.*"])
