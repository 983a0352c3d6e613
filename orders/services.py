"""Writes of orders and estimates: every screen and action calls these (HackSoft's shape:
`<entity>_<action>(*, ..., user)`), so the rules live in one place.

- Lines take their product's code, name, price and tax rate where the user left them blank.
- A document's totals are recomputed from its lines (orders.tax) after every write; an order's
  shipping fee from the office's bands, as a taxable line at the standard rate.
- Shipments and payments are registered one by one or in bulk; a payment never goes beyond the
  balance. An estimate becomes an order once.
Refusals raise ValidationError with the Japanese message keyed by the field it concerns.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from crm import locking, naming
from crm.models import Product

from . import tax
from .models import Estimate, EstimateLine, Order, OrderLine, OrderSettings, Payment

ZERO = Decimal(0)


# --- lines ------------------------------------------------------------------------------------
def product_by_code(code: str) -> Product:
    """The product of a typed code; ValidationError at product_code when there is none."""
    product = Product.objects.filter(code=(code or "").strip()).first()
    if product is None:
        raise ValidationError({"product_code": _("No product has the code “%(code)s” in the product master.")
                               % {"code": code}})
    return product


def line_fill(line) -> None:
    """Code, name, price and rate from the product where blank; the amount from price × quantity less
    the discount, negative for a return. ValidationError keyed by field on bad input."""
    if line.product_id is None and line.product_code:
        line.product = product_by_code(line.product_code)
    product = line.product if line.product_id else None
    if product is not None:
        line.product_code = line.product_code or product.code
        line.product_name = line.product_name or product.name
        if line.unit_price is None:
            line.unit_price = product.unit_price
        if line.tax_rate is None:
            line.tax_rate = product.tax_rate
    errors = {}
    if not line.product_name:
        errors["product_code"] = _("Choose a product or type its code.")
    if line.unit_price is None:
        errors["unit_price"] = _("Enter the unit price.")
    elif line.unit_price < 0:
        errors["unit_price"] = _("The unit price cannot be negative.")
    if line.quantity is None or line.quantity < 0:
        errors["quantity"] = _("The quantity cannot be negative: tick “Return” for goods sent back.")
    if line.discount is None or line.discount < 0:
        errors["discount"] = _("The discount cannot be negative.")
    if line.tax_rate is None:
        line.tax_rate = tax.STANDARD
    if errors:
        raise ValidationError(errors)
    if line.discount > line.unit_price * line.quantity:
        raise ValidationError({"discount": _("The discount (%(discount)s) is larger than its line (%(line)s).")
                               % {"discount": f"{line.discount:,}", "line": f"{line.unit_price * line.quantity:,}"}})
    amount = tax.line_amount(unit_price=line.unit_price, quantity=line.quantity, discount=line.discount)
    line.amount = -amount if line.is_return else amount


# --- totals -----------------------------------------------------------------------------------
def document_lines(document) -> list[tax.Line]:
    lines = [line.tax_line() for line in document.lines.all()]
    if isinstance(document, Order) and document.shipping_fee:
        lines.append(tax.Line(document.shipping_fee, tax.STANDARD))
    return lines


def document_totals(document) -> tax.Totals:
    return tax.document_totals(document_lines(document), inclusive=document.prices_include_tax,
                               rounding=document.rounding)


def settings_apply(document, settings: OrderSettings | None = None) -> None:
    """A new document takes the office's tax settings as they are now, and keeps them."""
    settings = settings or OrderSettings.current()
    document.prices_include_tax = settings.prices_include_tax
    document.rounding = settings.rounding


def order_totals_for(order: Order, lines: list[tax.Line], *, settings: OrderSettings | None = None) -> tax.Totals:
    """What an order's totals would be with these lines (its shipping fee recomputed), before saving."""
    settings = settings or OrderSettings.current()
    goods = sum((line.amount for line in lines), ZERO)
    fee = tax.shipping_fee(goods, bands=settings.bands(), free_from=settings.shipping_free_from) if goods > 0 else ZERO
    extra = [tax.Line(fee, tax.STANDARD)] if fee else []
    return tax.document_totals(lines + extra, inclusive=order.prices_include_tax, rounding=order.rounding)


def document_recompute(document, *, settings: OrderSettings | None = None) -> tax.Totals:
    """Recompute and store a document's shipping fee (orders) and totals from its saved lines."""
    if isinstance(document, Order):
        settings = settings or OrderSettings.current()
        goods = sum((line.amount for line in document.lines.all()), ZERO)
        document.shipping_fee = tax.shipping_fee(goods, bands=settings.bands(), free_from=settings.shipping_free_from) \
            if goods > 0 else ZERO
    totals = document_totals(document)
    document.net_total, document.tax_total, document.total = totals.net, totals.tax, totals.gross
    fields = ["net_total", "tax_total", "total"] + (["shipping_fee"] if isinstance(document, Order) else [])
    type(document).objects.filter(pk=document.pk).update(**{f: getattr(document, f) for f in fields})
    return totals


# --- ship-to ----------------------------------------------------------------------------------
def ship_to_fill(order: Order, *, copy: bool = True) -> None:
    """The ship-to name, postal code, address and phone from what was chosen (the customer's address,
    the contact address, a family member at the customer's address), or as typed. With copy=False
    (an order edited later, its ship-to choice unchanged) what is stored stays: the order ships where
    it was taken, not where the customer has moved since. ValidationError at the field when the result
    has no postal code or no address."""
    customer = order.customer
    kind = order.ship_to
    name = naming.person_name(customer) or customer.company_name
    if kind == Order.ShipTo.FAMILY:
        member = order.ship_to_family
        if member is None or member.customer_id != customer.pk:
            raise ValidationError({"ship_to_family": _("Choose a family member of this customer.")})
    if copy and kind == Order.ShipTo.HOME:
        order.ship_name = name
        order.ship_postal_code, order.ship_tel = customer.postal_code, customer.tel or customer.mobile
        order.ship_address = " ".join(p for p in (customer.address, customer.building) if p)
    elif copy and kind == Order.ShipTo.COMPANY:
        order.ship_name = name
        order.ship_postal_code, order.ship_tel = customer.contact_postal_code, customer.contact_tel
        order.ship_address = " ".join(p for p in (customer.contact_address, customer.contact_building) if p)
    elif copy and kind == Order.ShipTo.FAMILY:
        order.ship_name = order.ship_to_family.name
        order.ship_postal_code, order.ship_tel = customer.postal_code, customer.tel
        order.ship_address = " ".join(p for p in (customer.address, customer.building) if p)
    where = "ship_to" if copy and kind != Order.ShipTo.OTHER else None
    errors = {}
    if not (order.ship_postal_code or "").strip():
        errors[where or "ship_postal_code"] = _("The ship-to has no postal code: enter one (or choose another ship-to).")
    if not (order.ship_address or "").strip():
        errors.setdefault(where or "ship_address", _("The ship-to has no address: enter one (or choose another ship-to)."))
    if not (order.ship_name or "").strip():
        errors.setdefault(where or "ship_name", _("Enter the recipient's name."))
    if errors:
        raise ValidationError(errors)


# --- shipments and payments ---------------------------------------------------------------------
# The registration page (bulk from the list, or one order from its buttons) posts the version of each order
# it showed (`seen`: pk → version, crm.locking.seen_versions). An order changed since (a payment registered,
# shipped, edited on its card) refuses the WHOLE batch, nothing written: an office works a bulk registration
# as one batch of slips, and registering all but one leaves people checking which ones went through (the
# count said no longer matches the page they looked at). Refused, the page shows every order as it is now,
# what was typed kept: one look and one press registers them all. `seen=None` (a caller with no page:
# bench, scripts) is not judged.
def orders_refuse_stale(orders, seen: dict[int, int] | None) -> None:
    """StaleWrite naming the order numbers of `orders` (locked, current) whose version is not the one seen."""
    if seen is None:
        return
    stale = [o for o in orders if o.pk in seen and o.version != seen[o.pk]]
    if stale:
        raise locking.StaleWrite(stale_orders_message(stale), current=stale)


def stale_orders_message(orders) -> str:
    numbers = "、".join(o.number for o in sorted(orders, key=lambda o: o.pk)[:20])
    if len(orders) > 20:
        numbers += _(" and %(count)s more") % {"count": len(orders) - 20}
    return _("Changed by someone else after this page was shown: %(orders)s. Nothing was registered, for none "
             "of the orders: the list below shows them as they are now; check them and register again.") \
        % {"orders": numbers}


def orders_lock(orders) -> list[Order]:
    """The orders' rows, read again and locked until the write's transaction ends."""
    return list(Order.objects.select_for_update().filter(pk__in=[o.pk for o in orders]).order_by("pk"))


def orders_ship(*, orders, shipped_on: datetime.date, tracking_number: str = "", user,
                seen: dict[int, int] | None = None) -> int:
    """出荷済登録: mark these orders shipped on `shipped_on` (one by one or in bulk); a tracking number
    given is set on each. Orders already shipped keep their date. Returns how many were marked. An order
    changed since the page showed it (`seen`) refuses all of them (StaleWrite, nothing written)."""
    with transaction.atomic():
        locked = orders_lock(orders)
        orders_refuse_stale(locked, seen)
        todo = [o for o in locked if o.shipped_on is None]
        for order in todo:
            order.shipped_on = shipped_on
            if tracking_number:
                order.tracking_number = tracking_number
        bulk_update_with_history(todo, Order, ["shipped_on", "tracking_number"], batch_size=500,
                                 default_user=user, default_change_reason=_("Shipment registered"))
        locking.bump(Order, [o.pk for o in todo])  # an order's card opened before cannot undo it (issue 24.3)
    return len(todo)


def payment_add(*, order: Order, amount, paid_on: datetime.date, note: str = "", user,
                seen: dict[int, int] | None = None) -> Payment:
    """入金済登録 of one payment (a part or the rest); refused beyond the balance, and when the order changed
    since the page showed it (`seen`: StaleWrite)."""
    amount = Decimal(amount)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        orders_refuse_stale([order], seen)
        if amount <= 0:
            raise ValidationError({"amount": _("Enter a payment amount above zero.")})
        if amount > order.balance:
            raise ValidationError({"amount": _("The payment (%(amount)s) is more than the balance (%(balance)s).")
                                   % {"amount": f"{amount:,}", "balance": f"{order.balance:,}"}})
        payment = Payment(order=order, amount=amount, paid_on=paid_on, note=note, created_by=user)
        payment._history_user = user
        payment._change_reason = _("Payment registered")
        payment.save()
        order_paid_recompute(order, user=user)
    return payment


def orders_pay_in_full(*, orders, paid_on: datetime.date, note: str = "", user,
                       seen: dict[int, int] | None = None) -> int:
    """入金済登録 in bulk: each order still owing gets one payment of its balance. Returns how many. An order
    changed since the page showed it (`seen`) refuses all of them (StaleWrite, nothing written)."""
    with transaction.atomic():
        locked = orders_lock(orders)
        orders_refuse_stale(locked, seen)
        todo = [o for o in locked if o.balance > 0]
        payments = [Payment(order=o, amount=o.balance, paid_on=paid_on, note=note, created_by=user) for o in todo]
        bulk_create_with_history(payments, Payment, batch_size=500, default_user=user,
                                 default_change_reason=_("Payment registered"))
        for order in todo:
            order.paid_total = order.total
        bulk_update_with_history(todo, Order, ["paid_total"], batch_size=500, default_user=user,
                                 default_change_reason=_("Payment registered"))
        locking.bump(Order, [o.pk for o in todo])  # an order's card or page opened before is refused (issue 24.3)
    return len(todo)


def order_paid_recompute(order: Order, *, user=None) -> None:
    paid = order.payments.aggregate(s=Sum("amount"))["s"] or ZERO
    if paid != order.paid_total:
        order.paid_total = paid
        order._history_user = user
        order._change_reason = _("Payment registered")
        order.save(update_fields=["paid_total"])
        locking.bump(Order, [order.pk])  # a page or card that showed the old total is refused (issue 24.3)


# --- estimates ----------------------------------------------------------------------------------
def estimate_convert(*, estimate: Estimate, user) -> Order:
    """見積から受注へ: a new order with the estimate's lines and tax settings; the estimate is marked
    受注. Only once: a second conversion is refused."""
    with transaction.atomic():
        estimate = Estimate.objects.select_for_update().get(pk=estimate.pk)
        if estimate.status == Estimate.Status.ORDERED or Order.objects.filter(estimate=estimate).exists():
            raise ValidationError({"status": _("This estimate has already been converted to an order.")})
        order = Order(customer=estimate.customer, estimate=estimate, prices_include_tax=estimate.prices_include_tax,
                      rounding=estimate.rounding, memo=estimate.memo, created_by=user)
        try:
            ship_to_fill(order)
        except ValidationError:
            order.ship_to = Order.ShipTo.OTHER  # completed on the order before it ships
        order._history_user = user
        order._change_reason = _("Converted from estimate %(number)s") % {"number": estimate.number}
        order.save()
        fields = ["product_id", "product_code", "product_name", "unit_price", "quantity", "discount", "tax_rate",
                  "is_return", "amount", "position"]
        lines = [OrderLine(order=order, **{f: getattr(line, f) for f in fields}) for line in estimate.lines.all()]
        bulk_create_with_history(lines, OrderLine, default_user=user)
        document_recompute(order)
        estimate.status = Estimate.Status.ORDERED
        estimate._history_user = user
        estimate._change_reason = _("Converted to order %(number)s") % {"number": order.number}
        estimate.save(update_fields=["status"])
        locking.bump(Estimate, [estimate.pk])  # its card opened before is refused (issue 24.3)
    return order


def estimate_valid_until(estimate: Estimate, settings: OrderSettings | None = None) -> datetime.date:
    settings = settings or OrderSettings.current()
    return estimate.issued_on + datetime.timedelta(days=settings.estimate_valid_days)
