"""I2 points in the browser: the card's ポイント panel at 1366 px and on a phone (375 px)."""

import pytest

from crm import roles
from points.services import points_add
from tests.factories import BranchFactory, CustomerFactory, StaffFactory
from tests.test_browser import login, shot
from tests.test_screens_browser import PAGE_WIDTH

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_i2_points_panel_on_the_card(page, live_server):
    # given: a customer with points given and used
    branch = BranchFactory(code="A", name="渋谷店")
    user = StaffFactory(username="ippan", roles=[roles.GENERAL], branches=[branch])
    customer = CustomerFactory(branch=branch, last_name="渋谷", first_name="一郎")
    for amount in (1200, 800, 2400):
        points_add(customer=customer, delta=amount // 100, user=user, reason=f"購入 ¥{amount:,}", source="API: POSレジ")
    points_add(customer=customer, delta=-20, user=user, reason="お会計で利用", source="API: POSレジ")
    login(page, live_server, "ippan")
    for width in (1366, 375):
        # when
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{live_server.url}/admin/crm/customer/{customer.pk}/change/")
        panel = page.locator("#points-panel")
        panel.scroll_into_view_if_needed()
        shot(page, f"i2_points_card_{width}")
        # then: the balance and the entries, no sideways scroll on a phone
        assert "残高 24 ポイント" in panel.inner_text()
        assert "お会計で利用" in panel.inner_text() and "-20" in panel.inner_text()
        assert page.evaluate(PAGE_WIDTH) <= width
    # the link opens the customer's ledger, read only
    page.set_viewport_size({"width": 1366, "height": 800})
    page.click("#points-panel a")
    assert "購入 ¥1,200" in page.locator("#result_list").inner_text()
    shot(page, "i2_points_ledger")
