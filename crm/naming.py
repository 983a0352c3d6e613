"""How a customer is addressed (C2): 様 after a person's name, 御中 after a company without a
person, never both. The card's title and every printout (printouts.addressing) use it."""

from types import SimpleNamespace

SAMA, ONCHU = "様", "御中"


def person_name(customer) -> str:
    return f"{customer.last_name}\u3000{customer.first_name}".strip("\u3000")


def honorific(customer) -> str:
    if person_name(customer):
        return SAMA
    return ONCHU if customer.company_name else ""


def addressee(customer, *, hidden=frozenset()) -> str:
    """「田中　太郎 様」, 「株式会社アクティブ企画 御中」: the name as a letter to the customer opens.
    Names in `hidden` (fields the reader may not see) are left out."""
    if hidden:
        customer = SimpleNamespace(**{name: "" if name in hidden else getattr(customer, name)
                                      for name in ("last_name", "first_name", "company_name")})
    name = person_name(customer) or customer.company_name
    return f"{name} {honorific(customer)}".strip()
