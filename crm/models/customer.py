from datetime import date

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from fieldconfig.defaults import CHECK_COUNT, REMARK_COUNT
from fieldconfig.lookup import ConfiguredLabel, config, mode_choice

from .. import normalize
from ..validators import validate_kana, validate_phone, validate_postal_code
from .branch import Branch, StaffDepartment
from .masters import CustomerCategory


def label(name: str) -> ConfiguredLabel:
    return ConfiguredLabel("customer", name)


def _numbered_fields(prefix: str, count: int, make) -> type:
    """An abstract model with prefix1..prefixN: explicit columns, so search and forms stay plain."""
    attrs = {f"{prefix}{i}": make(f"{prefix}{i}") for i in range(1, count + 1)}
    attrs["__module__"] = __name__
    attrs["Meta"] = type("Meta", (), {"abstract": True})
    return type(f"{prefix.title()}Fields", (models.Model,), attrs)


RemarkFields = _numbered_fields(
    "remark", REMARK_COUNT, lambda name: models.CharField(label(name), max_length=500, blank=True)
)
CheckFields = _numbered_fields("check", CHECK_COUNT, lambda name: models.BooleanField(label(name), default=False))


class CodeSequence(models.Model):
    """The last number handed out per sequence; locked while the next one is taken."""

    name = models.CharField(max_length=40, primary_key=True)
    last_value = models.BigIntegerField(default=0)

    @classmethod
    def next_value(cls, name: str) -> int:
        with transaction.atomic():
            seq, _created = cls.objects.select_for_update().get_or_create(name=name)
            seq.last_value += 1
            seq.save(update_fields=["last_value"])
            return seq.last_value


class Customer(RemarkFields, CheckFields):
    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")
        OTHER = "O", _("Other")

    class SendTo(models.TextChoices):
        HOME = "home", pgettext_lazy("address", "Home")
        COMPANY = "company", mode_choice("customer", "send_to", "company", _("Company"))  # 勤務先 in 個人 mode
        CONTACT = "contact", _("Contact")

    code = models.CharField(label("code"), max_length=20, unique=True, blank=True)
    branch = models.ForeignKey(Branch, verbose_name=label("branch"), on_delete=models.PROTECT, related_name="customers")

    last_name = models.CharField(label("last_name"), max_length=50, blank=True)
    first_name = models.CharField(label("first_name"), max_length=50, blank=True)
    last_name_kana = models.CharField(label("last_name_kana"), max_length=100, blank=True, validators=[validate_kana])
    first_name_kana = models.CharField(label("first_name_kana"), max_length=100, blank=True, validators=[validate_kana])
    company_name = models.CharField(label("company_name"), max_length=200, blank=True)
    company_kana = models.CharField(label("company_kana"), max_length=200, blank=True, validators=[validate_kana])
    department = models.CharField(label("department"), max_length=200, blank=True)
    title = models.CharField(label("title"), max_length=100, blank=True)
    industry = models.CharField(label("industry"), max_length=100, blank=True)

    postal_code = models.CharField(label("postal_code"), max_length=10, blank=True, validators=[validate_postal_code])
    address = models.CharField(label("address"), max_length=300, blank=True)
    building = models.CharField(label("building"), max_length=200, blank=True)
    tel = models.CharField(label("tel"), max_length=30, blank=True, validators=[validate_phone])
    fax = models.CharField(label("fax"), max_length=30, blank=True, validators=[validate_phone])
    mobile = models.CharField(label("mobile"), max_length=30, blank=True, validators=[validate_phone])
    email = models.EmailField(label("email"), max_length=254, blank=True)
    url = models.URLField(label("url"), max_length=500, blank=True)
    birth_date = models.DateField(label("birth_date"), null=True, blank=True)
    gender = models.CharField(label("gender"), max_length=1, choices=Gender.choices, blank=True)
    category = models.ForeignKey(
        CustomerCategory, verbose_name=label("category"), null=True, blank=True, on_delete=models.SET_NULL
    )
    staff_department = models.ForeignKey(
        StaffDepartment, verbose_name=label("staff_department"), null=True, blank=True, on_delete=models.SET_NULL
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=label("staff"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="customers_in_charge",
    )
    send_to = models.CharField(label("send_to"), max_length=10, choices=SendTo.choices, default=SendTo.COMPANY)

    contact_postal_code = models.CharField(
        label("contact_postal_code"), max_length=10, blank=True, validators=[validate_postal_code]
    )
    contact_address = models.CharField(label("contact_address"), max_length=300, blank=True)
    contact_building = models.CharField(label("contact_building"), max_length=200, blank=True)
    contact_tel = models.CharField(label("contact_tel"), max_length=30, blank=True, validators=[validate_phone])
    contact_fax = models.CharField(label("contact_fax"), max_length=30, blank=True, validators=[validate_phone])

    created_at = models.DateTimeField(label("created_at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=label("created_by"), null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="+",
    )
    updated_at = models.DateTimeField(label("updated_at"), auto_now=True, db_index=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=label("updated_by"), null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="+",
    )

    # 配信停止 (W4): when the customer asked, through the link in a bulk mail, to get no more of them; set
    # by crm.services.customer_set_mail_opt_out only. Every mail to customers leaves them out.
    mail_opted_out_at = models.DateTimeField(_("Mail opt-out"), null=True, blank=True, editable=False)

    # The normalized search key (crm/normalize.py): kept in step by save() and by
    # crm.services for bulk writes; the database indexes it (crm/search.py).
    search_text = models.TextField(editable=False, default="")

    # Optimistic locking (issue 24.3): raised by one on every write, checked on every save (crm/locking.py).
    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)

    history = HistoricalRecords(
        excluded_fields=["search_text", "version"], cascade_delete_history=False,
        # History is read by customer, by author and by date; indexes on its copies of the
        # customer's foreign keys and code would only cost time on every write.
        no_db_index=["code", "branch", "category", "staff_department", "staff", "created_by", "updated_by",
                     "updated_at"],
    )

    class Meta:
        verbose_name = _("Customer")
        verbose_name_plural = _("Customers")
        ordering = ["last_name_kana", "first_name_kana", "id"]
        indexes = [
            models.Index(fields=["last_name_kana", "first_name_kana", "id"], name="customer_kana_order"),
            models.Index(fields=["company_kana", "id"], name="customer_company_kana"),
            models.Index(fields=["branch", "last_name_kana", "first_name_kana", "id"], name="customer_branch_kana"),
            models.Index(fields=["branch", "id"], name="customer_branch_id_order"),
        ]
        permissions = [
            ("export_customer", _("Can export customers")),
            ("print_customer", _("Can print customers")),
            ("import_customer", _("Can import customers")),
        ]

    def __str__(self):
        return f"{self.code} {self.full_name or self.company_name}".strip()

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name) if part)

    @property
    def full_name_kana(self) -> str:
        return " ".join(part for part in (self.last_name_kana, self.first_name_kana) if part)

    @property
    def age(self) -> int | None:
        if not self.birth_date:
            return None
        today = date.today()
        return today.year - self.birth_date.year - ((today.month, today.day) < (self.birth_date.month, self.birth_date.day))

    # 住所 is among the seed's fast fuzzy searches: the address and the building, one line each.
    QUICK_SEARCH_TEXT = ("code", "full_name", "full_name_kana", "company_name", "company_kana", "email", "address",
                         "building")
    QUICK_SEARCH_PHONES = ("tel", "mobile", "fax", "contact_tel")

    def refresh_search_keys(self) -> None:
        self.search_text = customer_search_key(self)

    def apply_invariants(self) -> None:
        """Readings in katakana and search keys that match the stored values (save() and crm.bulk_write)."""
        self.last_name_kana = normalize.to_katakana(self.last_name_kana)
        self.first_name_kana = normalize.to_katakana(self.first_name_kana)
        self.company_kana = normalize.to_katakana(self.company_kana)
        self.refresh_search_keys()

    def save(self, *args, **kwargs):
        # Invariants every write path needs (forms, imports, commands, API): a code, readings
        # in katakana, and search keys that match the stored values.
        if not self.code:
            self.code = str(CodeSequence.next_value("customer")).zfill(config().code_width)
        self.apply_invariants()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)


def customer_search_key(customer) -> str:
    """The quick search's key of a customer: also for the migrations' historical models, which
    have the columns (SEARCH_KEY_COLUMNS) but not the properties."""
    names = {
        "full_name": " ".join(p for p in (customer.last_name, customer.first_name) if p),
        "full_name_kana": " ".join(p for p in (customer.last_name_kana, customer.first_name_kana) if p),
    }
    return normalize.search_key(
        texts=[names[name] if name in names else getattr(customer, name) for name in Customer.QUICK_SEARCH_TEXT],
        phones=[getattr(customer, name) for name in Customer.QUICK_SEARCH_PHONES],
    )


# The columns customer_search_key reads.
SEARCH_KEY_COLUMNS = (
    "code", "last_name", "first_name", "last_name_kana", "first_name_kana", "company_name", "company_kana", "email",
    "address", "building", "tel", "mobile", "fax", "contact_tel",
)


class CustomerPhone(models.Model):
    """C10: further phone numbers beyond the card's TEL / FAX / mobile."""

    class Kind(models.TextChoices):
        HOME = "home", pgettext_lazy("address", "Home")
        WORK = "work", _("Work")
        MOBILE = "mobile", _("Mobile")
        FAX = "fax", _("FAX")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones", verbose_name=_("Customer"))
    kind = models.CharField(_("Kind"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    number = models.CharField(_("Phone number"), max_length=30, validators=[validate_phone])
    note = models.CharField(_("Note"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("Order"), default=0, validators=[MinValueValidator(0)])

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("Phone number")
        verbose_name_plural = _("Phone numbers")
        ordering = ["position", "id"]

    def __str__(self):
        return self.number
