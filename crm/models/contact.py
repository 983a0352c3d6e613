import os

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fieldconfig.defaults import CONTENT_COUNT
from fieldconfig.lookup import ConfiguredLabel

from .branch import StaffDepartment
from .customer import Customer
from .masters import ContactCategory


def label(name: str) -> ConfiguredLabel:
    return ConfiguredLabel("contacthistory", name)


ContentFields = type(
    "ContentFields",
    (models.Model,),
    {
        "__module__": __name__,
        "Meta": type("Meta", (), {"abstract": True}),
        **{
            f"content{i}": models.CharField(label(f"content{i}"), max_length=500, blank=True)
            for i in range(1, CONTENT_COUNT + 1)
        },
    },
)


class ContactHistory(ContentFields):
    """応対履歴 (H1)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        HANDED_OFF = "handed_off", _("Handed off")
        DONE = "done", _("Done")

    customer = models.ForeignKey(
        Customer, verbose_name=label("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    date = models.DateField(label("date"), default=timezone.localdate)
    category = models.ForeignKey(
        ContactCategory, verbose_name=label("category"), null=True, blank=True, on_delete=models.SET_NULL
    )
    detail = models.TextField(label("detail"), blank=True)
    response = models.TextField(label("response"), blank=True)
    status = models.CharField(label("status"), max_length=20, choices=Status.choices, blank=True)
    next_action_date = models.DateField(label("next_action_date"), null=True, blank=True)
    department = models.ForeignKey(
        StaffDepartment, verbose_name=label("department"), null=True, blank=True, on_delete=models.SET_NULL
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=label("staff"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = models.TextField(label("notes"), blank=True)
    remark = models.CharField(label("remark"), max_length=500, blank=True)
    memo = models.TextField(label("memo"), blank=True)
    created_at = models.DateTimeField(_("Registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)
    # Optimistic locking (issue 24.3): raised by one on every write, checked on every save (crm/locking.py).
    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Contact history")
        verbose_name_plural = _("Contact histories")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["customer", "-date", "-id"], name="contact_customer_newest"), models.Index(fields=["date"], name="contact_date")]

    def __str__(self):
        return f"{self.date:%Y/%m/%d} {self.category or ''}".strip()


def attachment_path(instance, filename):
    # The stored name never reuses the uploaded one: no path tricks, no collisions.
    ext = os.path.splitext(filename)[1].lower()[:10]
    return f"attachments/{timezone.now():%Y/%m}/{os.urandom(12).hex()}{ext}"


class ContactAttachment(models.Model):
    """A file on a contact history (Excel, PDF, images), served only through a permission check."""

    contact = models.ForeignKey(
        ContactHistory, verbose_name=_("Contact history"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("File"), upload_to=attachment_path)
    original_name = models.CharField(_("File name"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("Size"), default=0)
    uploaded_at = models.DateTimeField(_("Uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Uploaded by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Attachment")
        verbose_name_plural = _("Attachments")
        ordering = ["id"]

    def __str__(self):
        return self.original_name or os.path.basename(self.file.name)
