"""What scheduling adds to the customer core (crm.extensions), registered in SchedulingConfig.ready()."""

from __future__ import annotations

from crm import extensions

from . import selectors, services


def customers_written(written: extensions.CustomersWritten) -> None:
    """更新通知 (C11): those who follow the customer a person saved, or its branch, hear of it (one query
    when nobody follows; the bulk writer's many rows notify nobody)."""
    if written.customer is not None:
        services.notify_followers(customer=written.customer, actor=written.user, reason=written.reason)


def card_context(request, customer, *, may_change: bool) -> dict:
    """The card's C11 box: follow, and the pending (and recently failed) scheduled changes; the
    notifications of this customer count as read once the card is open."""
    user = request.user
    context = {
        "c11_panel": True,
        "c11_followed": getattr(customer, "c11_followed", False),
        "c11_may_change": may_change,
        "c11_changes": (selectors.card_changes(customer=customer, user=user, may_change=may_change)
                        if getattr(customer, "c11_scheduled", False) else []),
    }
    if getattr(customer, "c11_unread", False):
        services.mark_read(user=user, customer_id=customer.pk)
    return context


def home_context(request) -> dict:
    """更新通知 on the home screen: changes by others to what this user follows, and branches to follow."""
    context = selectors.home_notifications(request.user)
    context["followed_branches"], context["unfollowed_branches"] = selectors.followed_branches(request.user)
    return context


def register() -> None:
    extensions.on_customers_written(customers_written)
    extensions.set_customer_scheduler(services.schedule_edited)
    extensions.add_card_annotations(selectors.card_annotations)
    extensions.add_card_panel(extensions.CardPanel("scheduling", "scheduling/card_panel.html", card_context,
                                                   slot=extensions.CARD_TOP))
    extensions.add_home_panel(extensions.HomePanel("scheduling", "scheduling/home_panel.html", home_context))
