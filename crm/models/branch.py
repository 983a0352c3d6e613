from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Branch(models.Model):
    """店舗・拠点. Every customer belongs to one; branch users see only their own (R2)."""

    code = models.CharField(_("Branch code"), max_length=20, unique=True)
    name = models.CharField(_("Branch name"), max_length=100)
    position = models.PositiveIntegerField(_("Order"), default=0)

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Branch")
        verbose_name_plural = _("Branches")
        ordering = ["position", "code"]
        # Granted per branch with django-guardian (crm.permissions): who sees this branch's customers.
        permissions = [("access_branch", _("Can see the customers of this branch"))]

    def __str__(self):
        return self.name


class StaffDepartment(models.Model):
    """利用者部門: our own departments, used for 担当部署 and contact history."""

    name = models.CharField(_("Department name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("Order"), default=0)

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Staff department")
        verbose_name_plural = _("Staff departments")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Staff(AbstractUser):
    """利用者: the people who log in."""

    display_name = models.CharField(_("Full name"), max_length=100, blank=True)
    display_name_kana = models.CharField(_("Full name (kana)"), max_length=100, blank=True)
    department = models.ForeignKey(
        StaffDepartment, verbose_name=_("Department"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="members",
    )
    is_department_head = models.BooleanField(
        _("Department head"), default=False,
        help_text=_("Sees the late and due-today handoffs of their department's people on the home screen."),
    )
    # Every Kokyaku user works in the admin screens; roles decide what they may do there.
    is_staff = models.BooleanField(_("Can log in"), default=True)
    is_head_office = models.BooleanField(
        _("Head office"), default=False, help_text=_("Head-office staff see the customers of every branch.")
    )

    class Meta:
        verbose_name = _("Staff")
        verbose_name_plural = _("Staff")
        ordering = ["display_name_kana", "username"]

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username
