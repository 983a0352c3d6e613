from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fieldconfig.lookup import ConfiguredLabel

from .customer import Customer
from .masters import Product


def label(name: str) -> ConfiguredLabel:
    return ConfiguredLabel("purchase", name)


class Purchase(models.Model):
    """購買履歴 (H2). amount defaults to quantity × unit price."""

    customer = models.ForeignKey(
        Customer, verbose_name=label("customer"), on_delete=models.CASCADE, related_name="purchases"
    )
    date = models.DateField(label("date"), default=timezone.localdate)
    product = models.ForeignKey(
        Product, verbose_name=label("product"), null=True, blank=True, on_delete=models.SET_NULL
    )
    product_category = models.CharField(label("product_category"), max_length=100, blank=True)
    product_code = models.CharField(label("product_code"), max_length=50, blank=True)
    product_name = models.CharField(label("product_name"), max_length=200, blank=True)
    quantity = models.DecimalField(
        label("quantity"), max_digits=10, decimal_places=0, default=1, validators=[MinValueValidator(0)]
    )
    unit_price = models.DecimalField(
        label("unit_price"), max_digits=12, decimal_places=0, default=0, validators=[MinValueValidator(0)]
    )
    amount = models.DecimalField(
        label("amount"), max_digits=14, decimal_places=0, null=True, blank=True,
        help_text=_("Left blank, it is quantity × unit price."),
    )
    payment_method = models.CharField(label("payment_method"), max_length=50, blank=True)
    shipped = models.BooleanField(label("shipped"), default=False)
    paid = models.BooleanField(label("paid"), default=False)
    media = models.CharField(label("media"), max_length=100, blank=True)
    other1 = models.CharField(label("other1"), max_length=200, blank=True)
    other2 = models.CharField(label("other2"), max_length=200, blank=True)
    remark = models.CharField(label("remark"), max_length=500, blank=True)
    memo = models.TextField(label("memo"), blank=True)
    points = models.IntegerField(label("points"), default=0)
    created_at = models.DateTimeField(_("Registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)
    # Optimistic locking (issue 24.3): raised by one on every write, checked on every save (crm/locking.py).
    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Purchase")
        verbose_name_plural = _("Purchase histories")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["customer", "-date", "-id"], name="purchase_customer_newest"), models.Index(fields=["date"], name="purchase_date")]

    def __str__(self):
        return f"{self.date:%Y/%m/%d} {self.product_name}".strip()

    def fill_from_product(self) -> None:
        """Copy code, name, category and price from the master where the user left them blank."""
        if not self.product_id:
            return
        product = self.product
        self.product_code = self.product_code or product.code
        self.product_name = self.product_name or product.name
        self.product_category = self.product_category or product.category
        if not self.unit_price:
            self.unit_price = product.unit_price

    def clean(self):
        self.fill_from_product()
        if self.amount is None and self.quantity is not None and self.unit_price is not None:
            self.amount = self.quantity * self.unit_price

    def save(self, *args, **kwargs):
        # The amount invariant holds on every write path, not only through forms.
        if self.amount is None:
            self.clean()
        super().save(*args, **kwargs)
