"""Which address and honorific a customer's mail carries (P5), and what keeps it from printing.

送付先 chooses the block: 会社 (the customer's address with the company, department and title
above the name), 自宅 (the same address, the person only) or 連絡先 (the contact block, with the
company when there is one). 様 follows a person's name; a company without a person gets 御中 after
its department when it has one (株式会社ミドリ電機 / 総務部 御中); never both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from crm import naming
from crm.models import Customer

from . import fonts

_DIGITS = re.compile(r"\D")


@dataclass
class Recipient:
    customer_id: int
    code: str
    postal_code: str  # seven digits, or ""
    address: str
    building: str
    company: str
    department: str
    title: str
    name: str
    honorific: str
    joint: list[str] = field(default_factory=list)  # 連名: given names printed under the same family name
    problems: list[str] = field(default_factory=list)

    @property
    def postal_display(self) -> str:
        return f"〒{self.postal_code[:3]}-{self.postal_code[3:]}" if self.postal_code else ""

    def texts(self) -> list[str]:
        return [self.address, self.building, self.company, self.department, self.title, self.name, *self.joint]


class _Visible:
    """The customer's values, with the fields its reader may not see read as blank."""

    def __init__(self, customer, hidden):
        self._customer, self._hidden = customer, hidden

    def __getattr__(self, name):
        return "" if name in self._hidden else getattr(self._customer, name)


FAMILY_MEMBER_ATTR = "addressed_to_family_member"  # set on a customer by events.outputs for a family member's row


def addressed_family_member(customer):
    """The family member a customer object stands for (an event's family row), or None."""
    return getattr(customer, FAMILY_MEMBER_ATTR, None)


def recipient(customer: Customer, *, hidden=frozenset()) -> Recipient:
    member = addressed_family_member(customer)
    customer = _Visible(customer, hidden) if hidden else customer
    send_to = customer.send_to
    if send_to == Customer.SendTo.CONTACT and (customer.contact_address or customer.contact_postal_code):
        postal, address, building = customer.contact_postal_code, customer.contact_address, customer.contact_building
    else:
        postal, address, building = customer.postal_code, customer.address, customer.building
    corporate = send_to != Customer.SendTo.HOME and bool(customer.company_name)
    name = naming.person_name(customer)
    honorific = naming.honorific(customer)
    if not name and customer.company_name:
        corporate = True  # 御中: the company is the addressee
    found = Recipient(
        customer_id=customer.pk, code=customer.code, postal_code=_DIGITS.sub("", postal or "")[:7],
        address=address.strip(), building=building.strip(),
        company=customer.company_name if corporate else "",
        department=customer.department if corporate else "",  # a company alone: 部署 御中
        title=customer.title if corporate and name else "",
        name=name, honorific=honorific,
    )
    if not found.address:
        found.problems.append(_("No address."))
    elif len(found.postal_code) != 7:
        found.problems.append(_("No postal code."))
    if member is not None:
        # A family member's mail: their own name and 様 at the customer's address, no company.
        found.name, found.honorific = member.name, "様"
        found.company = found.department = found.title = ""
    elif not name and not customer.company_name:
        found.problems.append(_("No name and no company name."))
    missing = fonts.missing_characters("".join(found.texts()))
    if missing:
        found.problems.append(_("The font cannot print: %(chars)s") % {"chars": " ".join(missing)})
    return found


def given_name(full_name: str, family_name: str) -> str:
    """A family member's given name: the name without the customer's family name in front."""
    name = (full_name or "").strip()
    if family_name and name.startswith(family_name):
        name = name[len(family_name):]
    return name.strip(" \u3000")


def shown_name(customer, invisible) -> str:
    """「000001 田中　太郎 様」 with the fields this reader may not see left out."""
    return f"{customer.code} {naming.addressee(customer, hidden=invisible)}".strip()
