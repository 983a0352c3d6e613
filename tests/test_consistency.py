"""Issue 11, point 12: one date format, amounts with separators, one label per field, Japanese
messages without stray spaces, and the age beside 生年月日."""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from crm import dates
from crm.forms import JapaneseDateField
from crm.models import Customer
from crm.permission_names import permission_label
from tests.factories import ContactHistoryFactory, CustomerFactory, PurchaseFactory

pytestmark = pytest.mark.django_db

OTHER_DATE_FORMATS = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{2}-\d{2}")


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- dates ------------------------------------------------------------------------------------
def test_c1_dates_format_and_age_beside_the_parser():
    assert dates.format_date(datetime.date(2026, 2, 6)) == "2026/02/06"
    aware = datetime.datetime(2026, 2, 5, 15, 5, tzinfo=datetime.UTC)  # 00:05 the next day in Tokyo
    assert dates.format_datetime(aware) == "2026/02/06 00:05"
    assert dates.format_date(aware) == "2026/02/06"
    assert dates.format_date(None) == "" and dates.format_datetime(None) == ""
    assert dates.age_on(datetime.date(1985, 4, 1), datetime.date(2026, 3, 31)) == 40
    assert dates.age_on(datetime.date(1985, 4, 1), datetime.date(2026, 4, 1)) == 41
    assert dates.age_on(datetime.date(2000, 2, 29), datetime.date(2026, 2, 28)) == 25
    assert dates.age_on(datetime.date(2000, 2, 29), datetime.date(2026, 3, 1)) == 26
    assert dates.age_on(None) is None
    assert dates.age_on(datetime.date(2030, 1, 1), datetime.date(2026, 1, 1)) is None


@pytest.mark.parametrize("typed", ["1985/04/01", "1985/4/1", "1985-04-01", "19850401", "1985年4月1日", "１９８５／０４／０１"])
def test_c1_date_inputs_accept_what_the_office_types(typed):
    assert JapaneseDateField().clean(typed) == datetime.date(1985, 4, 1)


def test_c1_a_date_that_does_not_exist_is_refused_in_japanese(ja):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        JapaneseDateField().clean("2026/02/30")
    assert "日付" in str(error.value.messages)


def test_c1_card_shows_birth_date_as_yyyy_mm_dd_with_the_age(admin_client, hq_branch):
    # given
    customer = CustomerFactory(branch=hq_branch, birth_date=datetime.date(1985, 4, 1))
    age = dates.age_on(datetime.date(1985, 4, 1), timezone.localdate())

    # when
    page = text(admin_client.get(reverse("admin:crm_customer_change", args=[customer.pk])))

    # then
    assert 'value="1985/04/01"' in page
    assert f"（{age}歳）" in page
    assert "1985-04-01" not in page


def test_c1_card_saves_a_birth_date_typed_the_japanese_way(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch)
    url = reverse("admin:crm_customer_change", args=[customer.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and not isinstance(value, dict)}
    data.update({"birth_date": "1985年4月1日", "branch": hq_branch.pk, "send_to": customer.send_to})
    for prefix in ("phones", "family", "career"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert Customer.objects.get(pk=customer.pk).birth_date == datetime.date(1985, 4, 1)


def test_h1_lists_and_history_show_one_date_format(admin_client, hq_branch):
    # given
    customer = CustomerFactory(branch=hq_branch)
    ContactHistoryFactory(customer=customer, date=datetime.date(2026, 2, 6))

    # when
    contact_list = text(admin_client.get(reverse("admin:crm_contacthistory_changelist")))
    history = text(admin_client.get(reverse("admin:crm_customer_history", args=[customer.pk])))

    # then
    assert "2026/02/06" in contact_list
    assert not OTHER_DATE_FORMATS.search(re.sub(r"<[^>]+>", "", contact_list))
    assert re.search(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}", history)
    assert not OTHER_DATE_FORMATS.search(re.sub(r"<[^>]+>", "", history))


def test_s2_search_screen_dates_are_text_inputs(admin_client, hq_branch):
    page = text(admin_client.get(reverse("admin:crm_customer_search")))
    assert 'type="date"' not in page
    response = admin_client.get(reverse("admin:crm_customer_search"), {"s_updated_from": "2026/01/01"})
    assert response.status_code in (200, 302)


# --- amounts and labels -----------------------------------------------------------------------
def test_h2_purchase_list_shows_amounts_with_separators(admin_client, hq_branch):
    PurchaseFactory(customer=CustomerFactory(branch=hq_branch), quantity=3, unit_price=12500, amount=None)
    page = text(admin_client.get(reverse("admin:crm_purchase_changelist")))
    assert ">12,500<" in page.replace(" ", "") or "12,500" in page
    assert "37,500" in page


def test_h1_contact_staff_reads_as_on_the_card(admin_client, hq_branch):
    ContactHistoryFactory(customer=CustomerFactory(branch=hq_branch))
    contact_list = text(admin_client.get(reverse("admin:crm_contacthistory_changelist")))
    assert "担当者" in contact_list
    headers = re.findall(r"<th[^>]*>.*?</th>", contact_list, re.S)
    assert not any("利用者" in h for h in headers)


# --- Japanese messages ------------------------------------------------------------------------
def test_j1_admin_messages_read_without_stray_spaces(ja):
    assert gettext("Delete %(name)s") % {"name": "顧客"} == "顧客を削除"
    assert gettext("Add another %(verbose_name)s") % {"verbose_name": "家族"} == "家族を追加"
    assert ngettext("%(count)s %(name)s was changed successfully.",
                    "%(count)s %(name)s were changed successfully.", 1) % {"count": 1, "name": "項目名設定"} \
        == "項目名設定 1件を変更しました。"
    assert gettext("Delete selected %(verbose_name_plural)s") % {"verbose_name_plural": "顧客"} == "選択した顧客を削除"
    assert gettext("- Select an option -") == "選択してください"


def test_j1_card_buttons_and_messages_in_japanese(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch)
    card = text(admin_client.get(reverse("admin:crm_customer_change", args=[customer.pk])))
    assert "顧客を削除" in card and "削除 顧客" not in card
    assert "店舗・拠点を追加" in card and " の追加" not in card  # the pulldown's own add link
    changelist = text(admin_client.get(reverse("admin:crm_customer_changelist")))
    assert "選択した顧客を削除" in changelist
    family_editor = text(admin_client.get(reverse("admin:crm_customer_change", args=[customer.pk]) + "?edit=family"))
    assert "<span>家族を追加</span>" in family_editor


def test_j1_permissions_named_in_japanese(admin_client, ja):
    permission = Permission.objects.get(codename="add_customer")
    assert permission_label(permission) == "顧客の追加"
    assert permission_label(Permission.objects.get(codename="view_logentry")) == "ログエントリーの表示"
    page = text(admin_client.get(reverse("admin:auth_group_add")))
    assert "顧客の追加" in page
    assert "Can add" not in page and "Can view" not in page


def test_j1_password_shown_as_a_sentence(admin_client, admin_user):
    page = text(admin_client.get(reverse("admin:crm_staff_change", args=[admin_user.pk])))
    assert "パスワードは設定済みです" in page
    assert "pbkdf2" not in page and "アルゴリズム" not in page


# --- printouts --------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["list", "addresses", "sheets", "labels", "postcards", "postcards_vertical"])
def test_j1_no_english_in_any_printout(admin_user, hq_branch, kind):
    # given: a customer whose own data has no Latin letters, with a contact and a purchase
    import io

    import pdfplumber

    from tests.helpers import ja_client

    customer = CustomerFactory(branch=hq_branch, postal_code="150-0001", address="東京都渋谷区神宮前1-2-3",
                               email="", birth_date=datetime.date(1985, 4, 1))
    ContactHistoryFactory(customer=customer, date=datetime.date(2026, 2, 6))
    PurchaseFactory(customer=customer, product_code="１２３", date=datetime.date(2026, 2, 6))

    # when
    response = ja_client(admin_user).post(reverse("admin:crm_customer_print"), {"kind": kind, "start": "1"})

    # then: no Latin word anywhere (page:, Page, Printed …); dates as YYYY/MM/DD
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() or "" for page in pdfplumber.open(io.BytesIO(response.content)).pages)
    assert text.strip()
    # TEL, FAX, URL and pt are how Japanese offices write them (field labels, points).
    assert not re.search(r"[A-Za-z]{2,}|page:", re.sub(r"TEL|FAX|URL|pt", "", text)), text[:500]
    assert not OTHER_DATE_FORMATS.search(text), text[:500]


def test_c1_a_read_only_user_sees_the_age_too(db):
    from tests.helpers import ja_client
    from tests.personas import build_world

    world = build_world()
    world.customer_a.birth_date = datetime.date(1985, 4, 1)
    world.customer_a.save()
    age = dates.age_on(datetime.date(1985, 4, 1))
    page = text(ja_client(world.users["read_only"]).get(reverse("admin:crm_customer_change", args=[world.customer_a.pk])))
    assert "1985/04/01" in page and f"（{age}歳）" in page
