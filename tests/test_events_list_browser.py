"""Issue 22, point 15, in the browser: the event's customer list (イベント対象者) shows the columns its
kind records, fits a 1366-px screen, and keeps whose row it is in view on a phone."""

import datetime
from decimal import Decimal

import pytest

from tests.factories import CustomerFactory, EventFactory, EventLinkFactory, GiftItemFactory, StaffFactory
from tests.test_browser import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The longest names an office list has: a long company name, a long address, last year's gift.
COMPANY = "株式会社グローバルコミュニケーションズ・ホールディングス"
ADDRESS = "東京都千代田区丸の内二丁目七番三号東京ビルディング二十一階"
KINDS = {
    "new_year_card": ("2027年 年賀状", ["出", "出した日", "受", "受けた日", "喪中", "メモ"], ["出欠", "贈答品"]),
    "winter_gift": ("2026年 お歳暮", ["贈答品", "金額", "出", "受", "メモ"], ["出欠", "喪中", "出した日", "受けた日"]),
    "seminar": ("2026年 新製品セミナー", ["出欠", "出", "出した日", "メモ"], ["受", "贈答品", "喪中"]),
}


def event_with_rows(kind: str):
    name = KINDS[kind][0]
    event = EventFactory(kind=kind, name=name, year=int(name[:4]))
    last_year = GiftItemFactory(year=event.year - 1, season="winter", name="特選ハム詰め合わせ", rank="松", price=8000)
    GiftItemFactory(year=event.year, season="winter", name="有名パティスリー焼き菓子詰め合わせ", rank="竹", price=5000)
    for index in range(12):
        customer = CustomerFactory(last_name="勅使河原", first_name=f"慎之介{index}", last_name_kana="テシガハラ",
                                   company_name=COMPANY, address=ADDRESS, postal_code="1000005")
        EventLinkFactory(event=event, customer=customer, sent=True, sent_on=datetime.date(event.year, 12, 10),
                         previous_gift=last_year, gift_price=Decimal(5000), memo="社長宛て・手渡し")
    return event


@pytest.mark.parametrize("kind", list(KINDS))
def test_i22_15_event_list_fits_1366_with_its_kinds_columns_and_keeps_the_name_on_a_phone(page, live_server, kind):  # noqa: F811
    # given
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    event = event_with_rows(kind)
    _name, shown, not_shown = KINDS[kind]
    login(page, live_server, "kanri")
    url = f"{live_server.url}/admin/events/eventlink/?event__id__exact={event.pk}"
    # when: a 1366 × 768 screen
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(url)
    shot(page, f"i22_15_event_list_{kind}_1366")
    # then: the kind's columns, no other, and the table fits its box
    headers = [h.strip() for h in page.locator("#result_list thead th").all_inner_texts()]
    assert [h for h in headers if h in shown + not_shown] == shown, headers
    box = page.locator(".kokyaku-link-box")
    scroll_width, client_width = box.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert scroll_width <= client_width, (scroll_width, client_width)
    # the ticks work as on every list: one row, then the header's tick for the whole page
    page.locator("#result_list tbody input.action-select").first.check(force=True)
    assert "12件中1件を選択" in page.inner_text(".action-counter")
    page.locator("#action-toggle").check(force=True)
    assert page.locator("#result_list tbody input.action-select:checked").count() == 12
    page.locator("#action-toggle").uncheck(force=True)
    # when: a phone (375 × 740), the table scrolled to its right end
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(url)
    box = page.locator(".kokyaku-link-box")
    box.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    page.wait_for_timeout(100)
    shot(page, f"i22_15_event_list_{kind}_375")
    # then: whose row it is stays in view beside the last column
    name = page.locator("#result_list tbody tr td.field-name_cell").first.bounding_box()
    memo = page.locator("#result_list tbody tr td.field-memo").first.bounding_box()
    seen = box.bounding_box()
    assert box.evaluate("e => e.scrollLeft") > 0
    assert seen["x"] <= name["x"] and name["x"] + 40 <= seen["x"] + seen["width"]
    assert memo["x"] + memo["width"] <= seen["x"] + seen["width"] + 1
    assert name["x"] + name["width"] <= memo["x"] + 1  # the name is not drawn over the memo
