"""What workflow adds to the customer core (crm.extensions) and to scheduling's periodic run,
registered in WorkflowConfig.ready()."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from crm import extensions
from scheduling import periodic

from . import figures, mail, selectors, services
from .models import Handoff
from .roles import VIEW, WORK


def home_context(request) -> dict | None:
    """遅延 and due-today handoffs of the person logged in (their branches only), with counts."""
    user = request.user
    if not user.has_perm("workflow.view_handoff"):
        return None
    items = selectors.home_items(user)
    items["changelist_url"] = reverse("admin:workflow_handoff_changelist")
    return {"handoff_panel": items}


def overview_context(request) -> dict | None:
    """The home screen's overview (W2): my customers (担当者 = me), counts per branch and the charts
    from the daily figures (workflow.figures), all within the branches the user may see."""
    from crm import permissions
    from crm.models import Customer

    user = request.user
    if not user.has_perm("crm.view_customer"):
        return None
    hidden = permissions.invisible_fields(user, Customer)
    return {"home_overview": {
        "my_customers": selectors.my_customers(user),
        "my_customers_url": f"{reverse('admin:crm_customer_changelist')}?s_staff={user.pk}",
        "show_name": "last_name" not in hidden, "show_company": "company_name" not in hidden,
        "figures": figures.for_user(user),
        "show_handoffs": user.has_perm("workflow.view_handoff"),
        "show_contacts": user.has_perm("crm.view_contacthistory"),
    }}


# Whether the customer has an open handoff, riding on the card's query: the 引継 box of a customer without
# one reads nothing more.
HAS_OPEN = "workflow_has_open_handoff"


def card_annotations(user) -> dict:
    if not user.has_perm("workflow.view_handoff"):
        return {}
    return {HAS_OPEN: Exists(Handoff.objects.filter(customer_id=OuterRef("pk"), closed=False))}


def card_context(request, customer, *, may_change: bool = False) -> dict | None:
    """The card's 引継 panel (W1): the customer's open handoffs with status and due time or 遅延 (one
    query), and 引継 (the handoff screen for this customer: its contact histories and the people who
    may take them)."""
    user = request.user
    if customer is None or customer.pk is None or not user.has_perm("workflow.view_handoff"):
        return None
    now = timezone.now()
    rows = [] if getattr(customer, HAS_OPEN, True) is False else selectors.customer_open_handoffs(user, customer)
    for handoff in rows:
        handoff.is_late = handoff.overdue or (handoff.due_at is not None and handoff.due_at <= now)
    add_url = None
    if user.has_perm("workflow.add_handoff"):
        add_url = f"{reverse('admin:workflow_handoff_add')}?customer={customer.pk}"
    return {"handoff_card": {"open": rows, "add_url": add_url}}


def register() -> None:
    extensions.add_card_panel(extensions.CardPanel("workflow", "workflow/card_panel.html", card_context,
                                                   slot=extensions.CARD_PEOPLE, order=40))
    extensions.add_card_annotations(card_annotations)
    extensions.add_home_panel(extensions.HomePanel("workflow", "workflow/home_panel.html", home_context, order=10))
    extensions.add_home_panel(extensions.HomePanel("workflow_overview", "workflow/home_overview.html",
                                                   overview_context, order=200))
    extensions.grant(extensions.VIEW, [f"workflow.{p}" for p in VIEW])
    extensions.grant(extensions.WORK, [f"workflow.{p}" for p in WORK if p not in VIEW])
    extensions.grant(extensions.ADMIN, ["workflow.*"])
    periodic.add("handoffs flagged late", services.flag_overdue)
    periodic.add("mails sent from the outbox", mail.send_due)
    periodic.add("the home screen's daily figures", figures.refresh)
