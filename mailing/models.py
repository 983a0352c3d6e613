"""Bulk mail (W4): the office's rate, saved templates, and each campaign with one row per recipient.

A campaign and all its recipient rows are written in one transaction when the sender confirms; the
worker then moves them, at the office's rate, into workflow's outbox (one outbox row per recipient,
kept on the recipient row: never two), which sends each exactly once (workflow/mail.py)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class MailSettings(models.Model):
    """The office's bulk-mail settings (one row, edited by admins)."""

    rate_per_minute = models.PositiveIntegerField(
        _("Mails per minute"), default=60, validators=[MinValueValidator(1), MaxValueValidator(10000)],
        help_text=_("How many bulk mails the worker hands to the mail server per minute. Ask your mail "
                    "provider for its limit."))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Bulk mail settings")
        verbose_name_plural = _("Bulk mail settings")

    def __str__(self):
        return str(_("Bulk mail settings"))

    @classmethod
    def load(cls) -> MailSettings:
        return cls.objects.get_or_create(pk=1)[0]

    def save(self, *args, **kwargs):
        self.pk = 1  # a singleton
        super().save(*args, **kwargs)


class MailTemplate(models.Model):
    """A saved template (件名 and 本文 with merge fields such as {{氏名}}), kept by admins."""

    name = models.CharField(_("Template name"), max_length=100, unique=True)
    subject = models.CharField(_("Subject"), max_length=200)
    body = models.TextField(_("Body"))
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Mail template")
        verbose_name_plural = _("Mail templates")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Campaign(models.Model):
    """One bulk mail: its template as the sender wrote it, who sent it, and where the worker is."""

    class State(models.TextChoices):
        SENDING = "sending", _("Sending")
        DONE = "done", _("Done")
        STOPPED = "stopped", _("Stopped")

    sender = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Sender"), on_delete=models.PROTECT,
                               related_name="+")
    subject = models.CharField(_("Subject"), max_length=200)
    body = models.TextField(_("Body"))
    source = models.CharField(_("Recipients from"), max_length=300, blank=True)
    state = models.CharField(_("State"), max_length=10, choices=State.choices, default=State.SENDING)
    stop_reason = models.TextField(_("Why it stopped"), blank=True)
    # the next batch may start from this time on; a runner claims the batch by moving it (one conditional
    # update), so two runners never take the same batch and the rate holds
    next_batch_at = models.DateTimeField(_("Next batch"), default=timezone.now)
    created_at = models.DateTimeField(_("Registered at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("Finished at"), null=True, blank=True)

    # who wrote it and when (its later states are the worker's conditional updates, not history)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Bulk mail")
        verbose_name_plural = _("Bulk mails")
        ordering = ["-created_at", "-id"]
        permissions = [("send_campaign", _("Can send bulk mail"))]
        indexes = [models.Index(fields=["state", "next_batch_at"], name="campaign_due")]

    def __str__(self):
        return f"{timezone.localtime(self.created_at):%Y/%m/%d %H:%M} {self.subject}" if self.created_at \
            else self.subject


class CampaignRecipient(models.Model):
    """One customer of a campaign: the message made for them, and what became of it."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        QUEUED = "queued", _("Handed to the outbox")
        SKIPPED = "skipped", _("Not sent")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients",
                                 verbose_name=_("Bulk mail"))
    customer = models.ForeignKey("crm.Customer", on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("Customer"))
    email = models.EmailField(_("To"))
    subject = models.CharField(_("Subject"), max_length=200)
    body = models.TextField(_("Body"))
    state = models.CharField(_("State"), max_length=10, choices=State.choices, default=State.WAITING)
    skip_reason = models.CharField(_("Why not sent"), max_length=200, blank=True)
    # the one outbox row of this recipient (unique: a recipient is never handed over twice)
    outbox = models.OneToOneField("workflow.Outbox", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="campaign_recipient", verbose_name=_("Outgoing mail"))

    class Meta:
        verbose_name = _("Bulk mail recipient")
        verbose_name_plural = _("Bulk mail recipients")
        ordering = ["campaign", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "customer"], name="campaign_customer_once")]
        indexes = [models.Index(fields=["campaign", "state", "id"], name="campaign_recipient_state")]

    def __str__(self):
        return self.email
