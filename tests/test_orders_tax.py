"""O1 / issue 26 point 3: the tax engine (orders/tax.py), by hand-made cases.

Every expected figure below was worked out by hand from the rule: tax once per document and per rate,
rounded once with the office's rounding; 税込 prices: tax = total × rate / (100 + rate)."""

from decimal import Decimal

import pytest

from orders import tax
from orders.tax import Line, Rounding, ShippingBand

D, U, H = Rounding.DOWN, Rounding.UP, Rounding.HALF_UP


def one_rate(amount, rate, *, inclusive, rounding):
    return tax.document_totals([Line(amount, rate)], inclusive=inclusive, rounding=rounding).of(rate)


# (amount of the rate's lines, rate, tax when rounded down, up, half up) — prices without tax (税抜)
EXCLUSIVE = [
    (315, 10, 31, 32, 32),  # ¥105 × 3: 31.5
    (100, 10, 10, 10, 10),
    (1, 10, 0, 1, 0),
    (5, 10, 0, 1, 1),
    (4, 10, 0, 1, 0),
    (999, 10, 99, 100, 100),
    (1234, 10, 123, 124, 123),
    (1235, 10, 123, 124, 124),
    (0, 10, 0, 0, 0),
    (12345, 10, 1234, 1235, 1235),
    (315, 8, 25, 26, 25),  # 25.2
    (1000, 8, 80, 80, 80),
    (125, 8, 10, 10, 10),
    (999, 8, 79, 80, 80),  # 79.92
    (6, 8, 0, 1, 0),  # 0.48
    (7, 8, 0, 1, 1),  # 0.56
    (1234, 8, 98, 99, 99),  # 98.72
    (1231, 8, 98, 99, 98),  # 98.48
    (1000000, 8, 80000, 80000, 80000),
    (12, 8, 0, 1, 1),  # 0.96
]

# prices with tax (税込): tax = total × 10/110 or × 8/108
INCLUSIVE = [
    (1100, 10, 100, 100, 100),
    (346, 10, 31, 32, 31),  # 31.45…
    (110, 10, 10, 10, 10),
    (1000, 10, 90, 91, 91),  # 90.90…
    (1, 10, 0, 1, 0),
    (6, 10, 0, 1, 1),  # 0.545…
    (5, 10, 0, 1, 0),  # 0.454…
    (10000, 10, 909, 910, 909),  # 909.09…
    (330, 10, 30, 30, 30),
    (3300, 10, 300, 300, 300),
    (17, 10, 1, 2, 2),  # 1.545…
    (16, 10, 1, 2, 1),  # 1.454…
    (1080, 8, 80, 80, 80),
    (1000, 8, 74, 75, 74),  # 74.07…
    (540, 8, 40, 40, 40),
    (100, 8, 7, 8, 7),  # 7.407…
    (7, 8, 0, 1, 1),  # 0.518…
    (6, 8, 0, 1, 0),  # 0.444…
    (10000, 8, 740, 741, 741),  # 740.74…
    (27, 8, 2, 2, 2),
    (20, 8, 1, 2, 1),  # 1.481…
    (21, 8, 1, 2, 2),  # 1.555…
]


def _expand(table):
    for amount, rate, down, up, half in table:
        for rounding, expected in ((D, down), (U, up), (H, half)):
            yield pytest.param(amount, rate, rounding, expected, id=f"{amount}@{rate}%-{rounding}")


@pytest.mark.parametrize("amount, rate, rounding, expected", list(_expand(EXCLUSIVE)))
def test_o1_tax_exclusive_one_rate(amount, rate, rounding, expected):
    got = one_rate(amount, rate, inclusive=False, rounding=rounding)
    assert got.tax == expected
    assert got.net == amount
    assert got.gross == amount + expected


@pytest.mark.parametrize("amount, rate, rounding, expected", list(_expand(INCLUSIVE)))
def test_o1_tax_inclusive_one_rate(amount, rate, rounding, expected):
    got = one_rate(amount, rate, inclusive=True, rounding=rounding)
    assert got.tax == expected
    assert got.gross == amount
    assert got.net == amount - expected


def test_o1_tax_inclusive_10_percent_is_floor_of_total_times_10_over_110_when_rounded_down():
    for total in range(0, 2300, 7):
        got = one_rate(total, 10, inclusive=True, rounding=D)
        assert got.tax == (total * 10) // 110


# (lines as (amount, rate), rounding, {rate: (net, tax, gross)}) — 税抜
DOCUMENTS = [
    # per invoice, not per line: ¥105 × 3 lines at 10 % is 31, never 3 × 10 = 30
    ([(105, 10), (105, 10), (105, 10)], D, {10: (315, 31, 346)}),
    ([(105, 8), (105, 8), (105, 8)], D, {8: (315, 25, 340)}),  # per line 3 × 8 = 24
    ([(99, 10)] * 10, D, {10: (990, 99, 1089)}),  # per line 10 × 9 = 90
    ([(33, 10), (33, 10), (34, 10)], H, {10: (100, 10, 110)}),
    ([(15, 10)] * 3, U, {10: (45, 5, 50)}),  # per line 3 × 2 = 6
    # mixed 8 % / 10 %
    ([(1000, 10), (1000, 8)], D, {10: (1000, 100, 1100), 8: (1000, 80, 1080)}),
    ([(315, 10), (315, 8)], D, {10: (315, 31, 346), 8: (315, 25, 340)}),
    ([(315, 10), (315, 8)], U, {10: (315, 32, 347), 8: (315, 26, 341)}),
    ([(315, 10), (315, 8)], H, {10: (315, 32, 347), 8: (315, 25, 340)}),
    ([(105, 10), (105, 10), (105, 10), (210, 8)], D, {10: (315, 31, 346), 8: (210, 16, 226)}),
    ([(105, 10), (105, 10), (105, 10), (210, 8)], U, {10: (315, 32, 347), 8: (210, 17, 227)}),
    ([(105, 10), (105, 10), (105, 10), (210, 8)], H, {10: (315, 32, 347), 8: (210, 17, 227)}),
    ([(500, 8), (500, 10), (500, 8)], D, {10: (500, 50, 550), 8: (1000, 80, 1080)}),
    # discounts: a negative line of the rate it discounts
    ([(1000, 10), (-100, 10)], D, {10: (900, 90, 990)}),
    ([(1000, 10), (1000, 8), (-100, 8)], D, {10: (1000, 100, 1100), 8: (900, 72, 972)}),
    ([(315, 10), (315, 8), (-15, 10)], D, {10: (300, 30, 330), 8: (315, 25, 340)}),
    ([(1000, 8), (-1, 8)], D, {8: (999, 79, 1078)}),
    ([(1000, 8), (-1, 8)], U, {8: (999, 80, 1079)}),
    ([(1000, 8), (-1, 8)], H, {8: (999, 80, 1079)}),
    # returns: negative amounts; the tax mirrors the sale's
    ([(-315, 10)], D, {10: (-315, -31, -346)}),
    ([(-315, 10)], U, {10: (-315, -32, -347)}),
    ([(-315, 10)], H, {10: (-315, -32, -347)}),
    ([(1000, 10), (-315, 10)], D, {10: (685, 68, 753)}),
    ([(1000, 10), (-315, 10)], U, {10: (685, 69, 754)}),
    ([(1000, 10), (-315, 10)], H, {10: (685, 69, 754)}),
    ([(-1000, 8)], D, {8: (-1000, -80, -1080)}),
    ([(315, 10), (-315, 10)], D, {10: (0, 0, 0)}),
    # shipping: a taxable line at the standard rate
    ([(2000, 8), (500, 10)], D, {8: (2000, 160, 2160), 10: (500, 50, 550)}),
    ([(2980, 8), (800, 10)], D, {8: (2980, 238, 3218), 10: (800, 80, 880)}),  # 238.4
]


@pytest.mark.parametrize("lines, rounding, expected", DOCUMENTS)
def test_o1_tax_per_document_per_rate_exclusive(lines, rounding, expected):
    totals = tax.document_totals([Line(a, r) for a, r in lines], inclusive=False, rounding=rounding)
    assert {r.rate: (r.net, r.tax, r.gross) for r in totals.rates} == expected
    assert totals.tax == sum(t for _n, t, _g in expected.values())
    assert totals.gross == totals.net + totals.tax


INCLUSIVE_DOCUMENTS = [
    ([(1100, 10), (1080, 8)], D, {10: (1000, 100, 1100), 8: (1000, 80, 1080)}),
    ([(1000, 10), (1000, 8)], D, {10: (910, 90, 1000), 8: (926, 74, 1000)}),
    ([(1000, 10), (1000, 8)], U, {10: (909, 91, 1000), 8: (925, 75, 1000)}),
    ([(1000, 10), (1000, 8)], H, {10: (909, 91, 1000), 8: (926, 74, 1000)}),
    ([(1100, 10), (-110, 10)], D, {10: (900, 90, 990)}),  # a discount
    ([(-346, 10)], D, {10: (-315, -31, -346)}),  # a return
    ([(-346, 10)], U, {10: (-314, -32, -346)}),
    ([(-346, 10)], H, {10: (-315, -31, -346)}),
    ([(1080, 8), (550, 10)], D, {8: (1000, 80, 1080), 10: (500, 50, 550)}),  # shipping 550 税込
    ([(116, 10), (115, 10), (115, 10)], D, {10: (315, 31, 346)}),  # per line 10 + 10 + 10 = 30
]


@pytest.mark.parametrize("lines, rounding, expected", INCLUSIVE_DOCUMENTS)
def test_o1_tax_per_document_per_rate_inclusive(lines, rounding, expected):
    totals = tax.document_totals([Line(a, r) for a, r in lines], inclusive=True, rounding=rounding)
    assert {r.rate: (r.net, r.tax, r.gross) for r in totals.rates} == expected
    assert totals.gross == sum(a for a, _r in lines)


def test_o1_tax_standard_rate_listed_first_and_absent_rate_is_zero():
    totals = tax.document_totals([Line(100, 8), Line(100, 10)], inclusive=False, rounding=D)
    assert [r.rate for r in totals.rates] == [10, 8]
    only = tax.document_totals([Line(100, 10)], inclusive=False, rounding=D)
    assert only.of(8).tax == 0 and only.of(8).gross == 0


def test_o1_tax_works_in_decimal_whole_yen():
    totals = tax.document_totals([Line(Decimal("315"), 10)], inclusive=False, rounding=D)
    assert isinstance(totals.tax, Decimal) and totals.tax == Decimal("31")
    with pytest.raises(ValueError):
        Line(Decimal("10.5"), 10)
    with pytest.raises(ValueError):
        Line(100, 5)  # no such rate


# (unit price, quantity, discount, line amount)
LINE_AMOUNTS = [
    (105, 3, 0, 315),
    (105, 3, 15, 300),
    (105, 3, 315, 0),  # a discount as large as the line
    (0, 5, 0, 0),
    (1000, 0, 0, 0),
    (1980, 2, 100, 3860),
]


@pytest.mark.parametrize("price, quantity, discount, expected", LINE_AMOUNTS)
def test_o1_line_amount(price, quantity, discount, expected):
    assert tax.line_amount(unit_price=price, quantity=quantity, discount=discount) == expected


@pytest.mark.parametrize("price, quantity, discount", [
    (105, -1, 0),  # negative quantity
    (105, 3, 316),  # discount larger than the line
    (105, 3, -1),  # negative discount
    (-105, 3, 0),  # negative price
    (105, Decimal("1.5"), 0),  # fractions are not whole units
])
def test_o1_line_amount_refuses_bad_input(price, quantity, discount):
    with pytest.raises(ValueError):
        tax.line_amount(unit_price=price, quantity=quantity, discount=discount)


# shipping: ¥800 below ¥3,000, ¥500 from ¥3,000, free from ¥10,000 — threshold −1 / exact / +1
BANDS = [ShippingBand(Decimal(0), Decimal(800)), ShippingBand(Decimal(3000), Decimal(500))]
SHIPPING = [
    (0, 800), (1, 800), (2999, 800), (3000, 500), (3001, 500), (9999, 500), (10000, 0), (10001, 0), (250000, 0),
]


@pytest.mark.parametrize("goods, fee", SHIPPING)
def test_o1_shipping_fee_at_the_thresholds(goods, fee):
    assert tax.shipping_fee(goods, bands=BANDS, free_from=10000) == fee


def test_o1_shipping_fee_without_free_amount_or_bands():
    assert tax.shipping_fee(100000, bands=BANDS, free_from=None) == 500
    assert tax.shipping_fee(5000, bands=[], free_from=None) == 0
    late = [ShippingBand(Decimal(1000), Decimal(600))]
    assert tax.shipping_fee(999, bands=late, free_from=None) == 0
    assert tax.shipping_fee(1000, bands=late, free_from=None) == 600
    # bands in any order
    assert tax.shipping_fee(3000, bands=list(reversed(BANDS)), free_from=10000) == 500


VALID_NUMBERS = [
    "T7000012050002",  # 国税庁
    "T1180301018771",  # a well-known 法人番号 with its T
    "T8000000000001",
    "T7123456789012",
    "T9999999999999",
    "T9000000000000",
    "ｔ７０００-０１２０-５０００２",  # full-width, hyphens: normalized
    " T7000012050002 ",
    "t7000012050002",
]
INVALID_NUMBERS = [
    "T7000012050003",  # check digit
    "T8000012050002",  # check digit
    "7000012050002",  # no T
    "T700001205000",  # 12 digits
    "T70000120500021",  # 14 digits
    "",
    "TABCDEFGHIJKLM",
    "X7000012050002",
]


@pytest.mark.parametrize("number", VALID_NUMBERS)
def test_o1_registration_number_valid(number):
    assert tax.registration_number_error(number) is None


@pytest.mark.parametrize("number", INVALID_NUMBERS)
def test_o1_registration_number_invalid(number, ja):
    message = tax.registration_number_error(number)
    assert message and "登録番号" in message


def test_o1_registration_number_normalized():
    assert tax.normalize_registration_number("ｔ７０００-０１２０-５０００２") == "T7000012050002"
