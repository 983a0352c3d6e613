"""Printouts of a customer search result (P1 first version: the customer list, A4 landscape)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from crm import permissions
from fieldconfig.lookup import config

from .render import render_pdf

LIST_COLUMNS = ["code", "full_name", "company_name", "postal_code", "address", "tel", "mobile", "email"]
MAX_ROWS = 5000


def customer_list_pdf(*, user, queryset) -> tuple[bytes, int]:
    """The customers of `queryset` (already scoped and searched) as a PDF; restricted columns left out."""
    snapshot = config()
    invisible = permissions.invisible_fields(user, "customer")
    columns = [c for c in LIST_COLUMNS if c not in invisible]
    headers = [_("Name") if c == "full_name" else snapshot.label("customer", c) for c in columns]
    customers = list(queryset[:MAX_ROWS])
    rows = [[getattr(customer, c) or "" for c in columns] for customer in customers]
    pdf = render_pdf("printouts/customer_list.html", {
        "title": _("Customer list"), "headers": headers, "rows": rows, "printed_at": timezone.localtime(),
        "company_name": snapshot.company_name,
    })
    return pdf, len(customers)
