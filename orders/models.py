"""Orders (O1) and estimates (O2): what a mail-order or sales desk takes on the phone.

Amounts are whole yen. A document keeps the tax settings it was made under (`prices_include_tax`,
`rounding`), so changing the office's settings later never changes an issued invoice. Its totals are
stored (for lists, the card's summary and the search) and recomputed by orders.services on every
write; the status is derived from what was done (shipped, paid), never typed.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import Customer, FamilyMember, Product

from . import tax

ZERO = Decimal(0)


def yen(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=0, default=ZERO, **kwargs)


class OrderSettings(models.Model):
    """受注・請求の設定: one row (pk 1), edited by admins."""

    rounding = models.CharField(_("Tax rounding"), max_length=10, choices=tax.Rounding.choices,
                                default=tax.Rounding.DOWN)
    prices_include_tax = models.BooleanField(
        _("Prices include tax"), default=False,
        help_text=_("On: unit prices are tax-inclusive (税込) and the tax is worked out of the total."))
    issuer_name = models.CharField(_("Issuer name"), max_length=200, blank=True)
    issuer_postal_code = models.CharField(_("Issuer postal code"), max_length=10, blank=True)
    issuer_address = models.CharField(_("Issuer address"), max_length=300, blank=True)
    issuer_tel = models.CharField(_("Issuer TEL"), max_length=30, blank=True)
    registration_number = models.CharField(
        _("Registration number"), max_length=20, blank=True,
        help_text=_("適格請求書発行事業者登録番号: T followed by 13 digits."))
    shipping_free_from = models.DecimalField(
        _("Free shipping from"), max_digits=14, decimal_places=0, null=True, blank=True,
        validators=[MinValueValidator(0)], help_text=_("Orders whose goods reach this amount ship free. Blank: never."))
    estimate_valid_days = models.PositiveIntegerField(_("Estimate valid for (days)"), default=30)

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Order settings")
        verbose_name_plural = _("Order settings")

    def __str__(self):
        return str(_("Order settings"))

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.registration_number:
            self.registration_number = tax.normalize_registration_number(self.registration_number)
            error = tax.registration_number_error(self.registration_number)
            if error:
                raise ValidationError({"registration_number": error})

    @classmethod
    def current(cls) -> "OrderSettings":
        return cls.objects.get_or_create(pk=1)[0]

    def bands(self) -> list[tax.ShippingBand]:
        return [tax.ShippingBand(b.from_amount, b.fee) for b in self.shipping_bands.all()]


class ShippingFeeBand(models.Model):
    """送料設定: from this goods total upward, this fee (until the next band)."""

    settings = models.ForeignKey(OrderSettings, on_delete=models.CASCADE, related_name="shipping_bands")
    from_amount = yen(_("Goods total from"), validators=[MinValueValidator(0)])
    fee = yen(_("Shipping fee"), validators=[MinValueValidator(0)])

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)

    class Meta:
        verbose_name = _("Shipping fee band")
        verbose_name_plural = _("Shipping fee bands")
        ordering = ["from_amount"]
        constraints = [models.UniqueConstraint(fields=["settings", "from_amount"], name="shipping_band_once")]

    def __str__(self):
        return f"{self.from_amount:,}〜 {self.fee:,}"


class Medium(models.Model):
    """媒体: what the customer saw before ordering (カタログ, チラシ, 新聞, TV, Web …)."""

    code = models.CharField(_("Medium code"), max_length=20, unique=True)
    name = models.CharField(_("Medium name"), max_length=100)
    position = models.PositiveIntegerField(_("Order"), default=0)
    is_active = models.BooleanField(_("In use"), default=True)

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Medium")
        verbose_name_plural = _("Media")
        ordering = ["position", "code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class Document(models.Model):
    """What an order and an estimate share: the tax settings it was made under, totals, memo, author.
    Each declares its own `customer` (PROTECT: an issued document outlives no customer by accident)."""

    prices_include_tax = models.BooleanField(_("Prices include tax"), default=False, editable=False)
    rounding = models.CharField(_("Tax rounding"), max_length=10, choices=tax.Rounding.choices,
                                default=tax.Rounding.DOWN, editable=False)
    net_total = yen(_("Total without tax"), editable=False)
    tax_total = yen(_("Consumption tax"), editable=False)
    total = yen(_("Total amount"), editable=False)
    memo = models.TextField(_("Memo"), blank=True)
    created_at = models.DateTimeField(_("Registered at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Registered by"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)

    class Meta:
        abstract = True


class Order(Document):
    """受注 (O1)."""

    class ShipTo(models.TextChoices):
        HOME = "home", _("Customer's address")
        COMPANY = "company", _("Contact address")
        FAMILY = "family", _("A family member")
        OTHER = "other", _("Typed")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")  # 受付
        PART_PAID = "part_paid", _("Partly paid")  # 一部入金
        PAID = "paid", _("Paid")  # 入金済
        SHIPPED = "shipped", _("Shipped")  # 出荷済
        DONE = "done", _("Completed")  # 完了

    customer = models.ForeignKey(Customer, verbose_name=_("Customer"), on_delete=models.PROTECT,
                                 related_name="orders")
    ordered_on = models.DateField(_("Order date"), default=timezone.localdate)
    medium = models.ForeignKey(Medium, verbose_name=_("Medium"), null=True, blank=True, on_delete=models.PROTECT)
    ship_to = models.CharField(_("Ship to"), max_length=10, choices=ShipTo.choices, default=ShipTo.HOME,
                               help_text=_("Saving copies the chosen address into the fields below; "
                                           "“Typed”: enter them."))
    ship_to_family = models.ForeignKey(FamilyMember, verbose_name=_("Family member"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    ship_name = models.CharField(_("Recipient"), max_length=200, blank=True)
    ship_postal_code = models.CharField(_("Ship-to postal code"), max_length=10, blank=True)
    ship_address = models.CharField(_("Ship-to address"), max_length=300, blank=True)
    ship_tel = models.CharField(_("Ship-to TEL"), max_length=30, blank=True)
    shipping_fee = yen(_("Shipping fee"), editable=False)
    shipped_on = models.DateField(_("Shipping date"), null=True, blank=True)
    tracking_number = models.CharField(_("Tracking number"), max_length=50, blank=True)
    paid_total = yen(_("Paid"), editable=False)
    estimate = models.OneToOneField("Estimate", verbose_name=_("Estimate"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="order", editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Sales order")
        verbose_name_plural = _("Orders")
        ordering = ["-ordered_on", "-id"]
        indexes = [models.Index(fields=["customer", "-ordered_on", "-id"], name="order_customer_newest"),
                   models.Index(fields=["ordered_on"], name="order_date")]

    def __str__(self):
        return f"{self.number} {self.ordered_on:%Y/%m/%d}"

    @property
    def number(self) -> str:
        return f"J{self.pk:07d}" if self.pk else ""

    @property
    def balance(self) -> Decimal:
        return self.total - self.paid_total

    @property
    def status(self) -> str:
        return order_status(shipped=self.shipped_on is not None, paid=self.paid_total, total=self.total)

    def get_status_display(self) -> str:
        return self.Status(self.status).label


def order_status(*, shipped: bool, paid: Decimal, total: Decimal) -> str:
    """受付 → 出荷済 / 一部入金 / 入金済 → 完了, from what was done."""
    fully_paid = paid >= total and (total > 0 or paid > 0 or shipped)
    if shipped and fully_paid:
        return Order.Status.DONE
    if shipped:
        return Order.Status.SHIPPED
    if fully_paid and paid > 0:
        return Order.Status.PAID
    if paid > 0:
        return Order.Status.PART_PAID
    return Order.Status.RECEIVED


class Line(models.Model):
    """A line of an order or an estimate: from the product master, its price and rate copied."""

    product = models.ForeignKey(Product, verbose_name=_("Product"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    product_code = models.CharField(_("Product code"), max_length=50, blank=True)
    product_name = models.CharField(_("Product name"), max_length=200, blank=True)
    unit_price = models.DecimalField(_("Unit price"), max_digits=12, decimal_places=0, null=True, blank=True,
                                     help_text=_("Left blank, the product's price."))
    quantity = models.DecimalField(_("Quantity"), max_digits=10, decimal_places=0, default=1)
    discount = models.DecimalField(_("Discount"), max_digits=12, decimal_places=0, default=ZERO)
    tax_rate = models.PositiveSmallIntegerField(_("Tax rate"), choices=tax.TaxRate.choices, null=True, blank=True,
                                                help_text=_("Left blank, the product's rate."))
    is_return = models.BooleanField(_("Return"), default=False)
    amount = models.DecimalField(_("Amount"), max_digits=14, decimal_places=0, default=ZERO, editable=False)
    position = models.PositiveSmallIntegerField(_("Order"), default=0)

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.product_code} {self.product_name}".strip()

    @property
    def reduced(self) -> bool:
        return self.tax_rate == tax.REDUCED

    def tax_line(self) -> tax.Line:
        return tax.Line(self.amount, self.tax_rate)


class OrderLine(Line):
    order = models.ForeignKey(Order, verbose_name=_("Sales order"), on_delete=models.CASCADE, related_name="lines")

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Order line")
        verbose_name_plural = _("Order lines")
        ordering = ["position", "id"]


class Payment(models.Model):
    """入金: an order may be paid in parts; never beyond its total."""

    order = models.ForeignKey(Order, verbose_name=_("Sales order"), on_delete=models.CASCADE, related_name="payments")
    paid_on = models.DateField(_("Payment date"), default=timezone.localdate)
    amount = models.DecimalField(_("Payment amount"), max_digits=14, decimal_places=0,
                                 validators=[MinValueValidator(1)])
    note = models.CharField(_("Note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Registered by"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Payment")
        verbose_name_plural = _("Payments")
        ordering = ["paid_on", "id"]

    def __str__(self):
        return f"{self.paid_on:%Y/%m/%d} {self.amount:,}"


class Estimate(Document):
    """見積 (O2)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Drafting")  # 作成中
        SUBMITTED = "submitted", _("Submitted")  # 提出済
        ORDERED = "ordered", _("Ordered")  # 受注 (set by the conversion only)
        LOST = "lost", _("Lost")  # 失注

    customer = models.ForeignKey(Customer, verbose_name=_("Customer"), on_delete=models.PROTECT,
                                 related_name="estimates")
    title = models.CharField(_("Subject"), max_length=200, blank=True)
    issued_on = models.DateField(_("Estimate date"), default=timezone.localdate)
    valid_until = models.DateField(_("Valid until"), null=True, blank=True,
                                   help_text=_("Left blank, the estimate date plus the days in the order settings."))
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.DRAFT)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Estimate")
        verbose_name_plural = _("Estimates")
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["customer", "-issued_on", "-id"], name="estimate_customer_newest")]

    def __str__(self):
        return f"{self.number} {self.title}".strip()

    @property
    def number(self) -> str:
        return f"M{self.pk:07d}" if self.pk else ""


class EstimateLine(Line):
    estimate = models.ForeignKey(Estimate, verbose_name=_("Estimate"), on_delete=models.CASCADE,
                                 related_name="lines")

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Estimate line")
        verbose_name_plural = _("Estimate lines")
        ordering = ["position", "id"]
