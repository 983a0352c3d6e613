"""The forms of the order and estimate screens: bad input is refused at its field, in Japanese,
by the same rules the services apply (orders.services)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.forms import InlineForm, JapaneseDateField

from . import services, tax
from .models import Estimate, EstimateLine, Order, OrderLine


def add_errors(form, error: ValidationError) -> None:
    for field, messages in error.message_dict.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class LineForm(InlineForm):
    """A line: a product chosen or its code typed; blanks filled from the product master."""

    FILLED = ("product", "product_code", "product_name", "unit_price", "tax_rate")

    def clean(self):
        cleaned = super().clean()
        if not self.has_changed() or cleaned.get("DELETE") or self.errors:
            return cleaned
        line = self._meta.model(**{name: cleaned.get(name) for name in
                                   ("product", "product_code", "product_name", "unit_price", "tax_rate",
                                    "is_return") if name in self.fields})
        line.quantity = cleaned.get("quantity")
        line.discount = cleaned.get("discount") if cleaned.get("discount") is not None else 0
        try:
            services.line_fill(line)
        except ValidationError as error:
            add_errors(self, error)
            return cleaned
        for name in self.FILLED:
            if name in self.fields:
                cleaned[name] = getattr(line, name)
        cleaned["discount"] = line.discount
        self.instance.amount = line.amount  # not a form field: construct_instance leaves it
        return cleaned


class OrderLineFormSet(forms.BaseInlineFormSet):
    """An order's lines may not bring its total below what was already paid."""

    def clean(self):
        super().clean()
        order = self.instance
        if order.pk is None or not order.paid_total or any(self.errors):
            return
        deleted = {id(form) for form in self.deleted_forms}
        lines = [tax.Line(form.instance.amount, form.instance.tax_rate) for form in self.forms
                 if id(form) not in deleted and (form.instance.pk or form.has_changed())]
        total = services.order_totals_for(order, lines).gross
        if total < order.paid_total:
            raise ValidationError(_("These lines bring the total (%(total)s) below what was already paid "
                                    "(%(paid)s). Delete a payment first.")
                                  % {"total": f"{total:,}", "paid": f"{order.paid_total:,}"})


class OrderLineForm(LineForm):
    class Meta:
        model = OrderLine
        fields = ["product", "product_code", "product_name", "unit_price", "quantity", "discount", "tax_rate",
                  "is_return"]


class EstimateLineForm(LineForm):
    class Meta:
        model = EstimateLine
        fields = OrderLineForm.Meta.fields


SHIP_FIELDS = ("ship_name", "ship_postal_code", "ship_address", "ship_tel")


class OrderForm(forms.ModelForm):
    SHIP_FIELDS = SHIP_FIELDS

    class Meta:
        model = Order
        fields = ["customer", "ordered_on", "medium", "ship_to", "ship_to_family", *SHIP_FIELDS, "shipped_on",
                  "tracking_number", "memo"]

    def clean(self):
        cleaned = super().clean()
        customer = cleaned.get("customer") or (self.instance.customer if self.instance.customer_id else None)
        if customer is None or "ship_to" not in cleaned:
            return cleaned
        scratch = Order(customer=customer, ship_to=cleaned["ship_to"], ship_to_family=cleaned.get("ship_to_family"),
                        **{name: cleaned.get(name) or "" for name in self.SHIP_FIELDS})
        # A new order, or another ship-to chosen: copied from it; otherwise what is stored (or typed) stays.
        copy = self.instance.pk is None or bool({"customer", "ship_to", "ship_to_family"} & set(self.changed_data))
        try:
            services.ship_to_fill(scratch, copy=copy)
        except ValidationError as error:
            add_errors(self, error)
            return cleaned
        for name in self.SHIP_FIELDS:
            cleaned[name] = getattr(scratch, name)
        if cleaned.get("tracking_number") and not cleaned.get("shipped_on"):
            self.add_error("shipped_on", _("Enter the shipping date of this tracking number."))
        return cleaned


class EstimateForm(forms.ModelForm):
    class Meta:
        model = Estimate
        fields = ["customer", "title", "issued_on", "valid_until", "status", "memo"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "status" in self.fields and self.instance.status != Estimate.Status.ORDERED:
            # 受注 comes from the conversion, never from this pulldown
            self.fields["status"].choices = [c for c in self.fields["status"].choices
                                             if c[0] != Estimate.Status.ORDERED]

    def clean(self):
        cleaned = super().clean()
        issued, until = cleaned.get("issued_on"), cleaned.get("valid_until")
        if issued and until and until < issued:
            self.add_error("valid_until", _("The validity date is before the estimate date."))
        return cleaned


class ShipmentForm(forms.Form):
    shipped_on = JapaneseDateField(label=_("Shipping date"))
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=50, required=False)


class PaymentForm(forms.Form):
    paid_on = JapaneseDateField(label=_("Payment date"))
    amount = forms.DecimalField(label=_("Payment amount"), max_digits=14, decimal_places=0, required=False,
                                help_text=_("Blank: the balance of each order is paid in full."))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, orders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.orders = list(orders)

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount is None:
            return None
        if len(self.orders) != 1:
            raise ValidationError(_("An amount is entered for one order at a time; leave it blank to pay each "
                                    "order's balance."))
        if amount <= 0:
            raise ValidationError(_("Enter a payment amount above zero."))
        order = self.orders[0]
        if amount > order.balance:
            raise ValidationError(_("The payment (%(amount)s) is more than the balance (%(balance)s).")
                                  % {"amount": f"{amount:,}", "balance": f"{order.balance:,}"})
        return amount


