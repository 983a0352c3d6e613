"""O1 in the browser (issue 26): a general user takes an order, registers its shipment and payment,
and prints the invoice."""

import pytest

from crm import roles
from crm.models import Product
from orders.models import Estimate, Order, OrderSettings
from tests.factories import BranchFactory, CustomerFactory, EstimateFactory, StaffFactory
from tests.test_browser import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_o1_take_an_order_ship_pay_and_print_the_invoice(page, live_server):
    # given a general user of 渋谷店, a customer there, two products and the issuer's settings
    branch = BranchFactory(code="A", name="渋谷店")
    StaffFactory(username="ippan", roles=[roles.GENERAL], branches=[branch])
    customer = CustomerFactory(branch=branch, postal_code="150-0002", address="東京都渋谷区渋谷2-1-1")
    Product.objects.create(code="P105", name="ボールペン", unit_price=105, tax_rate=10)
    settings = OrderSettings.current()
    settings.issuer_name, settings.registration_number = "株式会社アクティブ企画", "T7000012050002"
    settings.save()

    # when: the order is taken from the card's 受注 panel (「新規受注」 opens the order for the customer)
    login(page, live_server, "ippan")
    page.goto(f"{live_server.url}/admin/crm/customer/{customer.pk}/change/")
    new_order = page.locator("#orders-add")
    assert new_order.get_attribute("href").endswith(f"/admin/orders/order/add/?customer={customer.pk}")
    page.goto(live_server.url + new_order.get_attribute("href"))
    page.fill("input[name='lines-0-product_code']", "P105")
    page.fill("input[name='lines-0-quantity']", "3")
    shot(page, "order-entry")
    page.click("button[name=_continue]")
    page.wait_for_url("**/orders/order/*/change/**")

    # then: the totals are the per-invoice tax (¥105 × 3: 315 + 31)
    order = Order.objects.get()
    assert (order.total, order.tax_total, order.ship_postal_code) == (346, 31, "150-0002")
    assert "受付" in page.content()

    # when: 出荷済登録 from the order's button
    page.click("#tool-ship")
    page.fill("input[name=shipped_on]", "2026/12/08")
    page.fill("input[name=tracking_number]", "1234-5678-9012")
    page.click("#registration-submit")
    page.wait_for_url("**/orders/order/*/change/**")
    # and 入金済登録 of a part, then the rest
    page.click("#tool-pay")
    page.fill("input[name=paid_on]", "2026/12/10")
    page.fill("input[name=amount]", "300")
    page.click("#registration-submit")
    page.wait_for_url("**/orders/order/*/change/**")
    order.refresh_from_db()
    assert (order.paid_total, order.status) == (300, "shipped")
    page.click("#tool-pay")
    page.fill("input[name=paid_on]", "2026/12/11")
    page.fill("input[name=amount]", "47")  # one yen too many: refused at the field
    page.click("#registration-submit")
    assert "残高" in page.locator(".kokyaku-field-error").inner_text()
    page.fill("input[name=amount]", "46")
    page.click("#registration-submit")
    page.wait_for_url("**/orders/order/*/change/**")
    order.refresh_from_db()
    assert order.status == "done" and "完了" in page.content()
    shot(page, "order-done")

    # then: the invoice prints
    href = page.locator("#tool-invoice").get_attribute("href")
    response = page.request.get(live_server.url + href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    # and the list shows it 完了
    page.goto(f"{live_server.url}/admin/orders/order/?customer__id__exact={customer.pk}")
    assert "完了" in page.locator("#result_list").inner_text()
    # and the card's order history shows it with its progress
    page.goto(f"{live_server.url}/admin/crm/customer/{customer.pk}/change/")
    assert "完了" in page.locator("#orders-history").inner_text()
    shot(page, "order-card-panel")


def test_o2_convert_an_estimate_to_an_order_from_its_screen(page, live_server):
    # given a general user of 渋谷店 and an estimate of two lines for a customer there
    branch = BranchFactory(code="A", name="渋谷店")
    StaffFactory(username="ippan", roles=[roles.GENERAL], branches=[branch])
    customer = CustomerFactory(branch=branch, postal_code="150-0002", address="東京都渋谷区渋谷2-1-1")
    pen = Product.objects.create(code="P105", name="ボールペン", unit_price=105, tax_rate=10)
    tea = Product.objects.create(code="F200", name="お茶", unit_price=200, tax_rate=8)
    estimate = EstimateFactory(customer=customer, lines=[(pen, 3), (tea, 2)])
    url = f"{live_server.url}/admin/orders/estimate/{estimate.pk}/change/"

    # when: the estimate's screen is open in a second tab too (for the second press below)
    login(page, live_server, "ippan")
    stale = page.context.new_page()
    stale.goto(url)
    page.goto(url)
    shot(page, "estimate-convert")
    page.set_viewport_size({"width": 375, "height": 812})
    shot(page, "estimate-convert-phone")
    page.set_viewport_size({"width": 1366, "height": 900})
    # and the estimate's own form still saves (the tools' form sits outside it)
    page.fill("input[name=title]", "事務用品一式（追加分）")
    page.click("button[name=_continue]")
    page.wait_for_url(url)
    estimate.refresh_from_db()
    assert estimate.title == "事務用品一式（追加分）"
    # and 「受注に変換」 is pressed
    assert page.locator("#tool-convert").inner_text() == "受注に変換"
    page.click("#tool-convert")
    page.wait_for_url("**/orders/order/*/change/**")

    # then: one order with the estimate's lines, and the estimate is 受注
    order = Order.objects.get()
    assert page.url.endswith(f"/admin/orders/order/{order.pk}/change/")
    assert order.estimate_id == estimate.pk and order.total == estimate.total
    assert sorted(order.lines.values_list("product_code", "quantity")) == [("F200", 2), ("P105", 3)]
    estimate.refresh_from_db()
    assert estimate.status == Estimate.Status.ORDERED
    assert f"この見積から受注 {order.number} を作成しました" in page.content()
    # and the estimate's screen no longer offers the conversion
    page.goto(url)
    assert page.locator("#tool-convert").count() == 0
    assert order.number in page.content()

    # when: the button is pressed again on the screen opened before the conversion
    stale.click("#tool-convert")
    stale.wait_for_load_state()

    # then: refused in Japanese, on the estimate's screen (it was saved and converted since this tab read
    # it); still one order
    assert "相手が保存した値：事務用品一式（追加分）" in stale.content()
    assert f"/admin/orders/estimate/{estimate.pk}/change/" in stale.url
    assert Order.objects.count() == 1
    shot(stale, "estimate-convert-refused")
