"""Issue 24.3 in the browser: two staff editing the same family row on the card (the second refused at the
row, what they typed still in the boxes, the other person's value beside it), and a bulk action from a
list loaded before one of its orders changed (refused whole, naming that order)."""

import pytest

from crm import locking, roles
from crm.models import FamilyMember, Product
from orders.models import Order
from tests.factories import BranchFactory, CustomerFactory, FamilyMemberFactory, OrderFactory, StaffFactory
from tests.test_browser import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def second_page(browser, live_server, username, width=1366):
    context = browser.new_context(locale="ja-JP", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    login(page, live_server, username)
    return page


def test_i24_3_a_stale_family_row_is_refused_in_the_browser_and_keeps_what_was_typed(page, browser, live_server):
    # given two staff of 渋谷店 and a customer with one family member
    branch = BranchFactory(code="A", name="渋谷店")
    StaffFactory(username="sato", roles=[roles.GENERAL], branches=[branch], display_name="佐藤")
    StaffFactory(username="suzuki", roles=[roles.GENERAL], branches=[branch], display_name="鈴木")
    customer = CustomerFactory(branch=branch, last_name="渋谷", first_name="一郎")
    member = FamilyMemberFactory(customer=customer, name="渋谷 花子", occupation="")
    url = f"{live_server.url}/admin/crm/customer/{customer.pk}/change/?edit=family"
    login(page, live_server, "sato")
    other = second_page(browser, live_server, "suzuki")
    # when both open the family editor, the first saves a new name, then the second an occupation
    for each in (page, other):
        each.goto(url)
        each.locator("a:text-is('家族')").first.click()
    name_box = page.locator("input[name$='-0-name']")
    name_box.fill("渋谷 華子")
    page.click("button[name=_save]")
    page.wait_for_url("**/crm/customer/**")
    other.locator("input[name$='-0-occupation']").fill("教師")
    other.click("button[name=_save]")
    other.wait_for_load_state()
    other.locator("a:text-is('家族')").first.click()
    # then the second is refused, the typed occupation still there, the first's name beside the row
    text = other.content()
    assert "あなたの変更は保存していません" in text and "相手が保存した値：渋谷 華子" in text
    assert other.locator("input[name$='-0-occupation']").input_value() == "教師"
    member.refresh_from_db()
    assert (member.name, member.occupation) == ("渋谷 華子", "")
    shot(other, "i24-3-stale-family-row-1366")
    other.set_viewport_size({"width": 375, "height": 800})
    shot(other, "i24-3-stale-family-row-375")
    # and saved again after checking, the occupation is kept with the first's name
    other.set_viewport_size({"width": 1366, "height": 900})
    other.locator("input[name$='-0-name']").fill("渋谷 華子")
    other.click("button[name=_save]")
    other.wait_for_url("**/crm/customer/**")
    assert FamilyMember.objects.filter(pk=member.pk, name="渋谷 華子", occupation="教師").exists()
    other.context.close()


def test_i24_3_a_bulk_shipment_from_a_stale_list_is_refused_in_the_browser(page, live_server):
    branch = BranchFactory(code="A", name="渋谷店")
    StaffFactory(username="sato", roles=[roles.GENERAL], branches=[branch])
    pen = Product.objects.create(code="P105", name="ボールペン", unit_price=105, tax_rate=10)
    orders = [OrderFactory(customer=CustomerFactory(branch=branch), lines=[(pen, 1)]) for _ in range(2)]
    login(page, live_server, "sato")
    page.goto(f"{live_server.url}/admin/orders/order/")
    # someone registers a tracking number on one of them meanwhile
    changed = Order.objects.get(pk=orders[0].pk)
    changed.tracking_number = "1111-2222"
    locking.claim(changed)
    changed.save()
    for order in orders:
        page.check(f"input[name=_selected_action][value='{order.pk}']")
    page.select_option("select[name=action]", "register_shipment")
    page.locator("#changelist-form button[type=submit][name=index]").first.click()
    page.wait_for_load_state()
    text = page.content()
    assert "一覧を表示した後に他の人が変更しました" in text and f"「{orders[0]}」" in text
    assert not Order.objects.filter(shipped_on__isnull=False).exists()
    shot(page, "i24-3-stale-list-action-1366")
