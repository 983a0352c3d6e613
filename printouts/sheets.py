"""顧客情報シート (P2): one customer per page, as on the card: its fields under their configured
labels (what the reader may see, in card order, values as the export writes them), then the
latest contact histories and purchases."""

from __future__ import annotations

from django.utils.translation import gettext as _

from crm import permissions
from crm.models import ContactHistory, Customer, Purchase
from dataio import exporting
from dataio.columns import TARGETS

from .addressing import shown_name
from .render import SheetPage, SheetSection, TableHeader, sheets_pdf

LATEST = 10  # contact histories and purchases per sheet, newest first
CONTACT_COLUMNS = [("date", 14), ("category", 10), ("content1", 12), ("detail", 30), ("response", 30),
                   ("staff", 10)]
PURCHASE_COLUMNS = [("date", 14), ("product_code", 10), ("product_name", 24), ("quantity", 6), ("unit_price", 9),
                    ("amount", 10), ("remark", 20)]


def _children(model_key: str, model, customer_ids: list[int], wanted, user):
    """{customer code: newest LATEST rows as texts}, the columns shown, and their widths."""
    columns = exporting.export_columns(TARGETS[model_key], user, [name for name, _w in wanted] + ["customer_code"])
    widths = dict(wanted)
    shown = [c for c in columns if c.name != "customer_code"]
    code_at = next(i for i, c in enumerate(columns) if c.name == "customer_code")
    keep = [i for i, c in enumerate(columns) if c.name != "customer_code"]
    queryset = model.objects.filter(customer_id__in=customer_ids).order_by("customer_id", "-date", "-id")
    found: dict[str, list[list[str]]] = {}
    for cells in exporting.rows(queryset, columns, guarded=False):
        rows = found.setdefault(cells[code_at], [])
        if len(rows) < LATEST:
            rows.append([cells[i] for i in keep])
    return found, [c.label for c in shown], [widths.get(c.name, 10) for c in shown]


def customer_sheets_pdf(*, user, customers: list, header: TableHeader) -> bytes:
    ids = [c.pk for c in customers]
    columns = exporting.export_columns(TARGETS["customers"], user)
    code_at = exporting.code_position(columns)
    queryset = Customer.objects.filter(pk__in=ids).order_by("id")
    by_code = {cells[code_at]: cells for cells in exporting.rows(queryset, columns, guarded=False)}
    contacts, contact_labels, contact_widths = _children("contacts", ContactHistory, ids, CONTACT_COLUMNS, user)
    purchases, purchase_labels, purchase_widths = _children("purchases", Purchase, ids, PURCHASE_COLUMNS, user)
    invisible = permissions.invisible_fields(user, "customer")
    pages = []
    for customer in customers:  # the search's order
        cells = by_code[customer.code]
        fields = [(column.label, value) for column, value in zip(columns, cells) if column.kind != "bool"]
        ticked = [column.label for column, value in zip(columns, cells) if column.kind == "bool" and value]
        if any(column.kind == "bool" for column in columns):  # 48 checkboxes as one line of the ticked ones
            fields.append((_("Checked items"), "、".join(ticked) or _("None.")))
        pages.append(SheetPage(
            title=_("Customer information sheet") + f"　{shown_name(customer, invisible)}",
            fields=fields,
            sections=[
                SheetSection(_("Contact histories (latest %(n)s)") % {"n": LATEST}, contact_labels, contact_widths,
                             contacts.get(customer.code, []), empty=_("None.")),
                SheetSection(_("Purchase histories (latest %(n)s)") % {"n": LATEST}, purchase_labels,
                             purchase_widths, purchases.get(customer.code, []), empty=_("None.")),
            ],
        ))
    return sheets_pdf(pages, header=header, page_label=_("Page {page}"))
