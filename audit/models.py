"""R4 アクセスログ: an append-only record of who did what, when, from where."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        LOGIN = "login", _("Login")
        LOGIN_FAILED = "login_failed", _("Login failed")
        LOGOUT = "logout", _("Logout")
        LOCKOUT = "lockout", _("Locked out")
        CREATE = "create", _("Create")
        UPDATE = "update", _("Update")
        DELETE = "delete", _("Delete")
        EXPORT = "export", _("Data export")
        PRINT = "print", _("Print")
        IMPORT = "import", _("Data import")
        BULK = "bulk", _("Bulk action")
        MERGE = "merge", _("Merge")
        CONFIG = "config", _("Field configuration change")
        ROLE = "role", _("Role or scope change")
        DENIED = "denied", _("Access refused")

    at = models.DateTimeField(_("Date/time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("User"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(_("User ID"), max_length=150, blank=True)
    action = models.CharField(_("Action"), max_length=20, choices=Action.choices, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    target_type = models.CharField(_("Target"), max_length=100, blank=True)
    target_id = models.CharField(_("Target ID"), max_length=64, blank=True)
    target_repr = models.CharField(_("Target name"), max_length=200, blank=True)
    customer_code = models.CharField(_("Customer code"), max_length=20, blank=True, db_index=True)
    history_id = models.BigIntegerField(_("History record"), null=True, blank=True)
    row_count = models.PositiveIntegerField(_("Rows"), null=True, blank=True)
    detail = models.JSONField(_("Detail"), default=dict, blank=True)
    # Whose data the entry concerns, for the branch scope of the log (R2): the branch of the customer
    # (or of the branch-owned record) at the time of writing; none for an entry about no branch's
    # data (a login, an export). A plain id, not a foreign key: the log sits below crm and outlives
    # any branch. `cross_branch`: it concerns the data of several branches (a merge across them).
    branch_id = models.IntegerField(_("Branch"), null=True, blank=True)
    cross_branch = models.BooleanField(_("Several branches"), default=False)

    class Meta:
        verbose_name = _("Audit event")
        verbose_name_plural = _("Audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"], name="audit_user_at"),
                   models.Index(fields=["branch_id", "-at"], name="audit_branch_at")]
        default_permissions = ("view",)

    def __str__(self):
        # in the office's time zone, as the 日時 column shows it (issue 22, point 22)
        at = timezone.localtime(self.at) if self.at else None
        return f"{at:%Y/%m/%d %H:%M:%S} {self.username} {self.get_action_display()}" if at else self.username

    def save(self, *args, **kwargs):
        # Append-only: an entry, once written, is never rewritten.
        if self.pk is not None:
            raise PermissionError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events cannot be deleted.")
