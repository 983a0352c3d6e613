"""Business events (E1), their customers (E2) and the gift master (E4).

Branch scope: an event with a branch belongs to that branch (seen by people who see the
branch, and it takes only that branch's customers); an event without a branch is for every
branch (everyone sees it, and each person sees and links only the customers of their own
branches). crm.permissions decides both (`branch_owned_filter`, `customer_scope_filter`).
"""

import copy

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm import naming
from crm.models import Branch, Customer, FamilyMember, StaffDepartment
from printouts import addressing

YEAR_VALIDATORS = [MinValueValidator(1900), MaxValueValidator(2999)]


class GiftItem(models.Model):
    """贈答品マスタ: what may be sent for one season of one year."""

    class Season(models.TextChoices):
        SUMMER = "summer", _("Summer gift (お中元)")
        WINTER = "winter", _("Year-end gift (お歳暮)")

    year = models.PositiveSmallIntegerField(_("Year"), validators=YEAR_VALIDATORS)
    season = models.CharField(_("Season"), max_length=10, choices=Season.choices)
    name = models.CharField(_("Gift item"), max_length=200)
    rank = models.CharField(_("Rank"), max_length=20, blank=True, help_text=_("For example 松 / 竹 / 梅 or A / B / C"))
    price = models.DecimalField(_("Price"), max_digits=12, decimal_places=0, default=0,
                                validators=[MinValueValidator(0)])

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Gift item")
        verbose_name_plural = _("Gift items")
        ordering = ["-year", "season", "rank", "name"]
        constraints = [models.UniqueConstraint(fields=["year", "season", "name"], name="gift_item_unique_name")]

    def __str__(self):
        rank = f"［{self.rank}］" if self.rank else ""
        return f"{rank}{self.name}（¥{self.price:,.0f}）"


class Event(models.Model):
    """業務イベント: a new-year card list, a seasonal gift list, a seminar …, for one year."""

    class Kind(models.TextChoices):
        NEW_YEAR_CARD = "new_year_card", _("New-year cards (年賀状)")
        SUMMER_GIFT = "summer_gift", _("Summer gifts (お中元)")
        WINTER_GIFT = "winter_gift", _("Year-end gifts (お歳暮)")
        SEMINAR = "seminar", _("Seminar / event")
        OTHER = "other", _("Other")
        WINTER_GREETING = "winter_greeting", _("Winter greetings (寒中見舞い)")

    # Kinds where one person gets one piece of mail a year, whichever department sends it (E5):
    # the same person is never on two departments' lists of one of these kinds and year.
    ONE_PER_PERSON_KINDS = (Kind.NEW_YEAR_CARD, Kind.SUMMER_GIFT, Kind.WINTER_GIFT, Kind.WINTER_GREETING)

    # What a customer's row of the event's list records, per kind (E2): the fields its list shows and
    # edits in place, in this order, chosen to fit a 1366-px screen beside the customer's columns.
    # Cards: sent and received (出 / 受) with their dates, 喪中 for new-year cards (E5); gifts: this
    # year's gift and its price (last year's above it, E4), sent and a gift received; seminars: the
    # invitation sent and the attendance (出欠); other kinds (campaigns, DMs, exhibitions): the
    # attendance, sent with its date and a reply received. Every field of a row stays on the row's
    # own page, and a date left off the list is set when its box is ticked (EventLink.clean).
    LINK_FIELDS = {
        Kind.NEW_YEAR_CARD: ("sent", "sent_on", "received", "received_on", "mourning", "memo"),
        Kind.WINTER_GREETING: ("sent", "sent_on", "received", "received_on", "memo"),
        Kind.SUMMER_GIFT: ("gift", "gift_price", "sent", "received", "memo"),
        Kind.WINTER_GIFT: ("gift", "gift_price", "sent", "received", "memo"),
        Kind.SEMINAR: ("attendance", "sent", "sent_on", "memo"),
        Kind.OTHER: ("attendance", "sent", "sent_on", "received", "memo"),
    }

    class Status(models.TextChoices):
        PREPARING = "preparing", _("Preparing")
        OPEN = "open", _("Accepting entries")
        CLOSED = "closed", _("Closed")
        DONE = "done", _("Completed")

    kind = models.CharField(_("Kind"), max_length=20, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("Year"), validators=YEAR_VALIDATORS)
    name = models.CharField(_("Event name"), max_length=200)
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.PREPARING)
    department = models.ForeignKey(StaffDepartment, verbose_name=_("Owner department"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="events")
    branch = models.ForeignKey(Branch, verbose_name=_("Branch"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="events", help_text=_("Empty: an event for every branch."))
    carried_from = models.ForeignKey("self", verbose_name=_("Carried over from"), null=True, blank=True,
                                     editable=False, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("Registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)
    # Optimistic locking (issue 24.3): raised by one on every write, checked on every save (crm/locking.py).
    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Business event")
        verbose_name_plural = _("Business events")
        ordering = ["-year", "kind", "name", "id"]

    def __str__(self):
        return self.name if str(self.year) in self.name else f"{self.year}年 {self.name}"

    @property
    def link_fields(self) -> tuple[str, ...]:
        """The fields of a customer's row that mean something for this event's kind (LINK_FIELDS)."""
        return self.LINK_FIELDS[self.kind]

    @property
    def gift_season(self) -> str | None:
        return {self.Kind.SUMMER_GIFT: GiftItem.Season.SUMMER,
                self.Kind.WINTER_GIFT: GiftItem.Season.WINTER}.get(self.kind)

    def gift_items(self):
        """This year's items of the event's season (every item of the year for other kinds)."""
        items = GiftItem.objects.filter(year=self.year)
        return items.filter(season=self.gift_season) if self.gift_season else items


class EventLink(models.Model):
    """A customer on an event's list: response, 出 / 受, the gift and a memo.

    The target is the customer, or one of the customer's family members (E9, family_member set):
    the card then carries the family member's name at the customer's address. A card to the
    customer and to the spouse is two links. `person_key` is who the mail goes to (normalized
    name + address, events.mourning.people), written when the link is made and kept in step with
    the customer's writes (events.mourning.refresh_link_copies); it keeps one person off two
    departments' lists of the same kind and year. `customer_last_kana` / `customer_first_kana` are
    the customer's reading, kept in step the same way: the list is sorted by them through an index
    of the event's rows, not by joining and sorting every customer of the event (10,000 on a 年賀状).
    """

    class Attendance(models.TextChoices):
        UNDECIDED = "undecided", _("Undecided")
        ATTENDING = "attending", _("Attending")
        ABSENT = "absent", _("Not attending")

    event = models.ForeignKey(Event, verbose_name=_("Business event"), on_delete=models.CASCADE,
                              related_name="links")
    customer = models.ForeignKey(Customer, verbose_name=_("Customer"), on_delete=models.CASCADE,
                                 related_name="event_links")
    family_member = models.ForeignKey(FamilyMember, verbose_name=_("Family member"), null=True, blank=True,
                                      editable=False, on_delete=models.CASCADE, related_name="event_links",
                                      help_text=_("Empty: the customer."))
    person_key = models.CharField(max_length=400, blank=True, editable=False, default="")
    customer_last_kana = models.CharField(max_length=100, blank=True, editable=False, default="")
    customer_first_kana = models.CharField(max_length=100, blank=True, editable=False, default="")
    attendance = models.CharField(_("Attendance"), max_length=10, choices=Attendance.choices,
                                  default=Attendance.UNDECIDED)
    sent = models.BooleanField(_("Sent (出)"), default=False)
    sent_on = models.DateField(_("Sent on"), null=True, blank=True)
    received = models.BooleanField(_("Received (受)"), default=False)
    received_on = models.DateField(_("Received on"), null=True, blank=True)
    gift = models.ForeignKey(GiftItem, verbose_name=_("Gift item"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="links")
    gift_price = models.DecimalField(_("Gift price"), max_digits=12, decimal_places=0, null=True, blank=True,
                                     validators=[MinValueValidator(0)])
    previous_gift = models.ForeignKey(GiftItem, verbose_name=_("Last year's gift"), null=True, blank=True,
                                      editable=False, on_delete=models.SET_NULL, related_name="+")
    previous_gift_price = models.DecimalField(_("Last year's price"), max_digits=12, decimal_places=0,
                                              null=True, blank=True, editable=False)
    mourning = models.BooleanField(
        _("In mourning (喪中)"), default=False,
        help_text=_("New-year cards: the 喪中 record of the event's year (ticking makes it, clearing removes it). "
                    "Other kinds: a mark that 「喪中を除く」 reads when carrying over."))
    memo = models.CharField(_("Memo"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("Registered at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Registered by"), null=True,
                                   blank=True, editable=False, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)
    # Optimistic locking (issue 24.3): raised by one on every write, checked on every save (crm/locking.py).
    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"], no_db_index=["event", "customer", "family_member", "gift", "previous_gift",
                                             "created_by"])

    class Meta:
        verbose_name = _("Event customer")
        verbose_name_plural = _("Event customers")
        ordering = ["event", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "customer"], condition=models.Q(family_member__isnull=True),
                                    name="event_link_unique_customer"),
            models.UniqueConstraint(fields=["event", "family_member"],
                                    condition=models.Q(family_member__isnull=False), name="event_link_unique_family"),
        ]
        indexes = [models.Index(fields=["customer"], name="event_link_customer"),
                   models.Index(fields=["person_key"], name="event_link_person_key"),
                   models.Index(fields=["event", "customer_last_kana", "customer_first_kana", "id"],
                                name="event_link_reading")]

    def __str__(self):
        return f"{self.event} / {self.customer_id and self.customer.code}"

    # --- who the mail goes to (E9): read by the event's printouts and exports ------------------
    @property
    def recipient_name(self) -> str:
        """The family member's name, or the customer's (the person; the company when there is none)."""
        if self.family_member_id:
            return self.family_member.name
        return naming.person_name(self.customer) or self.customer.company_name

    @property
    def recipient_address(self) -> str:
        """〒 and the address the mail goes to: the customer's (a family member lives at it)."""
        recipient = self.recipient()
        return " ".join(p for p in (recipient.postal_display, recipient.address, recipient.building) if p)

    def recipient(self, *, hidden=frozenset()):
        """printouts.addressing.Recipient for this link: the customer's, or for a family member the
        customer's address with the family member's name and 様 (no company: the mail is personal)."""
        return addressing.recipient(self.addressed_customer(), hidden=hidden)

    def addressed_customer(self):
        """Who the link's mail is addressed to: the customer, or for a family member's row a copy of the
        customer marked with that member (printouts.addressing prints their name at the customer's address)."""
        if not self.family_member_id:
            return self.customer
        customer = copy.copy(self.customer)
        setattr(customer, addressing.FAMILY_MEMBER_ATTR, self.family_member)
        return customer

    def clean(self):
        if self.gift_id and self.event_id:
            gift, event = self.gift, self.event
            if gift.year != event.year or (event.gift_season and gift.season != event.gift_season):
                raise ValidationError({"gift": _("Choose a gift item of this event's year and season.")})
        # 出 / 受 and their dates go together: a date ticks the box, a ticked box without a date gets today's
        today = timezone.localdate()
        self.sent = self.sent or self.sent_on is not None
        self.received = self.received or self.received_on is not None
        if self.sent and self.sent_on is None:
            self.sent_on = today
        if self.received and self.received_on is None:
            self.received_on = today


class Mourning(models.Model):
    """喪中 (E5): a mourning card came from this customer (or for one family member), so no new-year
    card goes to them for `year`; they are offered for the 寒中見舞い list instead."""

    customer = models.ForeignKey(Customer, verbose_name=_("Customer"), on_delete=models.CASCADE,
                                 related_name="mournings")
    family_member = models.ForeignKey(FamilyMember, verbose_name=_("Family member"), null=True, blank=True,
                                      on_delete=models.CASCADE, related_name="+",
                                      help_text=_("Empty: the whole household (the customer and the family)."))
    year = models.PositiveSmallIntegerField(_("Year without new-year cards"), validators=YEAR_VALIDATORS,
                                            help_text=_("The year of the new-year cards that are not sent: "
                                                        "a mourning card received in November 2026 is for 2027."))
    received_on = models.DateField(_("Mourning card received on"), null=True, blank=True)
    memo = models.CharField(_("Memo"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("Registered at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Registered by"), null=True,
                                   blank=True, editable=False, on_delete=models.SET_NULL, related_name="+")

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)
    history = HistoricalRecords(excluded_fields=["version"], no_db_index=["customer", "family_member", "created_by"])

    class Meta:
        verbose_name = _("Mourning (喪中)")
        verbose_name_plural = _("Mourning (喪中)")
        ordering = ["-year", "customer", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "year"], condition=models.Q(family_member__isnull=True),
                                    name="mourning_unique_customer_year",
                                    violation_error_message=_("This household is already in mourning for this year.")),
            models.UniqueConstraint(fields=["customer", "family_member", "year"],
                                    condition=models.Q(family_member__isnull=False),
                                    name="mourning_unique_family_year",
                                    violation_error_message=_("This family member is already in mourning for this "
                                                              "year.")),
        ]
        indexes = [models.Index(fields=["year", "customer"], name="mourning_year_customer")]

    def __str__(self):
        who = self.family_member.name if self.family_member_id else (self.customer_id and self.customer.full_name)
        return f"{self.year}年 {who}"

    def clean(self):
        if self.family_member_id and self.customer_id and self.family_member.customer_id != self.customer_id:
            raise ValidationError({"family_member": _("Choose a family member of this customer.")})
