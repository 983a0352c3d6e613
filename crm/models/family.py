from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fieldconfig.lookup import ConfiguredLabel

from .. import normalize
from ..validators import validate_kana
from .customer import Customer


def label(name: str) -> ConfiguredLabel:
    return ConfiguredLabel("familymember", name)


class FamilyMember(models.Model):
    """家族 (H3), edited on the customer card."""

    customer = models.ForeignKey(Customer, verbose_name=_("Customer"), on_delete=models.CASCADE, related_name="family")
    registered_on = models.DateField(label("registered_on"), default=timezone.localdate)
    relation = models.CharField(label("relation"), max_length=50, blank=True)
    name = models.CharField(label("name"), max_length=100)
    name_kana = models.CharField(label("name_kana"), max_length=100, blank=True, validators=[validate_kana])
    gender = models.CharField(label("gender"), max_length=1, choices=Customer.Gender.choices, blank=True)
    birth_date = models.DateField(label("birth_date"), null=True, blank=True)
    lives_together = models.BooleanField(label("lives_together"), default=False)
    occupation = models.CharField(label("occupation"), max_length=100, blank=True)
    hobbies = models.CharField(label("hobbies"), max_length=200, blank=True)
    # 連名: printed beside the customer's name on postcards, under the same honorific column (P4).
    joint_name = models.BooleanField(label("joint_name"), default=False)

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Family member")
        verbose_name_plural = _("Family")
        ordering = ["registered_on", "id"]

    def __str__(self):
        return self.name

    def apply_invariants(self) -> None:
        """The reading in katakana, as the customer's (ﾔﾏﾀﾞ, やまだ → ヤマダ)."""
        self.name_kana = normalize.to_katakana(self.name_kana)

    def save(self, *args, **kwargs):
        # Every write path (the card's editor, history restores, scripts) stores the same reading.
        self.apply_invariants()
        super().save(*args, **kwargs)
