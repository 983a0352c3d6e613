"""I1 in the browser (chromium, ja-JP): a visitor fills the public form on a phone (375 px) and on a
desktop (1366 px), is told in Japanese what to fix without losing what was typed, and lands on the
thank-you page; the customer and the contact history are there. Screenshots in screenshots/."""

import time

import pytest

from crm.models import ContactCategory, ContactHistory, Customer
from inquiry.models import InquiryForm
from tests.factories import BranchFactory
from tests.test_browser import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIELDS = ["last_name", "first_name", "last_name_kana", "first_name_kana", "postal_code", "address", "building",
          "tel", "email"]
PAGE_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def web_form(settings):
    settings.INQUIRY_MIN_SECONDS = 1
    category, _ = ContactCategory.objects.get_or_create(name="Web問合せ")
    return InquiryForm.objects.create(
        name="資料請求", key="shiryo", branch=BranchFactory(code="HQ", name="本店"), category=category,
        fields=FIELDS, required_fields=["last_name", "first_name", "email"], notify_to="eigyo@example.jp",
        intro="カタログをお送りします。下記にご記入ください。")


@pytest.mark.parametrize("width,height", [(375, 740), (1366, 768)])
def test_i1_a_visitor_fills_the_form_and_sees_the_thank_you_page(page, live_server, web_form, width, height):
    # given the public form on a screen of this width
    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_server.url + "/form/shiryo/")
    assert page.locator("h1").inner_text() == "資料請求"
    assert page.evaluate(PAGE_WIDTH)[0] <= width
    # the honeypot is off the screen, not display:none
    trap = page.locator("#id_extra_homepage")
    assert page.evaluate("() => getComputedStyle(document.querySelector('.kk-hp')).display") != "none"
    assert trap.bounding_box()["x"] < -1000
    # when: the visitor types, half-width kana and full-width digits as people do, but forgets the given name
    page.fill("#id_last_name", "山田")
    page.fill("#id_last_name_kana", "ﾔﾏﾀﾞ")
    page.fill("#id_first_name_kana", "はなこ")
    page.fill("#id_postal_code", "〒１５０－０００２")
    page.fill("#id_address", "東京都渋谷区渋谷二丁目21ー1")
    page.fill("#id_building", "渋谷ヒカリエ 11F")
    page.fill("#id_tel", "０３－１２３４－５６７８")
    page.fill("#id_email", "Hanako.Yamada@Example.jp")
    page.fill("#id_message", "カタログを1部お願いします。")
    time.sleep(1.1)  # a person takes longer than INQUIRY_MIN_SECONDS
    page.click("button[type=submit]")
    # then: the field says what to fix, in Japanese, and everything typed is still there
    page.wait_for_selector(".kk-summary")
    assert "氏名（名）を入力してください。" in page.locator(".kk-invalid").inner_text()
    assert page.input_value("#id_last_name") == "山田"
    assert page.input_value("#id_address") == "東京都渋谷区渋谷二丁目21ー1"
    assert page.input_value("#id_message") == "カタログを1部お願いします。"
    assert page.evaluate(PAGE_WIDTH)[0] <= width
    shot(page, f"i1_public_form_error_{width}")
    # when: the given name is added and the form sent again
    page.fill("#id_first_name", "花子")
    page.click("button[type=submit]")
    # then: the thank-you page
    page.wait_for_url(live_server.url + "/form/shiryo/thanks/")
    assert web_form.thanks_text in page.locator(".kk-thanks").inner_text()
    assert page.evaluate(PAGE_WIDTH)[0] <= width
    shot(page, f"i1_public_form_thanks_{width}")
    # and the office has the customer, stored tidy, with the contact history of 「Web問合せ」
    customer = Customer.objects.get()
    assert (customer.last_name_kana, customer.first_name_kana) == ("ヤマダ", "ハナコ")
    assert (customer.tel, customer.postal_code) == ("03-1234-5678", "150-0002")
    contact = ContactHistory.objects.get(customer=customer)
    assert contact.category.name == "Web問合せ" and "カタログを1部お願いします。" in contact.detail


def test_i1_the_empty_form_at_375_and_1366(page, live_server, web_form):
    for width, height in ((375, 740), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live_server.url + "/form/shiryo/")
        assert page.evaluate(PAGE_WIDTH)[0] <= width
        heights = page.evaluate("() => [...document.querySelectorAll('.kk-field input, .kk-submit')]"
                                ".map(e => e.getBoundingClientRect().height)")
        assert min(heights) >= 44  # tap targets
        shot(page, f"i1_public_form_{width}")
