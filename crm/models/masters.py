from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CustomerCategory(models.Model):
    """顧客分類."""

    name = models.CharField(_("Category name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("Order"), default=0)

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Customer category")
        verbose_name_plural = _("Customer categories")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class ContactCategory(models.Model):
    """応対区分: 来店, 電話問合せ, メール問合せ, クレーム, ご要望, その他 (admin-editable)."""

    name = models.CharField(_("Category name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("Order"), default=0)

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Contact category")
        verbose_name_plural = _("Contact categories")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Product(models.Model):
    """商品マスタ."""

    code = models.CharField(_("Product code"), max_length=50, unique=True)
    name = models.CharField(_("Product name"), max_length=200)
    category = models.CharField(_("Product category"), max_length=100, blank=True)
    unit_price = models.DecimalField(
        _("Unit price"), max_digits=12, decimal_places=0, default=0, validators=[MinValueValidator(0)]
    )
    # 消費税率: 10 % standard, 8 % reduced (food and drink, newspapers); the orders app prints the
    # reduced-rate mark from it.
    tax_rate = models.PositiveSmallIntegerField(
        _("Tax rate"), choices=[(10, _("10% (standard)")), (8, _("8% (reduced)"))], default=10
    )
    is_active = models.BooleanField(_("In use"), default=True)

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Product")
        verbose_name_plural = _("Products")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"
