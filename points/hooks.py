"""What points add to the customer core, registered with crm's registry (crm/extensions.py): the
card's ポイント panel (the balance riding on the card's one query, the latest entries in one more) and
the role grants. `register()` is called from PointsConfig.ready()."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.urls import reverse

from crm import extensions

from . import permission_codes as codes
from .models import PointEntry
from .roles import VIEW, WORK
from .selectors import balance_annotation

CARD_ENTRIES = 5  # the latest entries the card shows
# The newest entry's id, riding on the card's query: a customer without entries costs the panel no query.
LATEST_ENTRY = "points_latest_entry_id"


def card_annotations(user) -> dict:
    """The balance on the card's query: for the panel, and for the summary's ポイント残高 (C9)."""
    if not user.has_perm(codes.VIEW_POINTS):
        return {}
    latest = PointEntry.objects.filter(customer_id=OuterRef("pk")).order_by("-id").values("id")[:1]
    return {extensions.CARD_POINT_BALANCE: balance_annotation(), LATEST_ENTRY: Subquery(latest)}


def card_context(request, customer, may_change: bool = False) -> dict | None:
    """The card's ポイント panel; None (no panel) for a new customer or a user who may not see points."""
    if customer is None or customer.pk is None or not request.user.has_perm(codes.VIEW_POINTS):
        return None
    # One query: the latest entries (the balance came with the card's own query, card_annotations), none
    # when that query found no entry.
    if hasattr(customer, LATEST_ENTRY) and getattr(customer, LATEST_ENTRY) is None:
        entries = []
    else:
        entries = list(PointEntry.objects.filter(customer_id=customer.pk).order_by("-id")[:CARD_ENTRIES])
    balance = getattr(customer, extensions.CARD_POINT_BALANCE, None)
    if balance is None:  # not annotated (another caller): the ledger's sum
        from .selectors import balance_of

        balance = balance_of(customer.pk)
    return {"points_panel": {
        "balance": balance,
        "entries": entries,
        "ledger_url": f"{reverse('admin:points_pointentry_changelist')}?customer__id__exact={customer.pk}",
    }}


def register() -> None:
    extensions.add_card_panel(extensions.CardPanel("points", "points/card_panel.html", card_context,
                                                   slot=extensions.CARD_PEOPLE, order=60))
    extensions.add_card_annotations(card_annotations)
    extensions.grant(extensions.VIEW, [f"points.{p}" for p in VIEW])
    extensions.grant(extensions.WORK, [f"points.{p}" for p in WORK if p not in VIEW])
    extensions.grant(extensions.ADMIN, [f"points.{p}" for p in WORK])  # 管理者 too; nobody changes an entry
