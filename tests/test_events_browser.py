"""Issue 13 in the browser: customers ticked on the customer list go onto an event's list, and
出 is ticked in place on that list (E2), as a user does it."""

import pytest
from django.utils import timezone

from events.models import EventLink
from tests.factories import CustomerFactory, EventFactory, StaffFactory
from tests.test_browser import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_e2_tick_customers_add_them_to_an_event_and_tick_sent_in_place(page, live_server):  # noqa: F811
    # given
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    first = CustomerFactory(last_name="青山", first_name="一郎", last_name_kana="アオヤマ")
    second = CustomerFactory(last_name="赤坂", first_name="花子", last_name_kana="アカサカ")
    event = EventFactory(name="2026年 お歳暮")
    login(page, live_server, "kanri")
    # when: both ticked, 「業務イベントに追加」
    page.goto(live_server.url + "/admin/crm/customer/")
    for customer in (first, second):
        page.check(f"input[name=_selected_action][value='{customer.pk}']")
    page.select_option("select[name=action]", "add_to_event")
    page.locator("#changelist-form button[type=submit][name=index]").first.click()
    # then: the confirmation counts them and asks for the event
    assert "2 件の顧客を業務イベントの一覧に追加します。" in page.inner_text("#event-link-count")
    page.select_option("select[name=event]", str(event.pk))
    page.click("#event-link-apply")
    page.wait_for_url(f"**/admin/events/eventlink/?event__id__exact={event.pk}")
    assert "2 件の顧客を「2026年 お歳暮」に追加しました。" in page.content()
    assert "青山　一郎 様" in page.content() and "赤坂　花子 様" in page.content()
    # when: 出 ticked in place on 青山's row, saved
    link = EventLink.objects.get(event=event, customer=first)
    row = page.locator("tbody tr", has_text="青山　一郎 様")
    row.locator("input[name$='-sent']").check(force=True)
    row.locator("input[name$='-memo']").fill("手渡し")
    page.click("button[name=_save]")
    page.wait_for_load_state()
    shot(page, "e2_event_customer_list")
    # then
    link.refresh_from_db()
    assert link.sent and link.memo == "手渡し"
    assert link.sent_on == timezone.localdate()  # 出 ticked without a date: today
    assert not EventLink.objects.get(event=event, customer=second).sent


def test_i22_16_carry_over_name_follows_the_year_typed(page, live_server):  # noqa: F811
    # given
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    source = EventFactory(kind="new_year_card", year=2026, name="2026年 年賀状", status="done")
    login(page, live_server, "kanri")
    page.goto(f"{live_server.url}/admin/events/event/{source.pk}/carry-over/")
    assert page.input_value("#id_name") == "2027年 年賀状"
    # when: another year typed
    page.fill("#id_year", "2028")
    # then: the name follows; the same year is refused at the field
    assert page.input_value("#id_name") == "2028年 年賀状"
    page.fill("#id_year", "2026")
    page.click("#carry-over-apply")
    page.wait_for_load_state()
    shot(page, "i22_16_carry_over_same_year")
    assert "2026年より後の年度を入力してください" in page.inner_text("#carry-over-form")
    assert page.input_value("#id_name") == "2026年 年賀状"
