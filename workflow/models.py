"""Handoffs of inquiries (W1), their statuses and business-time alerts, and the mail outbox."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

WEEKDAYS = [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")), (4, _("Friday")),
            (5, _("Saturday")), (6, _("Sunday"))]


class CompanyCalendar(models.Model):
    """The company calendar (one row, edited by admins): office hours, lunch, closed weekdays,
    public holidays and 年末年始. Extra closed days are `ClosedDay` rows."""

    opens = models.TimeField(_("Office opens"), default=dt.time(9, 0))
    closes = models.TimeField(_("Office closes"), default=dt.time(18, 0))
    lunch_start = models.TimeField(_("Lunch break from"), null=True, blank=True, default=dt.time(12, 0))
    lunch_end = models.TimeField(_("Lunch break until"), null=True, blank=True, default=dt.time(13, 0))
    closed_weekdays = models.CharField(_("Closed weekdays"), max_length=20, default="5,6", blank=True,
                                       help_text=_("Weekday numbers separated by commas: 0 Monday … 5 Saturday, 6 Sunday."))
    public_holidays_closed = models.BooleanField(_("Closed on public holidays"), default=True)
    year_end_closed = models.BooleanField(_("Closed over the New Year holidays"), default=True)
    year_end_from = models.CharField(_("New Year holidays from (MM-DD)"), max_length=5, default="12-29")
    year_end_until = models.CharField(_("New Year holidays until (MM-DD)"), max_length=5, default="01-03")

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Company calendar")
        verbose_name_plural = _("Company calendar")

    def __str__(self):
        return str(_("Company calendar"))

    @classmethod
    def load(cls) -> CompanyCalendar:
        return cls.objects.get_or_create(pk=1)[0]

    def save(self, *args, **kwargs):
        self.pk = 1  # a singleton
        super().save(*args, **kwargs)

    def weekday_set(self) -> frozenset[int]:
        return frozenset(int(p) for p in self.closed_weekdays.replace("、", ",").split(",") if p.strip())

    def clean(self):
        errors = {}
        try:
            days = self.weekday_set()
            if any(d < 0 or d > 6 for d in days):
                raise ValueError
        except ValueError:
            errors["closed_weekdays"] = _("Enter weekday numbers from 0 to 6 separated by commas.")
        if self.opens and self.closes and self.opens >= self.closes:
            errors["closes"] = _("The office must close after it opens.")
        if bool(self.lunch_start) != bool(self.lunch_end):
            errors["lunch_end"] = _("Enter both ends of the lunch break, or neither.")
        elif self.lunch_start and self.lunch_end and self.lunch_start >= self.lunch_end:
            errors["lunch_end"] = _("The lunch break must end after it starts.")
        for name in ("year_end_from", "year_end_until"):
            try:
                month, day = month_day(getattr(self, name))
                dt.date(2024, month, day)
            except ValueError:
                errors[name] = _("Enter a month and day as MM-DD (e.g. 12-29).")
        if errors:
            raise ValidationError(errors)


def month_day(text: str) -> tuple[int, int]:
    month, day = text.strip().replace("/", "-").split("-")
    return int(month), int(day)


class ClosedDay(models.Model):
    """A day the office is closed besides weekends, holidays and 年末年始 (創立記念日, 棚卸 …)."""

    date = models.DateField(_("Date"), unique=True)
    name = models.CharField(_("Name"), max_length=100, blank=True)

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Closed day")
        verbose_name_plural = _("Closed days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y/%m/%d} {self.name}".strip()


class HandoffStatus(models.Model):
    """A status of a handoff (受付, 引継中, 対応中, 完了), configured by admins: its alert period in
    business minutes (empty: no alert), whether it stops the clock, and the statuses it may go to."""

    name = models.CharField(_("Name"), max_length=50, unique=True)
    order = models.PositiveIntegerField(_("Display order"), default=0)
    alert_minutes = models.PositiveIntegerField(
        _("Alert period (business minutes)"), null=True, blank=True,
        help_text=_("Office minutes an item may stay in this status before it is late. Empty: never late."))
    pauses_clock = models.BooleanField(_("Pauses the clock"), default=False,
                                       help_text=_("While an item has this status its period does not run."))
    is_handoff = models.BooleanField(_("Status of a new handoff"), default=False)
    is_closed = models.BooleanField(_("Closes the handoff"), default=False)
    next_statuses = models.ManyToManyField("self", symmetrical=False, blank=True, verbose_name=_("May change to"))

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Handoff status")
        verbose_name_plural = _("Handoff statuses")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class Handoff(models.Model):
    """An inquiry (a contact history) handed to a person, with its status and alert clock."""

    contact = models.ForeignKey("crm.ContactHistory", verbose_name=_("Contact history"), on_delete=models.CASCADE,
                                related_name="handoffs")
    customer = models.ForeignKey("crm.Customer", verbose_name=_("Customer"), on_delete=models.CASCADE,
                                 related_name="handoffs")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Handed to"), on_delete=models.PROTECT,
                                 related_name="handoffs")
    status = models.ForeignKey(HandoffStatus, verbose_name=_("Status"), on_delete=models.PROTECT, related_name="+")
    message = models.TextField(_("Message"), blank=True)
    status_since = models.DateTimeField(_("Status since"), default=timezone.now)
    due_at = models.DateTimeField(_("Due at"), null=True, blank=True)
    paused_minutes_left = models.PositiveIntegerField(_("Minutes left while paused"), null=True, blank=True)
    overdue = models.BooleanField(_("Late"), default=False)
    closed = models.BooleanField(_("Closed"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Handed by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("Registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Handoff")
        verbose_name_plural = _("Handoffs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["assignee", "closed", "due_at"], name="handoff_assignee_due"),
            models.Index(fields=["closed", "due_at"], name="handoff_open_due"),
        ]

    def __str__(self):
        return f"{self.customer} → {self.assignee} ({self.status})"


class HandoffEvent(models.Model):
    """One change of a handoff (handed over, status changed, reassigned, flagged late): who and when."""

    class Kind(models.TextChoices):
        HANDED = "handed", _("Handed over")
        STATUS = "status", _("Status changed")
        LATE = "late", _("Flagged late")

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="events", verbose_name=_("Handoff"))
    kind = models.CharField(_("Kind"), max_length=10, choices=Kind.choices)
    from_status = models.ForeignKey(HandoffStatus, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("From"))
    to_status = models.ForeignKey(HandoffStatus, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("To"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("By"))
    note = models.TextField(_("Note"), blank=True)
    at = models.DateTimeField(_("At"), default=timezone.now)

    class Meta:
        verbose_name = _("Handoff event")
        verbose_name_plural = _("Handoff events")
        ordering = ["at", "id"]

    def __str__(self):
        moved = " → ".join(str(status) for status in (self.from_status, self.to_status) if status)
        return f"{timezone.localtime(self.at):%Y/%m/%d %H:%M} {moved}".strip()


class Outbox(models.Model):
    """A mail to send, written in the transaction of what it tells; the sender marks it sent with a
    conditional update (workflow/mail.py), so it is sent once or waits here to be retried."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        UNCERTAIN = "uncertain", _("To check")

    to = models.EmailField(_("To"))
    subject = models.CharField(_("Subject"), max_length=200)
    body = models.TextField(_("Body"))
    handoff = models.ForeignKey(Handoff, null=True, blank=True, on_delete=models.SET_NULL, related_name="mails",
                                verbose_name=_("Handoff"))
    state = models.CharField(_("State"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("Attempts"), default=0)
    next_try_at = models.DateTimeField(_("Next try"), default=timezone.now)
    claimed_at = models.DateTimeField(_("Claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("Sent at"), null=True, blank=True)
    last_error = models.TextField(_("Last error"), blank=True)
    created_at = models.DateTimeField(_("Registered at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Outgoing mail")
        verbose_name_plural = _("Outgoing mail")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_try_at"], name="outbox_due")]

    def __str__(self):
        return f"{self.to}: {self.subject}"


class DailyFigure(models.Model):
    """The home screen's figures (W2), per branch, kept by the worker's periodic run
    (workflow.figures.refresh): for each day a snapshot of counts by kind and key, e.g.
    (new_customers, "2026-11") or (handoffs_by_status, <status id>). The charts read the latest
    day's rows of the branches a user may see; they never count the big tables themselves."""

    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        NEW_CUSTOMERS = "new_customers", _("New customers per month")
        CONTACTS_BY_CATEGORY = "contacts_by_category", _("Contacts per category (last 12 months)")
        HANDOFFS_BY_STATUS = "handoffs_by_status", _("Handoffs by status")

    day = models.DateField(_("Date"))
    branch = models.ForeignKey("crm.Branch", verbose_name=_("Branch"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("Kind"), max_length=30, choices=Kind.choices)
    key = models.CharField(_("Key"), max_length=30, blank=True)
    value = models.PositiveIntegerField(_("Value"), default=0)
    computed_at = models.DateTimeField(_("Computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("Daily figure")
        verbose_name_plural = _("Daily figures")
        default_permissions = ()  # written by the periodic run only; no screen
        constraints = [models.UniqueConstraint(fields=["day", "branch", "kind", "key"], name="daily_figure_unique")]
        indexes = [models.Index(fields=["day", "kind"], name="daily_figure_day_kind")]

    def __str__(self):
        return f"{self.day} {self.branch_id} {self.kind} {self.key}: {self.value}"
