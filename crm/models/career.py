from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fieldconfig.lookup import ConfiguredLabel

from .customer import Customer


def label(name: str) -> ConfiguredLabel:
    return ConfiguredLabel("careerentry", name)


class CareerEntry(models.Model):
    """前職・兼職 (H4)."""

    customer = models.ForeignKey(Customer, verbose_name=_("Customer"), on_delete=models.CASCADE, related_name="career")
    date = models.DateField(label("date"), null=True, blank=True)
    company = models.CharField(label("company"), max_length=200)
    department = models.CharField(label("department"), max_length=200, blank=True)
    title = models.CharField(label("title"), max_length=100, blank=True)

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Career entry")
        verbose_name_plural = _("Career")
        ordering = ["-date", "-id"]

    def __str__(self):
        # Only what cannot be restricted (fieldconfig.defaults.STRUCTURAL): str() shows everywhere.
        return self.company
