"""A public web form (I1): 資料請求, 会員登録 … Which fields it asks, where its new customers go, the
contact category of what it records, the thank-you mail and who is told."""

from __future__ import annotations

import re

from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext, gettext_lazy as _
from simple_history.models import HistoricalRecords

# The customer fields a public form may ask, in the order the form shows them. Never the code, the
# branch, the staff, the categories, the check boxes or remarks: what the office decides.
PUBLIC_FIELDS = [
    "last_name", "first_name", "last_name_kana", "first_name_kana",
    "company_name", "company_kana", "department", "title",
    "postal_code", "address", "building", "tel", "mobile", "fax", "email", "gender",
]
PHONE_FIELDS = ("tel", "mobile", "fax")
WEB_CATEGORY = "Web問合せ"  # the contact category made by migration 0002, offered to a new form
_ADDRESS_SEPARATORS = re.compile(r"[\s,;、，；]+")


def default_fields():
    return ["last_name", "first_name", "last_name_kana", "first_name_kana", "postal_code", "address", "building",
            "tel", "email"]


def default_required():
    return ["last_name", "first_name", "email"]


def default_message_label():
    return gettext("Your inquiry")


def default_thanks_text():
    return gettext("Thank you. We have received your message and will contact you shortly.")


def default_mail_subject():
    return gettext("Thank you for your inquiry")


def default_mail_body():
    return gettext("Dear {name},\n\nThank you for contacting us through “{form}”.\nWe have received your message "
                   "and will contact you shortly.\n\nThis mail was sent automatically; please do not reply to it.")


class InquiryForm(models.Model):
    name = models.CharField(_("Form name"), max_length=100, help_text=_("e.g. 資料請求, 会員登録"))
    key = models.SlugField(
        _("Address key"), max_length=50, unique=True,
        help_text=_("The last part of the form's public address (letters, digits, - and _), e.g. shiryo."))
    active = models.BooleanField(_("Accepting"), default=True,
                                 help_text=_("When off, the public page says the form is closed."))
    branch = models.ForeignKey("crm.Branch", verbose_name=_("Branch of new customers"), on_delete=models.PROTECT,
                               related_name="+")
    category = models.ForeignKey("crm.ContactCategory", verbose_name=_("Contact category"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 help_text=_("The category of the contact history each submission adds."))
    fields = models.JSONField(_("Fields asked"), default=default_fields)
    required_fields = models.JSONField(_("Required fields"), default=default_required, blank=True)
    intro = models.TextField(_("Text above the form"), blank=True)
    message_label = models.CharField(
        _("Message field label"), max_length=100, blank=True, default=default_message_label,
        help_text=_("A free text box saved as the contact history's detail; empty: no such box."))
    thanks_text = models.TextField(_("Text after sending"), default=default_thanks_text)
    mail_subject = models.CharField(_("Thank-you mail subject"), max_length=200, default=default_mail_subject)
    mail_body = models.TextField(
        _("Thank-you mail text"), default=default_mail_body,
        help_text=_("{name} becomes the sender's name, {form} the form's name. Sent only when an email "
                    "address was given."))
    notify_to = models.TextField(
        _("Staff to notify"), blank=True,
        help_text=_("Email addresses, one per line, that receive a notice of each submission."))
    created_at = models.DateTimeField(_("Registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Web form")
        verbose_name_plural = _("Web forms")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def notify_addresses(self) -> list[str]:
        addresses = [a for a in _ADDRESS_SEPARATORS.split(self.notify_to or "") if a]
        return list(dict.fromkeys(addresses))

    def asked_fields(self, hidden=()) -> list[str]:
        """The fields the public page shows: the admin's choice, in the form's order, less any field the
        configuration has hidden since."""
        chosen = set(self.fields or ())
        return [name for name in PUBLIC_FIELDS if name in chosen and name not in hidden]


def validate_addresses(value: str) -> None:
    for address in _ADDRESS_SEPARATORS.split(value or ""):
        if address:
            validate_email(address)
