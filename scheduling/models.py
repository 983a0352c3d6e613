"""C11: future-dated changes of a customer, who follows what, and the change notifications."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ScheduledChange(models.Model):
    """Field values saved now, written to the customer on `effective_date` (services.apply_due)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPLIED = "applied", _("Applied")
        CANCELLED = "cancelled", _("Cancelled by a user")
        FAILED = "failed", _("Not applied")

    # SET_NULL: a change whose customer was deleted stays, to be reported as not applied.
    customer = models.ForeignKey("crm.Customer", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="scheduled_changes", verbose_name=_("Customer"))
    customer_label = models.CharField(_("Customer"), max_length=200, blank=True)  # code and name, for the report
    changes = models.JSONField(_("Changes"))  # field name → new value (JSON)
    base_values = models.JSONField(default=dict)  # field name → value when the change was saved
    base_history_id = models.BigIntegerField(null=True, blank=True)  # the customer's version it was based on
    effective_date = models.DateField(_("Effective date"))
    reason = models.CharField(_("Purpose of update"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("Scheduled by"))
    created_at = models.DateTimeField(_("Scheduled at"), auto_now_add=True)
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.TextField(_("Reason not applied"), blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)  # applied, cancelled or failed at
    finished_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")  # who cancelled
    applied_history_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled change")
        verbose_name_plural = _("scheduled changes")
        ordering = ["effective_date", "id"]
        indexes = [models.Index(fields=["status", "effective_date"], name="sched_status_date")]

    def __str__(self):
        return f"{self.customer_label} {self.effective_date:%Y/%m/%d}"


class Follow(models.Model):
    """A user follows one customer or one branch (部署): changes by others become notifications."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    customer = models.ForeignKey("crm.Customer", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="followers")
    branch = models.ForeignKey("crm.Branch", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="followers")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return str(self.user)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.CheckConstraint(
                condition=(Q(customer__isnull=False, branch__isnull=True) | Q(customer__isnull=True, branch__isnull=False)),
                name="follow_one_target",
            ),
            models.UniqueConstraint(fields=["user", "customer"], name="follow_unique_customer"),
            models.UniqueConstraint(fields=["user", "branch"], name="follow_unique_branch"),
        ]


class Notification(models.Model):
    """One line of a user's 更新通知: a change by someone else, or a scheduled change not applied."""

    class Kind(models.TextChoices):
        CHANGED = "changed", _("Changed")
        ADDED = "added", _("Added")
        SCHEDULE_FAILED = "failed", _("Scheduled change not applied")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    customer = models.ForeignKey("crm.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    customer_label = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CHANGED)
    fields = models.JSONField(default=list)  # names of the customer's fields that changed
    reason = models.CharField(max_length=255, blank=True)  # 更新目的, or why a scheduled change failed
    history_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user} {self.customer_label}"

    class Meta:
        verbose_name = _("update notice")
        verbose_name_plural = _("update notices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "created_at"], name="notif_user_unread")]
