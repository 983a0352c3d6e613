"""What workflow adds to the customer core (crm.extensions) and to scheduling's periodic run,
registered in WorkflowConfig.ready()."""

from __future__ import annotations

from django.urls import reverse

from crm import extensions
from scheduling import periodic

from . import mail, selectors, services
from .roles import VIEW, WORK


def home_context(request) -> dict | None:
    """遅延 and due-today handoffs of the person logged in (their branches only), with counts."""
    user = request.user
    if not user.has_perm("workflow.view_handoff"):
        return None
    items = selectors.home_items(user)
    items["changelist_url"] = reverse("admin:workflow_handoff_changelist")
    return {"handoff_panel": items}


def card_context(request, customer, *, may_change: bool) -> dict | None:
    """The card's 引継 panel (W1): the customer's open handoffs, and 引継 for each of its latest contact
    histories (the add screen with the contact chosen)."""
    user = request.user
    if customer is None or customer.pk is None or not user.has_perm("workflow.view_handoff"):
        return None
    may_hand = user.has_perm("workflow.add_handoff")
    add_url = reverse("admin:workflow_handoff_add")
    contacts = list(customer.contacts.order_by("-date", "-id")[:5]) if may_hand else []
    return {"handoff_card": {
        "open": list(selectors.visible_handoffs(user).filter(customer=customer, closed=False)
                     .select_related("assignee", "status").order_by("due_at", "pk")[:20]),
        "contacts": [(c, f"{add_url}?contact={c.pk}") for c in contacts],
    }}


def register() -> None:
    extensions.add_card_panel(extensions.CardPanel("workflow", "workflow/card_panel.html", card_context,
                                                   slot=extensions.CARD_PEOPLE, order=40))
    extensions.add_home_panel(extensions.HomePanel("workflow", "workflow/home_panel.html", home_context, order=10))
    extensions.grant(extensions.VIEW, [f"workflow.{p}" for p in VIEW])
    extensions.grant(extensions.WORK, [f"workflow.{p}" for p in WORK if p not in VIEW])
    extensions.grant(extensions.ADMIN, ["workflow.*"])
    periodic.add("handoffs flagged late", services.flag_overdue)
    periodic.add("mails sent from the outbox", mail.send_due)
