"""Issue 12 point 4, J2: Japanese era dates (和暦), typed in any usual form and shown as the office set it.

One parser (crm.dates.parse_date) serves the card, the search screen and the import; one
formatter (crm.dates.format_date) follows SystemSetting.date_display. Exports stay 西暦.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm import dates
from crm.models import ContactHistory, Customer
from dataio import values
from fieldconfig.models import SystemSetting
from tests.factories import ContactHistoryFactory, CustomerFactory, PurchaseFactory
from tests.helpers import card_post_data

D = datetime.date

# Every era's first day and the day before it, as shown and as parsed back.
BOUNDARIES = [
    (D(1868, 1, 1), "明治元年1月1日"),
    (D(1912, 7, 29), "明治45年7月29日"),
    (D(1912, 7, 30), "大正元年7月30日"),
    (D(1926, 12, 24), "大正15年12月24日"),
    (D(1926, 12, 25), "昭和元年12月25日"),
    (D(1989, 1, 7), "昭和64年1月7日"),
    (D(1989, 1, 8), "平成元年1月8日"),
    (D(2019, 4, 30), "平成31年4月30日"),
    (D(2019, 5, 1), "令和元年5月1日"),
]


def set_display(style: str) -> None:
    setting = SystemSetting.objects.first() or SystemSetting()
    setting.date_display = style
    setting.save()  # the post_save signal clears the cached configuration


# --- parsing ------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, expected", [
    ("S60.4.1", D(1985, 4, 1)),
    ("昭和60年4月1日", D(1985, 4, 1)),
    ("R7.1.1", D(2025, 1, 1)),
    ("令和元年5月1日", D(2019, 5, 1)),
    ("1985/4/1", D(1985, 4, 1)),
    ("1985-04-01", D(1985, 4, 1)),
    ("1985.4.1", D(1985, 4, 1)),
    ("1985年4月1日", D(1985, 4, 1)),
    ("19850401", D(1985, 4, 1)),
    ("昭和６０年４月１日", D(1985, 4, 1)),  # full-width digits
    ("Ｓ６０．４．１", D(1985, 4, 1)),  # full-width letter and dots
    ("s60/4/1", D(1985, 4, 1)),  # lower-case letter, slashes
    ("h31-4-30", D(2019, 4, 30)),
    ("H31年4月30日", D(2019, 4, 30)),
    ("m45.7.29", D(1912, 7, 29)),
    ("T15.12.24", D(1926, 12, 24)),
    ("r元.5.1", D(2019, 5, 1)),
    ("R1.5.1", D(2019, 5, 1)),
    ("令和元年５月１日", D(2019, 5, 1)),
    ("昭60.4.1", D(1985, 4, 1)),  # one-kanji era
    ("㍼60.4.1", D(1985, 4, 1)),  # the era ligature
    (" 昭和 60年 4月 1日 ", D(1985, 4, 1)),
    ("平成元年1月8日", D(1989, 1, 8)),
    ("1985/04/01 0:00:00", D(1985, 4, 1)),  # what Excel writes for a date cell read as text
])
def test_j2_every_usual_form_reads_as_the_same_date(typed, expected):
    assert dates.parse_date(typed) == expected


def test_j2_empty_reads_as_no_date():
    assert dates.parse_date("") is None and dates.parse_date("　") is None and dates.parse_date(None) is None


@pytest.mark.parametrize("day, shown", BOUNDARIES)
def test_j2_every_era_boundary_shows_and_reads_back(day, shown):
    assert dates.format_era(day) == shown
    assert dates.parse_date(shown) == day
    era = dates.era_of(day)
    year = day.year - era.first.year + 1
    assert dates.parse_date(f"{era.letter}{year}.{day.month}.{day.day}") == day
    assert dates.parse_date(f"{era.letter.lower()}{year}/{day.month}/{day.day}") == day


def test_j2_every_day_round_trips_from_meiji_to_2040():
    day, end = D(1868, 1, 1), D(2040, 12, 31)
    while day <= end:
        shown = dates.format_date(day, style=dates.JAPANESE)
        assert dates.parse_date(shown) == day, shown
        assert dates.parse_date(dates.format_date(day, style=dates.WESTERN)) == day
        day += datetime.timedelta(days=1)


def test_j2_the_day_an_emperor_died_reads_in_either_era_and_shows_in_the_new_one():
    # 大正 and 昭和 began the day the emperor died: that day is written in both eras.
    assert dates.parse_date("明治45年7月30日") == dates.parse_date("大正元年7月30日") == D(1912, 7, 30)
    assert dates.parse_date("大正15年12月25日") == dates.parse_date("昭和元年12月25日") == D(1926, 12, 25)
    assert dates.format_era(D(1912, 7, 30)) == "大正元年7月30日"
    assert dates.format_era(D(1926, 12, 25)) == "昭和元年12月25日"


@pytest.mark.parametrize("typed, says", [
    ("平成32年1月1日", "平成31年4月30日"),  # 平成 had ended
    ("平成31年5月1日", "平成31年4月30日"),
    ("H32.1.1", "平成31年4月30日"),
    ("昭和64年1月8日", "昭和64年1月7日"),
    ("明治45年7月31日", "明治45年7月30日"),
    ("大正15年12月26日", "大正15年12月25日"),
    ("令和元年4月30日", "令和元年5月1日"),  # 令和 had not begun
    ("平成元年1月7日", "平成元年1月8日"),
    ("昭和元年12月24日", "昭和元年12月25日"),
    ("大正元年7月29日", "大正元年7月30日"),
])
def test_j2_a_date_outside_its_era_is_refused_saying_where_the_era_ends_or_begins(typed, says):
    with pytest.raises(dates.DateInputError) as caught:
        dates.parse_date(typed)
    message = str(caught.value.message)
    assert says in message and typed in message


@pytest.mark.parametrize("typed", ["令和2年2月30日", "S60.13.1", "1985/2/30", "平成0年1月1日", "X60.4.1", "S60",
                                   "昭和六十年四月一日", "abc", "60.4.1", "令和100年1月1日"])
def test_j2_what_is_not_a_date_is_refused(typed):
    with pytest.raises(dates.DateInputError) as caught:
        dates.parse_date(typed)
    assert str(caught.value.message)


# --- display ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_j2_display_follows_the_office_setting_and_exports_stay_western():
    assert dates.format_date(D(2026, 12, 3)) == "2026/12/03"  # the default: 西暦
    set_display(dates.JAPANESE)
    assert dates.format_date(D(2026, 12, 3)) == "令和8年12月3日"
    assert dates.format_date(D(1985, 4, 1)) == "昭和60年4月1日"
    assert dates.format_date(None) == ""
    # Exports: 西暦, which Excel reads as a date and the import reads back.
    assert values.format_date(D(1985, 4, 1)) == "1985/04/01"
    assert values.parse_date_cell(values.format_date(D(1985, 4, 1))) == D(1985, 4, 1)
    set_display(dates.WESTERN)
    assert dates.format_date(D(1985, 4, 1)) == "1985/04/01"


@pytest.mark.django_db
def test_j2_system_settings_screen_offers_the_date_display(admin_client):
    set_display(dates.WESTERN)
    setting = SystemSetting.objects.get()
    url = reverse("admin:fieldconfig_systemsetting_change", args=[setting.pk])
    body = admin_client.get(url).content.decode()
    assert 'name="date_display"' in body and "令和8年12月3日" in body and "2026/12/03" in body


@pytest.mark.django_db
def test_j2_card_shows_dates_in_the_era_when_the_office_asks(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch, birth_date=D(1985, 4, 1))
    ContactHistoryFactory(customer=customer, date=D(2019, 5, 1))
    PurchaseFactory(customer=customer, date=D(2019, 4, 30))
    url = reverse("admin:crm_customer_change", args=[customer.pk])

    body = admin_client.get(url).content.decode()
    assert 'value="1985/04/01"' in body and "昭和60年" not in body

    set_display(dates.JAPANESE)
    body = admin_client.get(url).content.decode()
    assert 'value="昭和60年4月1日"' in body  # the birth date input
    assert "令和元年5月1日" in body  # the contact history table and 最終対応日
    assert "平成31年4月30日" in body  # the purchase history table and 最終購入日
    assert 'value="1985/04/01"' not in body


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["S60.4.1", "昭和６０年４月１日", "1985/4/1"])
def test_j2_card_saves_a_typed_era_date(admin_client, hq_branch, typed):
    customer = CustomerFactory(branch=hq_branch, birth_date=None)
    data = card_post_data(customer, birth_date=typed)
    response = admin_client.post(reverse("admin:crm_customer_change", args=[customer.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    customer.refresh_from_db()
    assert customer.birth_date == D(1985, 4, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("typed, says", [("平成32年1月1日", "平成31年4月30日"), ("令和元年4月30日", "令和元年5月1日")])
def test_j2_card_refuses_a_date_outside_its_era_at_the_field_and_keeps_what_was_typed(
        admin_client, hq_branch, typed, says):
    customer = CustomerFactory(branch=hq_branch, birth_date=D(1985, 4, 1), remark1="")
    data = card_post_data(customer, birth_date=typed, remark1="電話で確認済み")
    response = admin_client.post(reverse("admin:crm_customer_change", args=[customer.pk]), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert says in errors["birth_date"][0] and typed in errors["birth_date"][0]
    body = response.content.decode()
    assert f'value="{typed}"' in body and "電話で確認済み" in body
    customer.refresh_from_db()
    assert customer.birth_date == D(1985, 4, 1) and customer.remark1 == ""


@pytest.mark.django_db
def test_j2_search_screen_reads_era_dates(admin_client, hq_branch):
    born_1985 = CustomerFactory(branch=hq_branch, birth_date=D(1985, 4, 1))
    CustomerFactory(branch=hq_branch, birth_date=D(1990, 1, 1))
    contacted = CustomerFactory(branch=hq_branch, birth_date=None)
    ContactHistoryFactory(customer=contacted, date=D(2019, 5, 1))
    ContactHistoryFactory(customer=born_1985, date=D(2019, 4, 30))

    def codes(**params):
        response = admin_client.get(reverse("admin:crm_customer_changelist"), params)
        assert response.status_code == 200
        return {c.code for c in response.context["cl"].result_list}

    assert codes(s_birth_from="S60.1.1", s_birth_to="昭和60年12月31日") == {born_1985.code}
    assert codes(s_birth_from="ｓ６０．４．１", s_birth_to="1985/4/1") == {born_1985.code}
    assert codes(s_c_date_from="令和元年5月1日") == {contacted.code}
    assert codes(s_c_date_to="H31.4.30") == {born_1985.code}

    response = admin_client.get(reverse("admin:crm_customer_changelist"), {"s_birth_from": "平成32年1月1日"})
    assert response.status_code == 302
    page = admin_client.get(response["Location"]).content.decode()
    assert "平成31年4月30日" in page and 'value="平成32年1月1日"' in page


def test_j2_import_reads_era_dates_and_says_why_it_refuses_one(db):
    from tests.personas import build_world
    from tests.helpers import ja_client
    from tests.test_import import checked_job, confirm, cp932_file

    world = build_world()
    client = ja_client(world.users["hq_admin"])
    set_display(dates.JAPANESE)
    job = checked_job(client, cp932_file(",A,和暦,一,,,S60.4.1,,,", ",A,和暦,二,,,昭和６０年４月２日,,,",
                                         ",A,和暦,三,,,令和元年5月1日,,,", ",A,和暦,四,,,h31/4/30,,,"))
    assert (job.result["new"], job.result["bad_rows"]) == (4, 0), job.message
    preview = client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    assert "昭和60年4月1日" in preview and "平成31年4月30日" in preview  # as read, as the office shows dates
    confirm(client, job)
    born = dict(Customer.objects.filter(last_name="和暦").values_list("first_name", "birth_date"))
    assert born == {"一": D(1985, 4, 1), "二": D(1985, 4, 2), "三": D(2019, 5, 1), "四": D(2019, 4, 30)}

    before = Customer.objects.count()
    job = checked_job(client, cp932_file(",A,和暦,五,,,1985/4/1,,,", ",A,和暦,六,,,平成32年1月1日,,,"))
    assert job.result["bad_rows"] == 1
    problems = {(p.row, p.column): p.message for p in job.problems.all()}
    assert "平成31年4月30日" in problems[(3, "生年月日")] and "平成32年1月1日" in problems[(3, "生年月日")]
    assert Customer.objects.count() == before


@pytest.mark.django_db
def test_j2_contact_list_shows_the_era_with_the_same_queries(admin_client, hq_branch):
    for day in range(1, 6):
        ContactHistoryFactory(customer=CustomerFactory(branch=hq_branch), date=D(2019, 5, day))
    url = reverse("admin:crm_contacthistory_changelist")

    def counted() -> tuple[int, str]:
        admin_client.get(url)  # the configuration is cached again after a change
        with CaptureQueriesContext(connection) as queries:
            body = admin_client.get(url).content.decode()
        return len(queries), body

    western, body = counted()
    assert "2019/05/01" in body
    set_display(dates.JAPANESE)
    japanese, body = counted()
    assert "令和元年5月1日" in body and "令和元年5月5日" in body and "2019/05/01" not in body
    assert japanese == western
    assert ContactHistory.objects.count() == 5 and Customer.objects.count() == 5


@pytest.mark.django_db
def test_j2_event_list_date_inputs_show_the_era(admin_client, hq_branch):
    from tests.factories import EventFactory, EventLinkFactory

    link = EventLinkFactory(event=EventFactory(kind="new_year_card"), customer=CustomerFactory(branch=hq_branch),
                            sent=True, sent_on=D(2026, 12, 3))
    set_display(dates.JAPANESE)
    url = reverse("admin:events_eventlink_changelist") + f"?event__id__exact={link.event_id}"
    body = admin_client.get(url).content.decode()
    assert 'value="令和8年12月3日"' in body and 'value="2026/12/03"' not in body


@pytest.mark.django_db
def test_j2_change_history_shows_dates_as_the_office_does(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch, birth_date=D(1985, 4, 1))
    set_display(dates.JAPANESE)
    data = card_post_data(customer, birth_date="H1.1.8")
    response = admin_client.post(reverse("admin:crm_customer_change", args=[customer.pk]), data)
    assert response.status_code == 302
    body = admin_client.get(reverse("admin:crm_customer_history", args=[customer.pk])).content.decode()
    assert "昭和60年4月1日" in body and "平成元年1月8日" in body


@pytest.mark.django_db
def test_j2_merge_screen_shows_birth_dates_as_the_office_does(admin_client, hq_branch):
    from tests.factories import DuplicateGroupFactory

    one = CustomerFactory(branch=hq_branch, birth_date=D(1985, 4, 1))
    two = CustomerFactory(branch=hq_branch, birth_date=D(1989, 1, 8))
    group = DuplicateGroupFactory(customer_ids=[one.pk, two.pk], size=2)
    set_display(dates.JAPANESE)
    body = admin_client.get(reverse("admin:dataio_duplicategroup_change", args=[group.pk])).content.decode()
    assert "昭和60年4月1日" in body and "平成元年1月8日" in body and "1985-04-01" not in body


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_j2_browser_card_in_era_takes_a_typed_date_and_shows_it_back(page, live_server):
    from django.apps import apps

    from crm import roles
    from tests.factories import StaffFactory
    from tests.test_browser import login

    roles.sync_roles(apps)  # a transactional test: earlier ones flushed the migration's groups
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    customer = CustomerFactory(birth_date=D(1985, 4, 1))
    set_display(dates.JAPANESE)
    login(page, live_server, "kanri")
    page.goto(live_server.url + f"/admin/crm/customer/{customer.pk}/change/")
    birth = page.locator("input[name=birth_date]")
    assert birth.input_value() == "昭和60年4月1日"

    birth.fill("ｈ３１．４．３０")  # what an IME in full-width mode gives
    page.click("button[name=_continue]")
    page.wait_for_load_state("networkidle")
    assert page.locator("input[name=birth_date]").input_value() == "平成31年4月30日"
    customer.refresh_from_db()
    assert customer.birth_date == D(2019, 4, 30)

    page.locator("input[name=birth_date]").fill("平成32年1月1日")
    page.click("button[name=_continue]")
    page.wait_for_load_state("networkidle")
    assert page.locator("input[name=birth_date]").input_value() == "平成32年1月1日"
    # the reason shows at the field: its own block of the card holds it
    assert "平成31年4月30日" in page.locator(".field-birth_date").first.inner_text()
    customer.refresh_from_db()
    assert customer.birth_date == D(2019, 4, 30)
