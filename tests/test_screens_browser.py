"""Issue 22, points 17, 18, 20, 21 in the browser: the customer list at 1366 px, the postal lookup
that never overwrites a hand-typed address, the result list's conditions, and the phone width."""

import pytest

from tests.factories import BranchFactory, CustomerFactory, StaffFactory
from tests.test_browser import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG = dict(last_name="勅使河原", first_name="左衛門三郎", last_name_kana="テシガワラ", first_name_kana="サエモンサブロウ",
            tel="0120-123-4567", mobile="090-1234-5678", address="東京都品川区東品川1-1")


def long_customers(branches, count=6):
    return [CustomerFactory(branch=branches[n % len(branches)], company_name=f"株式会社東日本エンジニアリングサービス{n}",
                            email=f"saemonsaburo.teshigawara{n}@example.co.jp", **LONG) for n in range(count)]


# the box unfold scrolls the list in: the nearest ancestor of the table that clips sideways
LIST_BOX = """() => { let e = document.querySelector('#result_list');
    while (e && !['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX)) e = e.parentElement;
    return [e.scrollWidth, e.clientWidth]; }"""


def test_i22_17_customer_list_fits_1366_with_email_and_branch_in_view(page, live_server):
    # given: head office, two stores, customers with the longest names, companies and emails
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    customers = long_customers([BranchFactory(code="HQ", name="本店"), BranchFactory(code="S1", name="渋谷駅前店")])
    # when: the list on a 1366 × 768 screen
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_server, "kanri")
    page.goto(live_server.url + "/admin/crm/customer/")
    shot(page, "i22_17_customer_list_1366")
    # then: the table fits its box: nothing to scroll sideways for
    scroll_width, client_width = page.evaluate(LIST_BOX)
    assert scroll_width <= client_width, (scroll_width, client_width)
    headers = [h.strip() for h in page.locator("#result_list thead th").all_inner_texts()]
    assert "Eメール" in headers and "店舗・拠点" in headers, headers
    # the store of each row is in view, and every email is there whole (in the cell or its tooltip)
    for column in ("email", "branch"):
        for cell in page.locator(f"#result_list tbody td.field-column_{column}").all():
            box = cell.bounding_box()
            assert box["x"] + box["width"] <= 1366, column
    titles = page.eval_on_selector_all("#result_list tbody td.field-column_email [title]", "es => es.map(e => e.title)")
    assert sorted(titles) == sorted(c.email for c in customers)
    assert set(page.locator("#result_list tbody td.field-column_branch").all_inner_texts()) == {"本店", "渋谷駅前店"}


def test_i22_18_a_hand_typed_address_is_never_overwritten_by_the_postal_code(page, live_server):
    # given: the add form
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    BranchFactory(code="HQ", name="本店")
    login(page, live_server, "kanri")
    page.goto(live_server.url + "/admin/crm/customer/add/")
    address, code = page.locator("#id_address"), page.locator("#id_postal_code")
    # when: an address is typed by hand (its postal code is filled from it), then another 〒
    address.press_sequentially("大阪府大阪市北区梅田1-1")
    page.wait_for_function("document.getElementById('id_postal_code').value === '530-0001'")
    code.fill("")
    code.press_sequentially("140-0002")
    offer = page.locator("#id_postal_code ~ .kokyaku-postal .kokyaku-postal-message")
    offer.get_by_text("東京都品川区東品川").wait_for()
    shot(page, "i22_18_postal_offer")
    # then: the typed address stays; the postal code's address is offered
    assert address.input_value() == "大阪府大阪市北区梅田1-1"
    assert code.input_value() == "140-0002"
    # when: the same with 住所検索 pressed
    code.fill("100-0005")
    page.locator("#id_postal_code ~ .kokyaku-postal .kokyaku-postal-button").click()
    offer.get_by_text("東京都千代田区丸の内").wait_for()
    assert address.input_value() == "大阪府大阪市北区梅田1-1"
    # when: the offer is taken, the postal code's address is put in
    offer.locator("button", has_text="住所に入れる").click()
    assert address.input_value() == "東京都千代田区丸の内"
    # when: the street number is typed after the town filled in, then the code changes again
    address.press("End")
    address.press_sequentially("1-1-1")
    code.fill("")
    code.press_sequentially("1400002")
    offer.get_by_text("東京都品川区東品川").wait_for()
    # then: kept as typed
    assert address.input_value() == "東京都千代田区丸の内1-1-1"
    # and an address the lookup filled and nobody touched follows the code
    address.fill("")
    code.fill("")
    code.press_sequentially("1000005")
    page.wait_for_function("document.getElementById('id_address').value === '東京都千代田区丸の内'")
    code.fill("")
    code.press_sequentially("1400002")
    page.wait_for_function("document.getElementById('id_address').value === '東京都品川区東品川'")


def test_i22_20_result_list_shows_its_conditions_and_acts_on_the_whole_result(page, live_server):
    # given: 12 customers in 東京, 10 rows a page
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    branch = BranchFactory(code="HQ", name="本店")
    for n in range(12):
        CustomerFactory(branch=branch, last_name="田中", address=f"東京都港区芝公園{n}")
    CustomerFactory(branch=branch, last_name="田中", address="大阪府大阪市北区梅田1-1")
    login(page, live_server, "kanri")
    # when: the home screen's 検索画面, then a search
    page.click("#search-screen-link")
    page.fill("input[name=s_address]", "東京")
    page.select_option("select[name=s_per_page]", "10")
    page.click("#advanced-search button[type=submit]")
    page.wait_for_url("**/admin/crm/customer/?*")
    for width in (1366, 375):
        page.set_viewport_size({"width": width, "height": 800})
        shot(page, f"i22_20_result_list_{width}")
    # then: what it shows is said, and the whole result is one button away
    summary = page.inner_text("#search-summary")
    assert "住所: 東京" in summary and "12件" in summary and "1〜10件目を表示" in summary
    page.set_viewport_size({"width": 1366, "height": 800})
    page.click("#bulk-whole-set_checkboxes button")
    page.wait_for_selector("#bulk-count")
    assert "12件の顧客を変更します" in page.inner_text("#bulk-count")


PAGE_WIDTH = "document.documentElement.scrollWidth"


def test_i22_21_home_and_card_fit_a_phone(page, live_server):
    import datetime

    from tests.factories import ContactHistoryFactory, FamilyMemberFactory, MourningFactory, PurchaseFactory

    # given: a customer with family, a 喪中, long contact histories and purchases
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    customer = long_customers([BranchFactory(code="HQ", name="本店")], count=1)[0]
    member = FamilyMemberFactory(customer=customer, name="勅使河原 花子", name_kana="テシガワラ ハナコ",
                                 birth_date=datetime.date(1960, 4, 1), occupation="会社員", hobbies="茶道・華道")
    MourningFactory(customer=customer, family_member=member, received_on=datetime.date(2026, 11, 20),
                    memo="年賀状は控える")
    for n in range(3):
        ContactHistoryFactory(customer=customer, date=datetime.date(2026, 6, n + 1),
                              detail="新製品のカタログを送ってほしいとのご依頼。担当者から折り返し電話する。",
                              response="翌日にカタログを発送し、電話でご説明した。")
        PurchaseFactory(customer=customer, date=datetime.date(2026, 6, n + 1), product_name="インクカートリッジ 6色パック")
    login(page, live_server, "kanri")
    # when: the home screen on a phone (375 × 740)
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server.url + "/admin/")
    shot(page, "i22_21_home_375")
    # then: no wider than the screen, 検索 in view
    assert page.evaluate(PAGE_WIDTH) <= 375, page.evaluate(PAGE_WIDTH)
    button = page.locator("#quick-search button[type=submit]").bounding_box()
    assert button["x"] >= 0 and button["x"] + button["width"] <= 375
    # when: the card
    page.goto(live_server.url + f"/admin/crm/customer/{customer.pk}/change/")
    shot(page, "i22_21_card_375")
    # then: no wider than the screen; each table row stacks its cells under their headings
    assert page.evaluate(PAGE_WIDTH) <= 375, page.evaluate(PAGE_WIDTH)
    for table in ("#card-family", "#card-mourning", "#contact-histories", "#purchase-histories"):
        right = page.evaluate(f"""() => Math.max(...[...document.querySelectorAll('{table} table td')]
            .map(td => td.getBoundingClientRect().right))""")
        assert right <= 375, (table, right)
    # the contact's text reads in lines, not one character a line
    detail = page.locator("#contact-histories td", has_text="新製品のカタログ").first
    assert detail.bounding_box()["width"] >= 200
    assert "詳細" in detail.evaluate("td => getComputedStyle(td, '::before').content")
    # and at 1366 the tables stay tables
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(live_server.url + f"/admin/crm/customer/{customer.pk}/change/")
    assert page.locator("#contact-histories thead").is_visible()
    shot(page, "i22_21_card_1366")


def test_i22_22_an_empty_warning_reads_as_a_warning_with_one_badge(page, live_server):
    from fieldconfig.models import FieldSetting

    # given: 空欄時に警告 on 携帯TEL
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    BranchFactory(code="HQ", name="本店")
    FieldSetting.objects.filter(model="customer", field_name="mobile").update(warn_if_empty=True)
    login(page, live_server, "kanri")
    # when: a customer is saved with it empty
    page.goto(live_server.url + "/admin/crm/customer/add/")
    page.fill("#id_last_name", "山田")
    page.click("button[name=_save]")
    page.wait_for_selector("#empty-warning")
    page.set_viewport_size({"width": 1366, "height": 768})
    shot(page, "i22_22_empty_warning_1366")
    # then: no red error heading; the badges say 1
    assert page.locator(".errornote").count() == 0 and "{#" not in page.inner_text("body")
    assert page.locator("#empty-warning").evaluate("e => getComputedStyle(e).borderTopColor") == "rgb(245, 158, 11)"
    numbers = page.locator("span.bg-red-500").all_inner_texts()
    assert numbers and {n.strip() for n in numbers} == {"1"}, numbers
