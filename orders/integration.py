"""What orders add to the customer core, registered with crm's registry (crm/extensions.py): the
card's panel (受注・問合受付: the order history newest first with its progress,
the estimates, 「新規受注」「新規見積」), the card's summary (last order, count, amount), an export target
(受注) and the advanced search's order conditions (orders.selectors.customers_by_orders).

`register()` is called from OrdersConfig.ready().
"""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm import extensions
from crm.forms import JapaneseDateField
from crm.models import Customer

from . import permission_codes as codes
from . import selectors
from .models import Medium, Order


def card_context(request, customer, may_change: bool = False) -> dict | None:
    """The card's 受注 panel; None (no panel) for a user who may not see orders."""
    user = request.user
    if customer is None or customer.pk is None or not user.has_perm(codes.VIEW_ORDER):
        return None
    # The card's query annotated the counts (card_annotations): a customer with none costs no query.
    orders = ([] if getattr(customer, "order_count", None) == 0
              else selectors.customer_orders(user=user, customer=customer))
    estimates = ([] if not user.has_perm(codes.VIEW_ESTIMATE) or getattr(customer, "estimate_count", None) == 0
                 else selectors.customer_estimates(user=user, customer=customer))
    may_order = user.has_perm(codes.ADD_ORDER)
    summary = {name: getattr(customer, name) for name in ("order_last_date", "order_count", "order_amount")
               if hasattr(customer, name)}
    if len(summary) < 3:  # not annotated on the card's query: one aggregate
        summary = selectors.customer_order_summary(user=user, customer=customer)
    return {
        "orders_panel": {
            "summary": summary,
            "orders": orders,
            "estimates": estimates,
            "add_order_url": f"{reverse('admin:orders_order_add')}?customer={customer.pk}" if may_order else None,
            "add_estimate_url": (f"{reverse('admin:orders_estimate_add')}?customer={customer.pk}"
                                 if user.has_perm(codes.ADD_ESTIMATE) else None),
            "all_orders_url": f"{reverse('admin:orders_order_changelist')}?customer__id__exact={customer.pk}",
            "all_estimates_url": f"{reverse('admin:orders_estimate_changelist')}?customer__id__exact={customer.pk}",
        }
    }


def card_annotations(user) -> dict:
    """The card's summary (C9): they ride on the one query that loads the customer."""
    return selectors.customer_order_annotations() if user.has_perm(codes.VIEW_ORDER) else {}


class OrdersExportTarget:
    """受注 as an export target, in dataio.columns.Target's shape (key, model, title, columns(user …))."""

    key = "orders"
    model = Order
    config_model = "order"

    @property
    def title(self):
        return _("Orders")

    def columns(self, user, masters=None, *, for_export: bool = True) -> list:
        from dataio.columns import Column, customer_code_column, customer_name_column

        def text(name, label, path=None, fmt=None):
            return Column(name=name, label=str(label), parse=None, format=fmt or (lambda v: "" if v is None else str(v)),
                          export_path=path or name, importable=False)

        from crm import dates

        date = lambda v: dates.format_date(v) if v else ""  # noqa: E731
        return [
            customer_code_column(), customer_name_column(),
            text("id", _("Order number"), fmt=lambda v: f"J{v:07d}"),
            text("ordered_on", _("Order date"), fmt=date),
            text("medium_name", _("Medium"), path="medium__name", fmt=lambda v: v or ""),
            text("net_total", _("Total without tax")), text("tax_total", _("Consumption tax")),
            text("total", _("Total amount")), text("paid_total", _("Paid")),
            text("shipped_on", _("Shipping date"), fmt=date), text("tracking_number", _("Tracking number")),
            text("ship_name", _("Recipient")), text("ship_postal_code", _("Ship-to postal code")),
            text("ship_address", _("Ship-to address")),
        ]


# --- 受注 on the 検索画面 (RFM: the last order, how many and how much in a period, 媒体) ----------------
SEARCH_LAYOUT = (("o_date_from", "o_date_to"), "o_medium", "o_count_min", "o_amount_min", ("o_last_from", "o_last_to"))


def search_fields(user) -> dict:
    return {
        "o_date_from": JapaneseDateField(label=_("Order date"), required=False),
        "o_date_to": JapaneseDateField(label=_("to"), required=False),
        "o_medium": forms.ModelChoiceField(label=_("Medium"), queryset=Medium.objects.all(), required=False),
        "o_count_min": forms.IntegerField(label=_("Orders in the period, at least"), min_value=1, required=False),
        "o_amount_min": forms.DecimalField(label=_("Order amount in the period, at least (yen)"), min_value=0,
                                           decimal_places=0, required=False),
        "o_last_from": JapaneseDateField(label=_("Last order date"), required=False),
        "o_last_to": JapaneseDateField(label=_("to"), required=False),
    }


def search_condition(data: dict, user):
    """The customers whose orders meet the block's conditions, as a Q on Customer; None when none is given."""
    given = {name: data.get(f"o_{name}") for name in
             ("date_from", "date_to", "count_min", "amount_min", "last_from", "last_to", "medium")}
    if all(value in (None, "") for value in given.values()):
        return None
    matching = selectors.customers_by_orders(Customer.objects.all(), user=user, **given)
    return Q(pk__in=matching.values("pk"))


def register() -> None:
    """Called from OrdersConfig.ready(): the card's panel and summary, the export target and the role grants."""
    extensions.add_card_panel(extensions.CardPanel("orders", "orders/card_panel.html", card_context,
                                                   slot=extensions.CARD_PEOPLE, order=50))
    extensions.add_card_annotations(card_annotations)
    extensions.add_export_target(OrdersExportTarget.key, OrdersExportTarget())
    extensions.add_search_block(extensions.SearchBlock(
        "orders", _("Orders"), search_fields, SEARCH_LAYOUT, search_condition, order=50,
        allowed=lambda user: user.has_perm(codes.VIEW_ORDER)))
    from .roles import VIEW, WORK

    extensions.grant(extensions.VIEW, [f"orders.{p}" for p in VIEW])
    extensions.grant(extensions.WORK, [f"orders.{p}" for p in WORK if p not in VIEW])
    extensions.grant(extensions.ADMIN, ["orders.*"])
