"""O1 / O2 (issue 26): orders and estimates through the real admin, per role and branch.

# given / # when / # then, with the personas of tests/personas.py (渋谷店 A, 新宿店 B)."""

import datetime
import io
import re
from decimal import Decimal
from html.parser import HTMLParser

import pdfplumber
import pytest
from django.urls import reverse

from crm import permissions
from crm.models import Customer, FamilyMember, Product
from orders import documents, integration, services
from orders.selectors import customer_order_annotations, customers_by_orders
from orders.models import Estimate, Medium, Order, OrderSettings, Payment, ShippingFeeBand
from tests.helpers import ja_client, management_data
from tests.personas import build_world

pytestmark = pytest.mark.django_db

@pytest.fixture
def world(db):
    world = build_world()
    Customer.objects.filter(pk__in=[world.customer_a.pk, world.customer_b.pk]).update(
        postal_code="150-0002", address="東京都渋谷区渋谷2-1-1", building="渋谷ビル3F")
    world.customer_a.refresh_from_db()
    world.customer_b.refresh_from_db()
    world.pen = Product.objects.create(code="P105", name="ボールペン", unit_price=105, tax_rate=10)
    world.tea = Product.objects.create(code="F200", name="緑茶", unit_price=200, tax_rate=8)
    return world


def client_of(world, name):
    return ja_client(world.users[name])


def order_data(customer, lines, **fields):
    """The order form as the browser sends it; lines: dicts of line fields."""
    data = {"customer": str(customer.pk), "ordered_on": "2026/12/07", "medium": "", "ship_to": "home",
            "ship_to_family": "", "ship_name": "", "ship_postal_code": "", "ship_address": "", "ship_tel": "",
            "shipped_on": "", "tracking_number": "", "memo": "",
            **management_data("lines", len(lines)), **management_data("payments")}
    for i, line in enumerate(lines):
        row = {"product": "", "product_code": "", "product_name": "", "unit_price": "", "quantity": "1",
               "discount": "0", "tax_rate": "", **{k: str(v) for k, v in line.items()}}
        if row.pop("is_return", None) in ("True", "on"):
            row["is_return"] = "on"
        data.update({f"lines-{i}-{k}": v for k, v in row.items()})
    data.update({k: str(v) for k, v in fields.items()})
    return data


def post_order(client, data):
    return client.post(reverse("admin:orders_order_add"), data)


def make_order(world, client_name="branch_a", customer=None, lines=None, **fields):
    client = client_of(world, client_name)
    response = post_order(client, order_data(customer or world.customer_a,
                                             lines or [{"product": world.pen.pk, "quantity": 3}], **fields))
    assert response.status_code == 302, response.content.decode()[:3000]
    return Order.objects.latest("id")


def field_errors(response) -> str:
    return " ".join(re.findall(r'role="alert"[^>]*>([^<]+)<', response.content.decode())) + " " + \
        " ".join(re.findall(r'<li>([^<]+)</li>', response.content.decode()))


# --- O1: taking an order ---------------------------------------------------------------------------
def test_o1_order_lines_from_product_master_tax_per_invoice(world):
    # given ¥105 × 3 at 10 %, rounded down (the default)
    # when a general user of the customer's branch takes the order
    order = make_order(world)
    # then the tax is rounded once per order: 31, not 3 × 10
    line = order.lines.get()
    assert (line.product_code, line.product_name, line.unit_price, line.tax_rate, line.amount) == \
        ("P105", "ボールペン", 105, 10, 315)
    assert (order.net_total, order.tax_total, order.total) == (315, 31, 346)
    assert order.status == Order.Status.RECEIVED
    assert order.created_by == world.users["branch_a"]
    assert order.history.count() >= 1


def test_o1_typed_product_code_and_mixed_rates(world):
    order = make_order(world, lines=[{"product_code": "P105", "quantity": 3}, {"product_code": "F200", "quantity": 2}])
    assert sorted(order.lines.values_list("product_code", "tax_rate", "amount")) == [("F200", 8, 400), ("P105", 10, 315)]
    # 10 %: 315 → 31; 8 %: 400 → 32
    assert (order.tax_total, order.total) == (63, 315 + 400 + 63)


def test_o1_discount_and_return_lines(world):
    order = make_order(world, lines=[{"product": world.pen.pk, "quantity": 10, "discount": 50},
                                     {"product": world.tea.pk, "quantity": 1, "is_return": "on"}])
    assert sorted(order.lines.values_list("amount", flat=True)) == [-200, 1000]
    # 10 %: 1000 → 100; 8 %: −200 → −16
    assert (order.net_total, order.tax_total, order.total) == (800, 84, 884)


def test_o1_prices_including_tax_setting(world):
    settings = OrderSettings.current()
    settings.prices_include_tax = True
    settings.save()
    order = make_order(world, lines=[{"product": world.pen.pk, "unit_price": 1000, "quantity": 1}])
    # floor(1000 × 10 / 110) = 90
    assert (order.net_total, order.tax_total, order.total) == (910, 90, 1000)
    # the order keeps the setting it was made under
    settings.prices_include_tax = False
    settings.save()
    services.document_recompute(order)
    assert order.total == 1000


@pytest.mark.parametrize("goods, fee", [(9999, 500), (10000, 0), (10001, 0)])
def test_o1_shipping_fee_threshold(world, goods, fee):
    # given ¥800 below ¥3,000, ¥500 from ¥3,000, free from ¥10,000 (goods total)
    settings = OrderSettings.current()
    settings.shipping_free_from = 10000
    settings.save()
    ShippingFeeBand.objects.create(settings=settings, from_amount=0, fee=800)
    ShippingFeeBand.objects.create(settings=settings, from_amount=3000, fee=500)
    # when an order's goods come to the threshold −1 / exact / +1
    order = make_order(world, lines=[{"product": world.pen.pk, "unit_price": goods, "quantity": 1}])
    # then the fee is a taxable line at 10 %
    assert order.shipping_fee == fee
    assert order.net_total == goods + fee
    assert order.tax_total == (goods + fee) // 10


def test_o1_shipping_fee_lower_band(world):
    settings = OrderSettings.current()
    ShippingFeeBand.objects.create(settings=settings, from_amount=0, fee=800)
    ShippingFeeBand.objects.create(settings=settings, from_amount=3000, fee=500)
    assert make_order(world, lines=[{"product": world.pen.pk, "unit_price": 2999}]).shipping_fee == 800
    assert make_order(world, lines=[{"product": world.pen.pk, "unit_price": 3000}]).shipping_fee == 500


def test_o1_ship_to_family_member_and_typed(world):
    member = FamilyMember.objects.create(customer=world.customer_a, name="渋谷 花子", relation="妻")
    order = make_order(world, ship_to="family", ship_to_family=member.pk)
    assert (order.ship_name, order.ship_postal_code) == ("渋谷 花子", "150-0002")
    typed = make_order(world, ship_to="other", ship_name="大阪 次郎", ship_postal_code="530-0001",
                       ship_address="大阪府大阪市北区梅田1-1")
    assert (typed.ship_name, typed.ship_address) == ("大阪 次郎", "大阪府大阪市北区梅田1-1")
    home = make_order(world)
    assert home.ship_address == "東京都渋谷区渋谷2-1-1 渋谷ビル3F"


@pytest.mark.parametrize("line, fields, message", [
    ({"product_code": "NOPE", "quantity": 1}, {}, "商品マスタにありません"),
    ({"product_code": "P105", "quantity": -1}, {}, "数量はマイナスにできません"),
    ({"product_code": "P105", "quantity": 2, "discount": 211}, {}, "値引"),
    ({"product_code": "P105", "quantity": 1}, {"ship_to": "other", "ship_name": "大阪 次郎",
                                               "ship_address": "大阪府大阪市北区梅田1-1"}, "郵便番号"),
])
def test_o1_bad_input_refused_at_the_field_nothing_saved(world, line, fields, message):
    client = client_of(world, "branch_a")
    response = post_order(client, order_data(world.customer_a, [line], **fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Order.objects.exists()


def test_o1_ship_to_home_without_postal_code_refused(world):
    Customer.objects.filter(pk=world.customer_a.pk).update(postal_code="")
    response = post_order(client_of(world, "branch_a"), order_data(world.customer_a, [{"product": world.pen.pk}]))
    assert response.status_code == 200
    assert "郵便番号" in response.content.decode()
    assert not Order.objects.exists()


def test_o1_medium_recorded_and_filtered(world):
    # the migration's カタログ (gone when an earlier transactional test on this worker emptied the tables)
    catalog, _ = Medium.objects.get_or_create(code="CAT", defaults={"name": "カタログ"})
    order = make_order(world, medium=catalog.pk)
    make_order(world)
    response = client_of(world, "branch_a").get(reverse("admin:orders_order_changelist") + f"?medium__id__exact={catalog.pk}")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert order.medium == catalog


# --- shipping and payment ---------------------------------------------------------------------------
def test_o1_ship_and_pay_one_by_one_status_derived(world):
    order = make_order(world)  # total 346
    client = client_of(world, "branch_a")
    ship_url = reverse("admin:orders_order_ship") + f"?ids={order.pk}"
    pay_url = reverse("admin:orders_order_pay") + f"?ids={order.pk}"
    assert client.get(ship_url).status_code == 200
    assert client.post(ship_url, {"shipped_on": "2026/12/08", "tracking_number": "1234-5678"}).status_code == 302
    order.refresh_from_db()
    assert (str(order.shipped_on), order.tracking_number, order.status) == ("2026-12-08", "1234-5678", "shipped")
    # a partial payment, then the rest
    assert client.post(pay_url, {"paid_on": "2026/12/10", "amount": "300"}).status_code == 302
    order.refresh_from_db()
    assert (order.paid_total, order.balance, order.status) == (300, 46, "shipped")
    # beyond the balance: refused at the field, nothing saved
    response = client.post(pay_url, {"paid_on": "2026/12/10", "amount": "47"})
    assert response.status_code == 200 and "残高" in response.content.decode()
    assert Payment.objects.count() == 1
    assert client.post(pay_url, {"paid_on": "2026/12/11", "amount": "46"}).status_code == 302
    order.refresh_from_db()
    assert (order.paid_total, order.status) == (346, "done")
    assert order.get_status_display() == "完了"


def test_o1_paid_before_shipping(world):
    order = make_order(world)
    services.payment_add(order=order, amount=100, paid_on=order.ordered_on, user=world.users["branch_a"])
    order.refresh_from_db()
    assert order.status == "part_paid"
    services.payment_add(order=order, amount=246, paid_on=order.ordered_on, user=world.users["branch_a"])
    order.refresh_from_db()
    assert order.status == "paid"


def test_o1_bulk_shipment_and_payment_from_the_list(world):
    orders = [make_order(world) for _ in range(3)]
    client = client_of(world, "branch_a")
    changelist = reverse("admin:orders_order_changelist")
    response = client.post(changelist, {"action": "register_shipment", "_selected_action": [o.pk for o in orders]})
    assert response.status_code == 302
    response = client.post(response["Location"], {"shipped_on": "2026/12/08", "tracking_number": ""})
    assert response.status_code == 302
    assert Order.objects.filter(shipped_on__isnull=False).count() == 3
    assert all(o.history.filter(history_change_reason="出荷済登録").exists() for o in orders)
    response = client.post(changelist, {"action": "register_payment", "_selected_action": [o.pk for o in orders]})
    response = client.post(response["Location"], {"paid_on": "2026/12/09", "amount": ""})
    assert response.status_code == 302
    assert {o.status for o in Order.objects.all()} == {"done"}
    assert Payment.objects.count() == 3
    from audit.models import AuditEvent

    assert sorted(AuditEvent.objects.filter(action="bulk").values_list("detail__action", "row_count")) == [
        ("register_payment", 3), ("register_shipment", 3)]
    # status filter
    assert client.get(changelist + "?status=done").context["cl"].result_count == 3
    assert client.get(changelist + "?status=received").context["cl"].result_count == 0


def test_o1_bulk_amount_for_many_orders_refused(world):
    orders = [make_order(world) for _ in range(2)]
    url = reverse("admin:orders_order_pay") + "?ids=" + ",".join(str(o.pk) for o in orders)
    response = client_of(world, "branch_a").post(url, {"paid_on": "2026/12/09", "amount": "10"})
    assert response.status_code == 200
    assert not Payment.objects.exists()


# --- O2: estimates ----------------------------------------------------------------------------------
def estimate_data(customer, lines, **fields):
    data = {"customer": str(customer.pk), "title": "事務用品一式", "issued_on": "2026/12/01", "valid_until": "",
            "status": "draft", "memo": "", **management_data("lines", len(lines))}
    for i, line in enumerate(lines):
        row = {"product": "", "product_code": "", "product_name": "", "unit_price": "", "quantity": "1",
               "discount": "0", "tax_rate": "", **{k: str(v) for k, v in line.items()}}
        data.update({f"lines-{i}-{k}": v for k, v in row.items()})
    data.update(fields)
    return data


def make_estimate(world, client_name="branch_a"):
    response = client_of(world, client_name).post(reverse("admin:orders_estimate_add"), estimate_data(
        world.customer_a, [{"product": world.pen.pk, "quantity": 3}, {"product": world.tea.pk, "quantity": 2}]))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Estimate.objects.latest("id")


def test_o2_estimate_lines_validity_and_conversion_once(world):
    estimate = make_estimate(world)
    assert (estimate.total, str(estimate.valid_until)) == (778, "2026-12-31")  # 30 days
    client = client_of(world, "branch_a")
    convert = reverse("admin:orders_estimate_convert", args=[estimate.pk])
    response = client.post(convert)
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.estimate == estimate and order.total == estimate.total
    assert sorted(order.lines.values_list("product_code", "quantity")) == [("F200", 2), ("P105", 3)]
    estimate.refresh_from_db()
    assert estimate.status == Estimate.Status.ORDERED
    # a second conversion is refused, with a message; nothing more saved
    response = client.post(convert, follow=True)
    assert "既に受注に変換されています" in response.content.decode()
    assert Order.objects.count() == 1


def test_o2_convert_saves_what_was_typed_first_and_a_stale_screen_converts_nothing(world):
    from tests.test_i24_3_locking import FormControls

    # given an estimate of 3 pens and 2 teas, its screen open in two tabs
    estimate = make_estimate(world)
    client = client_of(world, "branch_a")
    url = reverse("admin:orders_estimate_change", args=[estimate.pk])
    first = FormControls(client.get(url).content.decode(), "estimate_form").data
    stale = dict(first)
    # when in the first the title and a quantity are changed and 「受注に変換」 pressed without saving
    first.update({"title": "事務用品一式（追加分）", "lines-0-quantity": "5", "_convert": "1"})
    response = client.post(url, first)
    # then what was typed is saved, and the order is made from it
    assert response.status_code == 302, response.content.decode()[:3000]
    order = Order.objects.get()
    assert response["Location"] == reverse("admin:orders_order_change", args=[order.pk])
    estimate.refresh_from_db()
    assert (estimate.title, estimate.status) == ("事務用品一式（追加分）", Estimate.Status.ORDERED)
    assert sorted(order.lines.values_list("product_code", "quantity")) == [("F200", 2), ("P105", 5)]
    assert order.total == estimate.total
    # when the second tab (read before) presses it with its own typing
    stale.update({"memo": "至急", "_convert": "1"})
    response = client.post(url, stale)
    # then refused in Japanese with what was typed kept; no second order, the estimate as the first saved it
    assert response.status_code == 200
    body = response.content.decode()
    assert "相手が保存した値：事務用品一式（追加分）" in body and "至急" in body
    assert Order.objects.count() == 1
    estimate.refresh_from_db()
    assert (estimate.title, estimate.memo) == ("事務用品一式（追加分）", "")


def test_o2_convert_with_a_mistake_converts_nothing_and_keeps_the_typing(world):
    from tests.test_i24_3_locking import FormControls

    estimate = make_estimate(world)
    client = client_of(world, "branch_a")
    url = reverse("admin:orders_estimate_change", args=[estimate.pk])
    data = FormControls(client.get(url).content.decode(), "estimate_form").data
    data.update({"title": "再見積", "lines-0-quantity": "-1", "_convert": "1"})
    response = client.post(url, data)
    assert response.status_code == 200
    assert Order.objects.count() == 0
    estimate.refresh_from_db()
    assert (estimate.title, estimate.status) == ("事務用品一式", Estimate.Status.DRAFT)
    assert 'value="再見積"' in response.content.decode()


def test_o2_status_ordered_not_typed(world):
    estimate = make_estimate(world)
    url = reverse("admin:orders_estimate_change", args=[estimate.pk])
    data = estimate_data(world.customer_a, [], status="ordered")
    data.update(management_data("lines", 0))
    response = client_of(world, "branch_a").post(url, data)
    assert response.status_code == 200
    estimate.refresh_from_db()
    assert estimate.status == Estimate.Status.DRAFT


class FormNesting(HTMLParser):
    """The forms of a page as the server sends it: the ids of forms opened inside another form (which a
    browser drops, its </form> then closing the outer form) and the ids of all forms."""

    def __init__(self):
        super().__init__()
        self.open, self.nested, self.ids = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            form_id = dict(attrs).get("id") or "?"
            if self.open:
                self.nested.append(f"{form_id} in {self.open[-1]}")
            self.open.append(form_id)
            self.ids.append(form_id)

    def handle_endtag(self, tag):
        if tag == "form" and self.open:
            self.open.pop()


def forms_of(response) -> FormNesting:
    assert response.status_code == 200
    parser = FormNesting()
    parser.feed(response.content.decode())
    return parser


def test_o2_tool_forms_are_not_inside_the_change_form(world):
    # given an estimate not yet converted and an order, both of customer A
    estimate = make_estimate(world)
    order = make_order(world)
    client = client_of(world, "branch_a")
    # when the estimate's screen, the order's and the customer's card are opened
    estimate_page = forms_of(client.get(reverse("admin:orders_estimate_change", args=[estimate.pk])))
    order_page = forms_of(client.get(reverse("admin:orders_order_change", args=[order.pk])))
    card = forms_of(client.get(reverse("admin:crm_customer_change", args=[world.customer_a.pk])))
    # then 「受注に変換」 is a submit of the estimate's own form, from outside it, and no form is inside another
    assert "estimate_form" in estimate_page.ids
    assert re.search(r'<button type="submit" form="estimate_form" name="_convert"',
                     client.get(reverse("admin:orders_estimate_change", args=[estimate.pk])).content.decode())
    assert "order_form" in order_page.ids and "customer_form" in card.ids
    assert (estimate_page.nested, order_page.nested, card.nested) == ([], [], [])


def test_o2_estimates_per_customer_and_search(world):
    make_estimate(world)
    client = client_of(world, "branch_a")
    url = reverse("admin:orders_estimate_changelist")
    assert client.get(url + f"?customer__id__exact={world.customer_a.pk}").context["cl"].result_count == 1
    assert client.get(url + "?q=事務用品").context["cl"].result_count == 1
    assert client.get(url + "?q=存在しない").context["cl"].result_count == 0


# --- PDFs -------------------------------------------------------------------------------------------
def pdf_text(content: bytes) -> str:
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def amounts_after(text: str, label: str) -> int:
    line = next(line for line in text.splitlines() if line.startswith(label))
    return int(line.split()[-1].replace(",", "").replace("¥", ""))


def issuer(**overrides):
    settings = OrderSettings.current()
    for name, value in {"issuer_name": "株式会社アクティブ企画", "registration_number": "T7000012050002",
                        "issuer_address": "東京都品川区", **overrides}.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def test_o2_estimate_pdf_totals_equal_the_database(world):
    issuer()
    estimate = make_estimate(world)
    response = client_of(world, "branch_a").get(reverse("admin:orders_estimate_pdf", args=[estimate.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "御見積書" in text or "見積書" in text
    assert amounts_after(text, "合計（税込）") == estimate.total
    assert amounts_after(text, "消費税") == estimate.tax_total
    assert amounts_after(text, "10% 消費税") == 31 and amounts_after(text, "8% ※ 消費税") == 32
    assert "緑茶 ※" in text


def test_o1_invoice_is_a_qualified_invoice(world):
    issuer()
    order = make_order(world, lines=[{"product": world.pen.pk, "quantity": 3}, {"product": world.tea.pk, "quantity": 2}])
    response = client_of(world, "branch_a").get(reverse("admin:orders_order_invoice", args=[order.pk]))
    assert response.status_code == 200
    text = pdf_text(response.content)
    for item in ("請求書", "株式会社アクティブ企画", "T7000012050002", "渋谷 一郎 様", "緑茶 ※", "軽減税率"):
        assert item in text, item
    assert amounts_after(text, "合計（税込）") == order.total
    assert amounts_after(text, "10% 対象（税抜）") == 315 and amounts_after(text, "8% ※ 対象（税抜）") == 400
    delivery = client_of(world, "branch_a").get(reverse("admin:orders_order_delivery", args=[order.pk]))
    assert delivery.status_code == 200 and "納品書" in pdf_text(delivery.content)
    from audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="print", user=world.users["branch_a"]).count() == 2


@pytest.mark.parametrize("overrides, missing", [
    ({"registration_number": ""}, "登録番号"),
    ({"issuer_name": ""}, "発行者名"),
])
def test_o1_invoice_missing_an_item_not_issued(world, overrides, missing):
    issuer(**overrides)
    order = make_order(world)
    response = client_of(world, "branch_a").get(reverse("admin:orders_order_invoice", args=[order.pk]), follow=True)
    assert response["Content-Type"].startswith("text/html")
    assert "請求書を発行できません" in response.content.decode() and missing in response.content.decode()


def test_o1_settings_refuse_a_wrong_registration_number(world):
    client = client_of(world, "hq_admin")
    settings = OrderSettings.current()
    url = reverse("admin:orders_ordersettings_change", args=[settings.pk])
    data = {"rounding": "down", "issuer_name": "テスト", "registration_number": "T7000012050003",
            "issuer_postal_code": "", "issuer_address": "", "issuer_tel": "", "shipping_free_from": "",
            "estimate_valid_days": "30", **management_data("shipping_bands")}
    response = client.post(url, data)
    assert response.status_code == 200 and "チェックデジット" in response.content.decode()
    data["registration_number"] = "ｔ７０００-０１２０-５０００２"
    assert client.post(url, data).status_code == 302
    settings.refresh_from_db()
    assert settings.registration_number == "T7000012050002"
    assert client.get(reverse("admin:orders_ordersettings_changelist")).status_code == 302


# --- roles and branches (R1, R2) ---------------------------------------------------------------------
def test_o1_another_branch_order_answers_404_everywhere(world):
    issuer()
    order = make_order(world)
    estimate = make_estimate(world)
    client = client_of(world, "branch_b")
    for url in [reverse("admin:orders_order_change", args=[order.pk]),
                reverse("admin:orders_order_history", args=[order.pk]),
                reverse("admin:orders_order_invoice", args=[order.pk]),
                reverse("admin:orders_order_delivery", args=[order.pk]),
                reverse("admin:orders_order_ship") + f"?ids={order.pk}",
                reverse("admin:orders_order_pay") + f"?ids={order.pk}",
                reverse("admin:orders_estimate_change", args=[estimate.pk]),
                reverse("admin:orders_estimate_pdf", args=[estimate.pk])]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("admin:orders_estimate_convert", args=[estimate.pk])).status_code == 404
    assert client.post(reverse("admin:orders_order_ship") + f"?ids={order.pk}",
                       {"shipped_on": "2026/12/08"}).status_code == 404
    # the list shows none of them, and a bulk action on its id does nothing
    assert client.get(reverse("admin:orders_order_changelist")).context["cl"].result_count == 0
    client.post(reverse("admin:orders_order_changelist"), {"action": "register_shipment", "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.shipped_on is None
    assert Order.objects.filter(estimate=estimate).count() == 0
    from audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="denied", user=world.users["branch_b"]).exists()


def test_o1_another_branch_customer_not_offered(world):
    client = client_of(world, "branch_a")
    response = post_order(client, order_data(world.customer_b, [{"product": world.pen.pk}]))
    assert response.status_code == 200
    assert not Order.objects.exists()
    member = FamilyMember.objects.create(customer=world.customer_b, name="新宿 一郎")
    response = post_order(client, order_data(world.customer_a, [{"product": world.pen.pk}], ship_to="family",
                                             ship_to_family=member.pk))
    assert response.status_code == 200 and not Order.objects.exists()


def test_o1_roles_read_only_cannot_take_orders_no_print_cannot_print(world):
    issuer()
    order = make_order(world)
    read_only = client_of(world, "read_only")
    assert read_only.get(reverse("admin:orders_order_changelist")).status_code == 200
    assert read_only.get(reverse("admin:orders_order_change", args=[order.pk])).status_code == 200
    assert post_order(read_only, order_data(world.customer_a, [{"product": world.pen.pk}])).status_code == 403
    assert read_only.get(reverse("admin:orders_order_ship") + f"?ids={order.pk}").status_code == 403
    no_print = client_of(world, "no_print")
    assert no_print.get(reverse("admin:orders_order_invoice", args=[order.pk])).status_code == 403
    assert "tool-invoice" not in no_print.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert make_order(world, client_name="no_export").customer == world.customer_a
    # settings and media are the admins'
    assert client_of(world, "branch_a").get(reverse("admin:orders_ordersettings_changelist")).status_code == 403
    assert client_of(world, "hq_admin").get(reverse("admin:orders_medium_changelist")).status_code == 200


def test_o1_services_refuse_overpayment_directly(world):
    order = make_order(world)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.payment_add(order=order, amount=Decimal(347), paid_on=order.ordered_on, user=None)
    assert "amount" in refused.value.message_dict
    assert not Payment.objects.exists()


def test_o1_invoice_document_refusal_names_everything_missing(world):
    order = make_order(world)
    with pytest.raises(documents.NotIssuable) as refused:
        documents.render(kind=documents.INVOICE, document=order, user=world.users["branch_a"])
    assert "発行者名" in str(refused.value) and "登録番号" in str(refused.value)


# --- orders feed the customer (integration with the core's registry) -----------------------------------
def test_o1_card_panel_history_newest_first_and_scoped(world):
    from django.test import RequestFactory

    first = make_order(world, ordered_on="2026/11/01")
    second = make_order(world, ordered_on="2026/12/01")
    services.orders_ship(orders=[first], shipped_on=first.ordered_on, user=None)
    request = RequestFactory().get("/")
    request.user = world.users["branch_a"]
    panel = integration.card_context(request, world.customer_a)["orders_panel"]
    assert [o.pk for o in panel["orders"]] == [second.pk, first.pk]
    assert panel["summary"]["order_count"] == 2 and panel["summary"]["order_amount"] == 692
    assert panel["add_order_url"].endswith(f"?customer={world.customer_a.pk}")
    request.user = world.users["branch_b"]
    assert integration.card_context(request, world.customer_a)["orders_panel"]["orders"] == []
    request.user = world.users["read_only"]
    assert integration.card_context(request, world.customer_a)["orders_panel"]["add_order_url"] is None
    # the template renders
    from django.template.loader import render_to_string

    request.user = world.users["branch_a"]
    html = render_to_string("orders/card_panel.html", integration.card_context(request, world.customer_a))
    assert first.number in html and "出荷済" in html and "受付" in html


def test_o1_search_customers_by_last_order_count_and_amount(world):
    # given two orders of A (October, December) and one of B (December)
    make_order(world, ordered_on="2026/10/01")
    make_order(world, ordered_on="2026/12/01")
    make_order(world, client_name="branch_b", customer=world.customer_b, ordered_on="2026/12/02")
    a, b = world.customer_a.code, world.customer_b.code

    def find(user="hq_admin", **conditions):
        found = customers_by_orders(Customer.objects.all(), user=world.users[user], **conditions)
        return set(found.values_list("code", flat=True))

    # then
    assert find(count_min=2) == {a}
    assert find(date_from=datetime.date(2026, 11, 1)) == {a, b}
    assert find(date_from=datetime.date(2026, 11, 1), count_min=2) == set()
    assert find(amount_min=600) == {a}
    assert find(last_to=datetime.date(2026, 12, 1)) == {a}
    assert find(user="branch_a", count_min=1) == {a}  # never another branch's customer
    row = Customer.objects.annotate(**customer_order_annotations()).get(pk=world.customer_a.pk)
    assert (row.order_count, row.order_amount, str(row.order_last_date)) == (2, 692, "2026-12-01")


def test_o1_search_screen_offers_orders_and_the_result_list_filters_by_them(world):
    """受注 on the 検索画面 (registered through crm.extensions.add_search_block): the block is offered,
    a URL condition filters the customer list, and the result list names the condition."""
    # given two orders of A and one of B
    make_order(world, ordered_on="2026/10/01")
    make_order(world, ordered_on="2026/12/01")
    make_order(world, client_name="branch_b", customer=world.customer_b, ordered_on="2026/12/02")
    client = client_of(world, "hq_admin")
    # when the search screen is opened, then the block is there
    screen = client.get("/admin/crm/customer/search/").content.decode()
    assert "s_o_count_min" in screen and "s_o_last_from" in screen
    # when the list is asked for customers with at least 2 orders
    response = client.get("/admin/crm/customer/", {"s_o_count_min": "2"})
    page = response.content.decode()
    # then only A is listed, and the condition is said
    assert response.status_code == 200
    assert world.customer_a.code in page and world.customer_b.code not in page
    assert "期間内の受注件数" in page
    # and a start after its end is refused at the field
    bad = client.get("/admin/crm/customer/search/", {"s_o_last_from": "2026/12/31", "s_o_last_to": "2026/01/01"})
    assert bad.status_code == 200


def test_o1_export_target_rows(world):
    from dataio import exporting

    order = make_order(world)
    target = integration.OrdersExportTarget()
    columns = target.columns(world.users["branch_a"])
    queryset = permissions.visible_related(world.users["branch_a"], Order.objects.all())
    rows = list(exporting.rows(queryset, columns))
    assert len(rows) == 1
    cells = dict(zip([c.label for c in columns], rows[0]))
    assert cells["受注番号"] == order.number and cells["合計金額"] == "346"


def test_o1_orders_and_estimates_follow_a_merge_and_its_undo(world):
    from dataio import merging
    from tests.factories import CustomerFactory, EstimateFactory, OrderFactory

    # given a duplicate of customer A with an order and an estimate
    duplicate = CustomerFactory(branch=world.branch_a, last_name="渋谷", first_name="一郎")
    order = OrderFactory(customer=duplicate)
    estimate = EstimateFactory(customer=duplicate)
    user = world.users["hq_admin"]
    # when they are merged into A
    record = merging.merge(user=user, survivor_id=world.customer_a.pk, ids=[world.customer_a.pk, duplicate.pk],
                           choices={})
    # then the order and the estimate are A's; undone, they are the duplicate's again
    order.refresh_from_db()
    estimate.refresh_from_db()
    assert order.customer_id == estimate.customer_id == world.customer_a.pk
    merging.undo(user=user, record=record)
    order.refresh_from_db()
    assert order.customer_id == duplicate.pk


def test_o1_a_customer_with_orders_is_not_deleted_with_them(world):
    order = make_order(world)
    client = client_of(world, "hq_admin")
    url = reverse("admin:crm_customer_delete", args=[world.customer_a.pk])
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 200  # Django's page naming the protected orders
    assert Order.objects.filter(pk=order.pk).exists() and Customer.objects.filter(pk=world.customer_a.pk).exists()


def test_o1_lines_cannot_bring_the_total_below_what_was_paid(world):
    # given an order of 346, fully paid
    order = make_order(world)
    services.payment_add(order=order, amount=346, paid_on=order.ordered_on, user=None)
    line = order.lines.get()
    # when its quantity is lowered to 1 on the order
    data = order_data(world.customer_a, [])
    data.update({**management_data("lines", 1, 1), "lines-0-id": line.pk, "lines-0-order": order.pk,
                 "lines-0-product": world.pen.pk, "lines-0-product_code": "P105", "lines-0-product_name": "ボールペン",
                 "lines-0-unit_price": "105", "lines-0-quantity": "1", "lines-0-discount": "0", "lines-0-tax_rate": "10"})
    payment = order.payments.get()
    data.update({**management_data("payments", 1, 1), "payments-0-id": payment.pk, "payments-0-order": order.pk})
    response = client_of(world, "branch_a").post(reverse("admin:orders_order_change", args=[order.pk]), data)
    # then refused with a message; nothing changed
    assert response.status_code == 200
    assert "入金済額（346）を下回ります" in response.content.decode()
    line.refresh_from_db()
    order.refresh_from_db()
    assert (line.quantity, order.total) == (3, 346)


def test_o1_an_order_keeps_its_ship_to_when_the_customer_moves(world):
    # given an order shipped to the customer's address
    order = make_order(world)
    # when the customer moves and the order's memo is edited later
    Customer.objects.filter(pk=world.customer_a.pk).update(postal_code="530-0001", address="大阪府大阪市北区梅田1-1")
    line = order.lines.get()
    data = order_data(world.customer_a, [], memo="再送不要", ship_name=order.ship_name,
                      ship_postal_code=order.ship_postal_code, ship_address=order.ship_address, ship_tel=order.ship_tel)
    data.update({**management_data("lines", 1, 1), "lines-0-id": line.pk, "lines-0-order": order.pk,
                 "lines-0-product": world.pen.pk, "lines-0-product_code": "P105", "lines-0-product_name": "ボールペン",
                 "lines-0-unit_price": "105", "lines-0-quantity": "3", "lines-0-discount": "0", "lines-0-tax_rate": "10"})
    response = client_of(world, "branch_a").post(reverse("admin:orders_order_change", args=[order.pk]), data)
    assert response.status_code == 302, field_errors(response)
    # then it still ships where it was taken
    order.refresh_from_db()
    assert (order.memo, order.ship_postal_code) == ("再送不要", "150-0002")


def test_o1_general_users_do_not_delete_orders(world):
    order = make_order(world)
    url = reverse("admin:orders_order_delete", args=[order.pk])
    assert client_of(world, "branch_a").post(url, {"post": "yes"}).status_code == 403
    assert client_of(world, "hq_admin").post(url, {"post": "yes"}).status_code == 302
    assert not Order.objects.exists()
