"""Issue 13 points 5 and 9 in the browser: 家族を追加 on a new-year-card list, 喪中 ticked in place,
and the 寒中見舞い list made from the event's page."""

import pytest

from events.models import Event, EventLink, Mourning
from tests.factories import (CustomerFactory, EventFactory, EventLinkFactory, FamilyMemberFactory,
                             StaffDepartmentFactory, StaffFactory)
from tests.test_browser import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_e9_e5_family_row_mourning_in_place_and_winter_greetings(page, live_server):  # noqa: F811
    # given
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    aoyama = CustomerFactory(last_name="青山", first_name="一郎", last_name_kana="アオヤマ", postal_code="1070062",
                             address="東京都港区南青山1-2-3")
    akasaka = CustomerFactory(last_name="赤坂", first_name="花子", last_name_kana="アカサカ", postal_code="1070052",
                              address="東京都港区赤坂4-5-6")
    spouse = FamilyMemberFactory(customer=aoyama, name="青山 京子", relation="配偶者")
    event = EventFactory(kind="new_year_card", year=2027, name="2027年 年賀状",
                         department=StaffDepartmentFactory(name="総務部"))
    for customer in (aoyama, akasaka):
        EventLinkFactory(event=event, customer=customer)
    login(page, live_server, "kanri")
    url = f"{live_server.url}/admin/events/eventlink/?event__id__exact={event.pk}"
    # when: 青山's row ticked, 「家族を追加」, the spouse (ticked already) added
    page.goto(url)
    page.check(f"input[name=_selected_action][value='{EventLink.objects.get(customer=aoyama).pk}']")
    page.select_option("select[name=action]", "add_family")
    page.locator("#changelist-form button[type=submit][name=index]").first.click()
    assert page.is_checked(f"input[name=family][value='{spouse.pk}']")
    assert "「2027年 年賀状」に家族を追加" in page.inner_text("#event-family-title")
    shot(page, "e9_add_family_confirmation")
    page.click("#event-family-apply")
    page.wait_for_url(f"**/admin/events/eventlink/?event__id__exact={event.pk}")
    assert "1 名の家族を「2027年 年賀状」に追加しました。" in page.content()
    assert "青山 京子 様" in page.content() and "青山　一郎 様の家族・配偶者" in page.content()
    # when: 喪中 ticked in place on 赤坂's row
    row = page.locator("tbody tr", has_text="赤坂　花子 様")
    row.locator("input[name$='-mourning']").check(force=True)
    page.click("button[name=_save]")
    page.wait_for_load_state()
    page.set_viewport_size({"width": 2100, "height": 700})
    shot(page, "e5_e9_new_year_card_list")
    page.set_viewport_size({"width": 1400, "height": 1000})
    # then
    assert Mourning.objects.filter(customer=akasaka, year=2027).exists()
    assert EventLink.objects.get(event=event, customer=akasaka).mourning
    # when: 「寒中見舞いリストを作成」 on the event's page
    page.goto(f"{live_server.url}/admin/events/event/{event.pk}/change/")
    shot(page, "e5_event_page")
    page.click("#event-winter-greetings")
    page.wait_for_url("**/admin/events/eventlink/?event__id__exact=*")
    greetings = Event.objects.get(kind="winter_greeting")
    assert "喪中の 1 名を「2027年 寒中見舞い」に追加しました。" in page.content()
    assert list(greetings.links.values_list("customer_id", flat=True)) == [akasaka.pk]
    shot(page, "e5_winter_greetings_list")
    page.goto(f"{live_server.url}/admin/crm/customer/{akasaka.pk}/change/")
    shot(page, "e5_customer_card_mourning")
    assert "喪中はがきを登録" in page.content()
    page.click("#card-mourning-add")
    page.wait_for_url("**/admin/events/mourning/add/?customer=*")
    shot(page, "e5_mourning_form")
    page.goto(f"{live_server.url}/admin/events/mourning/")
    assert "赤坂　花子 様" in page.content()
    shot(page, "e5_mourning_list")
