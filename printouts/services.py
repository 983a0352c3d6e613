"""Printouts of a customer search result: the customer list and address list (P1), labels (P3).

Views hand in a queryset already scoped to the user and searched; restricted fields never print.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm import dates, extensions, naming, permissions
from crm.models import FamilyMember
from fieldconfig.lookup import config
from fieldconfig.models import SystemSetting

from . import addressing, fonts, labels, postcards, sheets
from .render import TableHeader, table_pdf

MAX_ROWS = 5000  # one print; more is refused with a message (narrow the search)
MAX_SHEETS = 500  # a page or more each

# (field, relative width); "full_name" is the name with its honorific.
LIST_COLUMNS = [("code", 8), ("full_name", 14), ("company_name", 18), ("postal_code", 9), ("address", 28),
                ("tel", 11), ("mobile", 11), ("email", 20)]
ADDRESS_COLUMNS = [("postal_code", 9), ("address", 36), ("building", 18), ("company_name", 20), ("full_name", 18)]

KINDS = {"list": gettext_lazy("Customer list printout"), "addresses": gettext_lazy("Address list"),
         "sheets": gettext_lazy("Customer information sheets"), "labels": gettext_lazy("Address labels"), "postcards": gettext_lazy("Postcards, horizontal"),
         "postcards_vertical": gettext_lazy("Postcards, vertical (縦書き)")}
POSTCARDS = {"postcards", "postcards_vertical"}


class NothingToPrint(ValueError):
    pass


@dataclass
class Problem:
    """A customer the print screen names before printing: code, name as addressed (御中 / 様), why."""
    code: str
    name: str
    reasons: list[str]


def printable_count(queryset, kind: str = "list") -> int:
    """How many customers the print covers; NothingToPrint (a Japanese message) for none or too many."""
    limit = MAX_SHEETS if kind == "sheets" else MAX_ROWS
    count = queryset.count()
    if count == 0:
        raise NothingToPrint(_("No customers to print: search or tick some first."))
    if count > limit:
        raise NothingToPrint(_("%(count)s customers are more than one print holds (%(max)s): narrow the search.")
                             % {"count": f"{count:,}", "max": f"{limit:,}"})
    return count


def _customers(queryset, kind: str = "list") -> list:
    printable_count(queryset, kind)
    return list(queryset)


def _ticking(items, progress):
    """`items`, telling the job's progress (jobs.progress.Reporter) every hundred; cancel stops here."""
    for index, item in enumerate(items, start=1):
        yield item
        if progress is not None and index % 100 == 0:
            progress.check()
            progress.advance(100)


def _header(title: str, count: int) -> TableHeader:
    now = timezone.localtime()
    left = "　".join(x for x in (config().company_name, _("%(count)s customers") % {"count": f"{count:,}"}) if x)
    return TableHeader(title=title, left=left, right=_("Printed %(date)s") % {"date": dates.format_datetime(now)})


def _table(user, customers, columns, title, progress=None) -> bytes:
    snapshot = config()
    invisible = permissions.invisible_fields(user, "customer")
    shown = [(name, width) for name, width in columns if name == "full_name" or name not in invisible]
    headers = [_("Name") if name == "full_name" else snapshot.label("customer", name) for name, _w in shown]
    rows = []
    for customer in _ticking(customers, progress):
        recipient = addressing.recipient(customer, hidden=invisible)
        row = []
        for name, _w in shown:
            if name == "full_name":
                row.append(f"{recipient.name}\u3000{recipient.honorific}".strip("\u3000") if recipient.name
                           else "")
            elif name == "postal_code":
                value = customer.postal_code
                row.append(f"〒{value}" if value else "")
            else:
                row.append(str(getattr(customer, name) or ""))
        rows.append(row)
    return table_pdf(_header(title, len(customers)), headers, [w for _n, w in shown], rows,
                     page_label=_("Page {page} of {pages}"))


def customer_list_pdf(*, user, queryset, progress=None) -> tuple[bytes, int]:
    customers = _customers(queryset)
    return _table(user, customers, LIST_COLUMNS, str(KINDS["list"]), progress), len(customers)


def address_list_pdf(*, user, queryset, progress=None) -> tuple[bytes, int]:
    customers = _customers(queryset)
    return _table(user, customers, ADDRESS_COLUMNS, str(KINDS["addresses"]), progress), len(customers)


def problems_of(*, user, queryset, kind: str) -> tuple[int, list[Problem]]:
    """(how many customers, those that would not print right and why), before printing."""
    customers = _customers(queryset, kind)
    invisible = permissions.invisible_fields(user, "customer")
    numbers = postcard_numbers()
    if kind in POSTCARDS:
        _with_joint_names(customers)
    found = []
    for customer in customers:
        recipient = _postcard_recipient(customer, invisible) if kind in POSTCARDS else \
            addressing.recipient(customer, hidden=invisible)
        reasons = list(recipient.problems)
        if kind == "labels" and not reasons and labels.too_long(recipient):
            reasons.append(_("Too long for its label, even in the smallest type."))
        if kind in POSTCARDS and not reasons and postcards.too_long(
                recipient, vertical=kind == "postcards_vertical", numbers=numbers):
            reasons.append(_("Too long for the postcard, even in the smallest type."))
        if reasons:
            found.append(Problem(customer.code, naming.addressee(customer, hidden=invisible), reasons))
    return len(customers), found


def postcard_numbers() -> str:
    """How vertical cards write house numbers: "kanji" (一丁目二番三号) or "dash" (一―二―三)."""
    setting = SystemSetting.objects.first()
    return setting.postcard_numbers if setting else "kanji"


def print_offset() -> tuple[float, float]:
    setting = SystemSetting.objects.first()
    return (float(setting.print_offset_x), float(setting.print_offset_y)) if setting else (0.0, 0.0)


def labels_pdf(*, user, queryset, start: int = 1, skip_problems: bool = True, progress=None) -> tuple[bytes, int]:
    """Labels from position `start`; customers whose label would be wrong (no address …) are left out."""
    invisible = permissions.invisible_fields(user, "customer")
    recipients = [addressing.recipient(c, hidden=invisible) for c in _ticking(_customers(queryset), progress)]
    if skip_problems:
        recipients = [r for r in recipients if not r.problems and not labels.too_long(r)]
    if not recipients:
        raise NothingToPrint(_("None of these customers has a printable address."))
    return labels.labels_pdf(recipients, start=start, offset=print_offset()), len(recipients)


def _with_joint_names(customers) -> None:
    """連名: the family members ticked for mail, by given name (the family name is the customer's)."""
    joint: dict[int, list[str]] = {}
    for customer_id, name in FamilyMember.objects.filter(customer__in=customers, joint_name=True) \
            .order_by("registered_on", "id").values_list("customer_id", "name"):
        joint.setdefault(customer_id, []).append(name)
    for customer in customers:
        customer._joint_names = [addressing.given_name(n, customer.last_name) for n in joint.get(customer.pk, [])]


def _postcard_recipient(customer, invisible) -> addressing.Recipient:
    """The customer's recipient with the 連名 set by `_with_joint_names` (none on a family member's row)."""
    recipient = addressing.recipient(customer, hidden=invisible)
    family_row = addressing.addressed_family_member(customer) is not None
    recipient.joint = customer._joint_names if recipient.name and not family_row else []
    return recipient


def postcards_pdf(*, user, queryset, vertical: bool, with_sender: bool = False, progress=None) -> tuple[bytes, int]:
    """One postcard per customer; those that would print wrong (no address …) are left out."""
    customers = _customers(queryset)
    _with_joint_names(customers)
    invisible = permissions.invisible_fields(user, "customer")
    recipients = []
    for customer in _ticking(customers, progress):
        recipient = _postcard_recipient(customer, invisible)
        if not recipient.problems:
            recipients.append(recipient)  # postcards_pdf leaves out those too long (problems_of names them)
    setting = SystemSetting.objects.first()
    numbers = setting.postcard_numbers if setting else "kanji"
    recipients = [r for r in recipients if not postcards.too_long(r, vertical=vertical, numbers=numbers)]
    if not recipients:
        raise NothingToPrint(_("None of these customers has a printable address."))
    sender = None
    if with_sender and setting and (setting.sender_address or setting.company_name):
        sender = postcards.Sender(setting.sender_postal_code, setting.sender_address, setting.company_name,
                                  setting.sender_tel)
        if not postcards.sender_fits(sender, vertical=vertical, numbers=numbers):
            raise NothingToPrint(_("The sender's address does not fit on the postcard even in the smallest type: "
                                   "shorten it on システム設定."))
    face = fonts.registered()["mincho"]
    pdf = postcards.postcards_pdf(recipients, vertical=vertical, face=face, numbers=numbers, sender=sender,
                                  offset=print_offset())
    return pdf, len(recipients)


def customer_sheets_pdf(*, user, queryset, progress=None) -> tuple[bytes, int]:
    draw = sheets.customer_sheets_pdf
    customers = _customers(queryset, "sheets")
    return draw(user=user, customers=customers, header=_header(str(KINDS["sheets"]), len(customers))), len(customers)


def _postcards_horizontal(*, user, queryset, with_sender: bool = False, progress=None, **_options):
    return postcards_pdf(user=user, queryset=queryset, vertical=False, with_sender=with_sender, progress=progress)


def _postcards_vertical(*, user, queryset, with_sender: bool = False, progress=None, **_options):
    return postcards_pdf(user=user, queryset=queryset, vertical=True, with_sender=with_sender, progress=progress)


def _drawing(function, *options):
    """A kind's draw function as crm.extensions.PrintKind calls it: the options it does not take are dropped."""

    def draw(*, user, queryset, progress=None, **given):
        return function(user=user, queryset=queryset, progress=progress,
                        **{name: value for name, value in given.items() if name in options})

    return draw


def print_kinds() -> list[extensions.PrintKind]:
    """The customers' printouts, in the print screen's order (PrintoutsConfig.ready registers them)."""
    draws = {"list": _drawing(customer_list_pdf), "addresses": _drawing(address_list_pdf),
             "sheets": _drawing(customer_sheets_pdf), "labels": _drawing(labels_pdf, "start"),
             "postcards": _postcards_horizontal, "postcards_vertical": _postcards_vertical}
    return [extensions.PrintKind(key, label, draws[key], order=i * 10) for i, (key, label) in enumerate(KINDS.items())]


def kind_label(kind: str) -> str:
    known = extensions.print_kinds().get(kind)
    return str(known.label) if known is not None else str(KINDS.get(kind, kind))


def print_pdf(kind: str, *, user, queryset, start: int = 1, with_sender: bool = False,
              progress=None) -> tuple[bytes, int]:
    """The print screen's and the print job's one entry: (PDF, customers printed), drawn by the kind
    registered in crm.extensions (an unknown kind prints the list)."""
    kinds = extensions.print_kinds()
    draw = (kinds.get(kind) or kinds["list"]).draw
    return draw(user=user, queryset=queryset, start=start, with_sender=with_sender, progress=progress)


def sync_max() -> int:
    """Prints of more customers than this run on the background worker (settings.PRINT_SYNC_MAX_ROWS)."""
    return getattr(settings, "PRINT_SYNC_MAX_ROWS", 1000)
