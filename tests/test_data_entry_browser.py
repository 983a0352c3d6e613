"""Issue 12 in a real browser: a postal code typed on the customer add form fills the address (C7),
an address fills or offers its postal code, and 同姓同名チェック lists the customer already there (C5)."""

import pytest

from crm.models import Customer
from tests.factories import BranchFactory, CustomerFactory, StaffFactory
from tests.test_browser import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_c7_c5_postal_code_fills_the_address_and_same_name_is_listed(page, live_server):  # noqa: F811
    # given
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    branch = BranchFactory(code="HQ", name="本店")
    existing = CustomerFactory(branch=branch, last_name="田中", first_name="花子", tel="", email="")
    login(page, live_server, "kanri")
    page.goto(live_server.url + "/admin/crm/customer/add/")

    # when: a full-width postal code with 〒 is typed
    page.locator("#id_postal_code").press_sequentially("〒１４０－０００２")

    # then: the address of that block is filled in
    page.wait_for_function("document.getElementById('id_address').value === '東京都品川区東品川'")
    assert page.locator("#id_address").input_value() == "東京都品川区東品川"
    assert page.locator("#id_contact_address").input_value() == ""

    # when: an unknown code is typed in the 連絡先 block and 住所検索 pressed
    page.locator("a:text-is('連絡先')").first.click()
    page.locator("#id_contact_postal_code").fill("999-9999")
    page.locator("#id_contact_postal_code ~ .kokyaku-postal .kokyaku-postal-button").click()
    page.wait_for_selector("text=郵便番号 999-9999 は日本郵便のデータにありません。")

    # when: an address is typed without a postal code, the one code of that town is filled in
    page.locator("#id_contact_postal_code").fill("")
    page.locator("#id_contact_address").press_sequentially("東京都千代田区飯田橋3-1")
    page.wait_for_function("document.getElementById('id_contact_postal_code').value === '102-0072'")

    # when: the address is of a town with several codes, they are offered, and it says so
    page.locator("#id_contact_address").fill("")
    page.locator("#id_contact_address").press_sequentially("北海道札幌市中央区大通西10")
    offer = page.locator(".kokyaku-postal-offers button", has_text="〒064-0820 北海道札幌市中央区大通西")
    offer.wait_for()
    assert "2件の郵便番号があります" in page.locator(".kokyaku-postal-offers").last.inner_text()
    assert page.locator("#id_contact_postal_code").input_value() == "102-0072"  # not guessed
    shot(page, "c7-address-offers-code")
    offer.click()
    assert page.locator("#id_contact_postal_code").input_value() == "064-0820"

    # when: the same name is typed and 同姓同名チェック pressed
    page.locator("a:text-is('顧客情報')").first.click()
    page.fill("#id_last_name", "田中")
    page.fill("#id_first_name", "花子")
    page.select_option("#id_branch", str(branch.pk))
    page.click("#duplicate-check-button")
    link = page.locator(f"#duplicate-check-result a:text-is('{existing.code}')")
    link.wait_for()
    assert "同姓同名" in page.locator("#duplicate-check-result").inner_text()
    shot(page, "c5-same-name-check")

    # when: saved anyway, the warning lists the existing card, and confirming saves
    page.click("button[name=_save]")
    page.wait_for_selector("#duplicate-warning")
    assert page.locator("#id_address").input_value() == "東京都品川区東品川"  # what was typed is kept
    shot(page, "c5-duplicate-warning")
    page.click("#confirm-duplicates")
    page.wait_for_url("**/crm/customer/**")
    page.wait_for_load_state()
    assert Customer.objects.filter(last_name="田中", first_name="花子").count() == 2
    saved = Customer.objects.exclude(pk=existing.pk).get()
    assert saved.address == "東京都品川区東品川" and saved.contact_postal_code == "064-0820"
    assert saved.contact_address == "北海道札幌市中央区大通西10"
