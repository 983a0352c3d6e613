"""見積書, 請求書 and 納品書 (PDF), drawn through printouts.render (the one module that talks to ReportLab).

A 請求書 is a qualified invoice (適格請求書): the issuer's name and registration number, the date, the
lines with the reduced-rate mark (※), the totals and tax per rate, and the recipient. An invoice missing
any of them is not issued: `NotIssuable` says in Japanese what is missing. Totals come from the same
engine (orders.tax) and the same stored lines as the screens, so the paper and the database agree.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from crm import dates, naming, permissions
from printouts.render import Sheet, text_width

from . import services, tax
from .models import Estimate, Order, OrderSettings

ESTIMATE, INVOICE, DELIVERY = "estimate", "invoice", "delivery"
WIDTH, HEIGHT = 210.0, 297.0
LEFT, RIGHT = 15.0, 195.0
ROW = 6.5
FIRST_PAGE_ROWS, NEXT_PAGE_ROWS = 22, 36
# columns: (key, label, right edge or left x, align)
COLUMNS = [("code", 15.0), ("name", 38.0), ("quantity", 118.0), ("unit_price", 140.0), ("discount", 160.0),
           ("amount", 184.0), ("rate", 195.0)]


class NotIssuable(Exception):
    """The document lacks what it must carry; the message names what (in Japanese)."""


def yen(value) -> str:
    return f"{value:,}"


def _title(kind: str) -> str:
    return {ESTIMATE: _("Estimate"), INVOICE: _("Invoice"), DELIVERY: _("Delivery note")}[kind]


def missing_for_invoice(*, document, settings: OrderSettings, recipient: str) -> list[str]:
    """What a qualified invoice would lack (each named in Japanese); empty when it may be issued."""
    missing = []
    if not settings.issuer_name.strip():
        missing.append(_("the issuer's name"))
    if not settings.registration_number:
        missing.append(_("the registration number"))
    elif not tax.is_registration_number(settings.registration_number):
        missing.append(_("a valid registration number"))
    if not recipient.strip():
        missing.append(_("the recipient's name"))
    if not document.lines.exists():
        missing.append(_("lines"))
    return missing


def render(*, kind: str, document, user, settings: OrderSettings | None = None) -> tuple[bytes, str]:
    """(PDF bytes, file name) of one document; NotIssuable when an invoice would lack a required item."""
    settings = settings or OrderSettings.current()
    invisible = permissions.invisible_fields(user, "customer")
    recipient = naming.addressee(document.customer, hidden=invisible)
    if kind == INVOICE:
        missing = missing_for_invoice(document=document, settings=settings, recipient=recipient)
        if missing:
            raise NotIssuable(_("The invoice cannot be issued: %(missing)s missing. Enter them in the order "
                                "settings or on the customer's card.") % {"missing": "、".join(missing)})
    if kind in (INVOICE, DELIVERY) and not isinstance(document, Order):
        raise ValueError(kind)
    if kind == ESTIMATE and not isinstance(document, Estimate):
        raise ValueError(kind)
    return draw(kind=kind, document=document, settings=settings, recipient=recipient), \
        f"{kind}-{document.number}.pdf"


def draw(*, kind: str, document, settings: OrderSettings, recipient: str) -> bytes:
    totals = services.document_totals(document)
    lines = list(document.lines.all())
    rows = [_line_cells(line) for line in lines]
    if isinstance(document, Order) and document.shipping_fee:
        rows.append({"code": "", "name": _("Shipping fee"), "quantity": "1", "unit_price": yen(document.shipping_fee),
                     "discount": "", "amount": yen(document.shipping_fee), "rate": "10%"})
    sheet = Sheet(WIDTH, HEIGHT, title=f"{_title(kind)} {document.number}")
    pages = _paginate(rows)
    for number, page_rows in enumerate(pages, start=1):
        if number > 1:
            sheet.next_page()
        top = _first_page_head(sheet, kind, document, settings, recipient, totals) if number == 1 else \
            _next_page_head(sheet, kind, document)
        y = _table(sheet, top, page_rows)
        if number == len(pages):
            _totals(sheet, y + 4, totals, kind)
        sheet.text(RIGHT, HEIGHT - 8, f"{number} / {len(pages)}", size=8, align="right")
    return sheet.pdf()


def _paginate(rows):
    pages, rest = [rows[:FIRST_PAGE_ROWS]], rows[FIRST_PAGE_ROWS:]
    while rest:
        pages.append(rest[:NEXT_PAGE_ROWS])
        rest = rest[NEXT_PAGE_ROWS:]
    return pages


def _line_cells(line) -> dict:
    name = line.product_name + (" ※" if line.reduced else "")
    if line.is_return:
        name = f"{_('Return')}: {name}"
    return {"code": line.product_code, "name": name, "quantity": f"{line.quantity:,}",
            "unit_price": yen(line.unit_price), "discount": yen(line.discount) if line.discount else "",
            "amount": yen(line.amount), "rate": f"{line.tax_rate}%"}


def _first_page_head(sheet, kind, document, settings, recipient, totals) -> float:
    sheet.text(WIDTH / 2, 22, _title(kind), size=20, align="center")
    date = document.issued_on if isinstance(document, Estimate) else (
        document.shipped_on if kind == DELIVERY and document.shipped_on else timezone.localdate())
    sheet.text(RIGHT, 32, _("No. %(number)s") % {"number": document.number}, size=9, align="right")
    sheet.text(RIGHT, 37, f"{_('Date')} {dates.format_date(date)}", size=9, align="right")
    # the recipient, top left
    sheet.text(LEFT, 46, recipient, size=14)
    sheet.line(LEFT, 48, LEFT + max(70.0, text_width(recipient, 14, "IPAexGothic") + 4), 48, width=0.8)
    customer = document.customer
    if isinstance(document, Order) and kind == DELIVERY and document.ship_name:
        sheet.text(LEFT, 54, f"{_('Ship to')}: {document.ship_name}", size=9)
        sheet.text(LEFT, 59, f"〒{document.ship_postal_code} {document.ship_address}", size=9)
    elif customer.postal_code or customer.address:
        sheet.text(LEFT, 54, f"〒{customer.postal_code} {customer.address} {customer.building}".strip(), size=9)
    # the issuer, top right, with the registration number and (estimates) a seal area
    x = 120.0
    sheet.text(x, 46, settings.issuer_name, size=11)
    postal = f"〒{settings.issuer_postal_code} " if settings.issuer_postal_code else ""
    sheet.text(x, 52, f"{postal}{settings.issuer_address}", size=8)
    sheet.text(x, 57, f"TEL {settings.issuer_tel}" if settings.issuer_tel else "", size=8)
    if settings.registration_number:
        sheet.text(x, 62, f"{_('Registration number')}: {settings.registration_number}", size=8)
    if kind == ESTIMATE:
        sheet.rect(RIGHT - 20, 64, 20, 20)  # 印
        sheet.text(RIGHT - 10, 75, _("Seal"), size=7, align="center")
    # the amount
    label = {ESTIMATE: _("Estimated amount"), INVOICE: _("Amount billed"), DELIVERY: _("Amount")}[kind]
    sheet.text(LEFT, 76, label, size=11)
    sheet.text(LEFT + 40, 76, f"¥{yen(totals.gross)}", size=16)
    sheet.line(LEFT, 78, LEFT + 100, 78, width=0.8)
    sheet.text(LEFT, 84, _("(tax included)") + f"  {_('Consumption tax')} ¥{yen(totals.tax)}", size=8)
    if isinstance(document, Estimate):
        parts = [document.title, (_("Valid until") + " " + dates.format_date(document.valid_until))
                 if document.valid_until else ""]
        sheet.text(LEFT, 90, "　".join(p for p in parts if p), size=9)
    return 96.0


def _next_page_head(sheet, kind, document) -> float:
    sheet.text(LEFT, 15, f"{_title(kind)} {document.number}", size=10)
    return 22.0


HEADERS = lambda: {"code": _("Product code"), "name": _("Product name"), "quantity": _("Quantity"),  # noqa: E731
                   "unit_price": _("Unit price"), "discount": _("Discount"), "amount": _("Amount"),
                   "rate": _("Tax rate")}
LEFT_ALIGNED = {"code", "name"}


def _row(sheet, y, cells, size=8.5):
    for key, x in COLUMNS:
        if key in LEFT_ALIGNED:
            sheet.text(x + 1, y, cells[key], size=size)
        else:
            sheet.text(x - 1 if key != "rate" else x - 1, y, cells[key], size=size, align="right")


def _table(sheet, top, rows) -> float:
    sheet.rect(LEFT, top, RIGHT - LEFT, ROW, fill_grey=0.9)
    _row(sheet, top + ROW - 2, HEADERS(), size=8)
    y = top + ROW
    for cells in rows:
        _row(sheet, y + ROW - 2, cells)
        y += ROW
        sheet.line(LEFT, y, RIGHT, y, width=0.2)
    return y


def _totals(sheet, y, totals: tax.Totals, kind) -> None:
    x_label, x_value = 110.0, RIGHT - 1
    rows = []
    for rate_total in totals.rates:
        rate = f"{rate_total.rate}%" + (" ※" if rate_total.reduced else "")
        base = rate_total.gross if totals.inclusive else rate_total.net
        base_label = _("%(rate)s taxable (tax incl.)") if totals.inclusive else _("%(rate)s taxable (tax excl.)")
        rows.append((base_label % {"rate": rate}, yen(base)))
        rows.append((_("%(rate)s consumption tax") % {"rate": rate}, yen(rate_total.tax)))
    rows.append((_("Subtotal (tax excl.)"), yen(totals.net)))
    rows.append((_("Consumption tax"), yen(totals.tax)))
    rows.append((_("Total (tax incl.)"), yen(totals.gross)))
    for label, value in rows:
        y += 5.5
        sheet.text(x_label, y, label, size=9)
        sheet.text(x_value, y, value, size=9, align="right")
    sheet.line(x_label, y + 1.5, RIGHT, y + 1.5, width=0.5)
    if any(r.reduced for r in totals.rates):
        sheet.text(LEFT, y + 8, _("※ marks reduced-rate (8%) items."), size=8)
