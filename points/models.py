"""Points (ポイント, I2): a customer's ledger. Each entry adds or takes points; the balance is the sum of
the ledger, computed, never stored (points.selectors.balance_of), so it cannot drift from it. Entries are
never changed or deleted: a mistake is corrected by an entry of the opposite sign."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import Customer


class PointEntry(models.Model):
    customer = models.ForeignKey(Customer, verbose_name=_("Customer"), on_delete=models.PROTECT,
                                 related_name="point_entries")
    delta = models.IntegerField(_("Points"), help_text=_("Positive: points given; negative: points used."))
    reason = models.CharField(_("Reason"), max_length=200, blank=True)
    source = models.CharField(_("Source"), max_length=100, blank=True,
                              help_text=_("Where the entry came from: the outside system of an API call, or a screen."))
    idempotency_key = models.CharField(_("Idempotency key"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("Registered at"), auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Registered by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("Point entry")
        verbose_name_plural = _("Point entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-id"], name="points_customer_latest")]
        constraints = [models.CheckConstraint(condition=~models.Q(delta=0), name="points_delta_not_zero")]

    def __str__(self):
        return f"{self.customer_id}: {self.delta:+d}"
