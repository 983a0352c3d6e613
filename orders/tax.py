"""Japanese consumption tax, as a qualified invoice (適格請求書) states it.

The rule (消費税法施行令 70条の10; 国税庁 インボイス Q&A): the tax is computed once per document and
per rate, on the total of that rate's lines, and rounded once, with the office's rounding
(切り捨て / 切り上げ / 四捨五入). It is never rounded per line and then summed: ¥105 × 3 at 10 %
rounded down is ¥31 (315 × 10 % = 31.5), not 3 × ¥10 = ¥30.

- Prices without tax (税抜): tax = round(total × rate / 100).
- Prices with tax (税込): tax = round(total × rate / (100 + rate)); at 10 % and 切り捨て that is
  floor(total × 10 / 110).
- A discount is a negative line of the rate of what it discounts; a return is a line with a negative
  amount. A document whose total of a rate is negative (a credit note for a return) gets the same
  tax with the sign turned: rounding works on the amount's size, so a return mirrors its sale.
- A shipping fee is a taxable line at the standard rate.

Everything is `Decimal` in whole yen; nothing here touches the database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

STANDARD = 10  # 標準税率 (%)
REDUCED = 8  # 軽減税率 (%): food and drink, newspapers
RATES = (STANDARD, REDUCED)
YEN = Decimal(1)


class Rounding(models.TextChoices):
    DOWN = "down", _("Round down")  # 切り捨て
    UP = "up", _("Round up")  # 切り上げ
    HALF_UP = "half_up", _("Round half up")  # 四捨五入


class TaxRate(models.IntegerChoices):
    STANDARD = STANDARD, _("10% (standard)")
    REDUCED = REDUCED, _("8% (reduced)")


_DECIMAL_ROUNDING = {Rounding.DOWN: ROUND_DOWN, Rounding.UP: ROUND_UP, Rounding.HALF_UP: ROUND_HALF_UP}


def to_yen(value) -> Decimal:
    """A whole-yen Decimal from an int, a Decimal or a string of digits; refuses fractions of a yen."""
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    if amount != amount.to_integral_value():
        raise ValueError(f"not a whole yen amount: {value!r}")
    return amount.quantize(YEN)


def round_yen(amount: Decimal, rounding: str) -> Decimal:
    """`amount` rounded to a whole yen: 切り捨て toward zero, 切り上げ away from zero, 四捨五入 half away
    from zero (so a negative amount is rounded as its size, and a return mirrors its sale)."""
    return amount.quantize(YEN, rounding=_DECIMAL_ROUNDING[Rounding(rounding)])


def line_amount(*, unit_price, quantity, discount=0) -> Decimal:
    """A line's amount: unit price × quantity less the line's discount (whole yen). Raises ValueError
    on a negative quantity or price, or a discount larger than the line."""
    unit_price, quantity, discount = to_yen(unit_price), to_yen(quantity), to_yen(discount)
    if quantity < 0:
        raise ValueError("negative quantity")
    if unit_price < 0:
        raise ValueError("negative unit price")
    if discount < 0:
        raise ValueError("negative discount")
    gross = unit_price * quantity
    if discount > gross:
        raise ValueError("discount larger than the line")
    return gross - discount


@dataclass(frozen=True)
class Line:
    """One line as tax sees it: its amount (as priced: with or without tax) and its rate.
    A discount or a return is a line with a negative amount."""

    amount: Decimal
    rate: int

    def __post_init__(self):
        object.__setattr__(self, "amount", to_yen(self.amount))
        if self.rate not in RATES:
            raise ValueError(f"unknown tax rate: {self.rate!r}")


@dataclass(frozen=True)
class RateTotal:
    """A document's lines of one rate: without tax, the tax, with tax."""

    rate: int
    net: Decimal  # 税抜
    tax: Decimal  # 消費税
    gross: Decimal  # 税込

    @property
    def reduced(self) -> bool:
        return self.rate == REDUCED


@dataclass(frozen=True)
class Totals:
    """A document's totals: one RateTotal per rate present (standard first), and their sums."""

    rates: tuple[RateTotal, ...]
    inclusive: bool

    @property
    def net(self) -> Decimal:
        return sum((r.net for r in self.rates), Decimal(0))

    @property
    def tax(self) -> Decimal:
        return sum((r.tax for r in self.rates), Decimal(0))

    @property
    def gross(self) -> Decimal:
        return sum((r.gross for r in self.rates), Decimal(0))

    def of(self, rate: int) -> RateTotal:
        for one in self.rates:
            if one.rate == rate:
                return one
        return RateTotal(rate, Decimal(0), Decimal(0), Decimal(0))


def rate_tax(total, rate: int, *, inclusive: bool, rounding: str) -> Decimal:
    """The tax on the total of one rate's lines, rounded once."""
    total = to_yen(total)
    exact = total * rate / (100 + rate) if inclusive else total * rate / 100
    return round_yen(exact, rounding)


def document_totals(lines: Iterable[Line], *, inclusive: bool, rounding: str) -> Totals:
    """Totals of one document (order, estimate, invoice): per rate, the lines summed, then the tax
    computed and rounded once."""
    sums: dict[int, Decimal] = {}
    for line in lines:
        sums[line.rate] = sums.get(line.rate, Decimal(0)) + line.amount
    out = []
    for rate in sorted(sums, reverse=True):
        total = sums[rate]
        tax = rate_tax(total, rate, inclusive=inclusive, rounding=rounding)
        net, gross = (total - tax, total) if inclusive else (total, total + tax)
        out.append(RateTotal(rate, net, tax, gross))
    return Totals(tuple(out), inclusive)


# --- shipping fee ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ShippingBand:
    """From `from_amount` (goods total, as priced) upward, the fee is `fee`, until the next band."""

    from_amount: Decimal
    fee: Decimal


def shipping_fee(goods_total, *, bands: Iterable[ShippingBand], free_from=None) -> Decimal:
    """The fee for an order whose goods come to `goods_total`: free at or above `free_from`
    (「いくら以上の注文で送料無料」), else the fee of the highest band the total reaches (0 when the total
    is below every band, or there is none)."""
    goods_total = to_yen(goods_total)
    if free_from is not None and goods_total >= to_yen(free_from):
        return Decimal(0)
    fee = Decimal(0)
    for band in sorted(bands, key=lambda b: b.from_amount):
        if goods_total >= to_yen(band.from_amount):
            fee = to_yen(band.fee)
    return fee


# --- the registration number (適格請求書発行事業者登録番号) -------------------------------------------
REGISTRATION_PATTERN = re.compile(r"T(\d{13})")


def normalize_registration_number(value: str) -> str:
    """'ｔ７０００-０１２０-５０００２' → 'T7000012050002': full-width to half-width, no hyphens or spaces."""
    text = unicodedata.normalize("NFKC", value or "").upper()
    return re.sub(r"[\s\-‐−ー－]", "", text)


def check_digit(base12: str) -> int:
    """The check digit of a 法人番号 (and of a registration number's 13 digits), put in front of the 12
    digits: 9 − (Σ Pn × Qn mod 9), Pn the n-th digit from the right, Qn 1 for odd n, 2 for even n."""
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base12), start=1))
    return 9 - total % 9


def registration_number_error(value: str) -> str | None:
    """Why `value` is not a registration number (a Japanese message), or None when it is one."""
    from django.utils.translation import gettext

    number = normalize_registration_number(value)
    match = REGISTRATION_PATTERN.fullmatch(number)
    if match is None:
        return gettext("A registration number is T followed by 13 digits (e.g. T1234567890123).")
    digits = match.group(1)
    if int(digits[0]) != check_digit(digits[1:]):
        return gettext("This registration number's check digit does not match: check the number.")
    return None


def is_registration_number(value: str) -> bool:
    return registration_number_error(value) is None
