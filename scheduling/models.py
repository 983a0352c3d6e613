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
    class Failure(models.TextChoices):
        """Why a change was not applied; with `failure_fields` it is worded for each viewer
        (selectors.failure_text), naming only the fields that viewer may see (R3)."""

        CUSTOMER_DELETED = "deleted", _("The customer was deleted")
        AUTHOR_LOST_CUSTOMER = "author_customer", _("Its author may no longer change the customer")
        AUTHOR_LOST_FIELDS = "author_fields", _("Its author may no longer change some of its fields")
        CHANGED_MEANWHILE = "changed", _("Changed by someone else meanwhile")
        INVALID = "invalid", _("A value is no longer valid")
        REFUSED = "refused", _("Refused by the database")

    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    failure_code = models.CharField(_("Reason not applied"), max_length=20, choices=Failure.choices, blank=True)
    # field name → the validation messages of that field ("__all__": of none); [] when there are none
    failure_fields = models.JSONField(default=dict, blank=True)
    # Changes that failed before failure_code existed: a sentence that may name any of their fields,
    # shown only to those who see every field of the change. Never written any more.
    failure_reason = models.TextField(blank=True)
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
    reason = models.CharField(max_length=255, blank=True)  # 更新目的 (before issue 22: why a change failed)
    history_id = models.BigIntegerField(null=True, blank=True)
    # SCHEDULE_FAILED: the change that failed; why is worded for the reader from it (R3)
    scheduled_change = models.ForeignKey(ScheduledChange, on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user} {self.customer_label}"

    class Meta:
        verbose_name = _("update notice")
        verbose_name_plural = _("update notices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "created_at"], name="notif_user_unread")]
