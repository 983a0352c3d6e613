"""C1 fields, C10 phones, validation and the card (J1)."""

import pytest
from django.urls import reverse

from crm.models import Customer, CustomerPhone
from tests.factories import CustomerFactory, StaffDepartmentFactory, StaffFactory
from tests.helpers import card_post_data, management_data

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:crm_customer_add")


def change_url(customer):
    return reverse("admin:crm_customer_change", args=[customer.pk])


def test_c1_code_is_automatic_zero_padded_and_unique(hq_branch):
    first = CustomerFactory(branch=hq_branch)
    second = CustomerFactory(branch=hq_branch)
    assert first.code == "000001"
    assert second.code == "000002"
    assert Customer.objects.filter(code="000001").count() == 1


def test_c1_typed_code_is_kept_and_duplicates_refused(admin_client, hq_branch):
    CustomerFactory(branch=hq_branch, code="A-100")
    response = admin_client.post(ADD_URL, card_post_data(branch=hq_branch, code="A-100", last_name="佐藤"))
    assert response.status_code == 200
    assert "既に存在します" in response.content.decode()
    assert Customer.objects.filter(last_name="佐藤").count() == 0


def test_c1_add_form_saves_every_block(admin_client, hq_branch, admin_user):
    data = card_post_data(
        branch=hq_branch, last_name="山田", first_name="太郎", last_name_kana="やまだ", first_name_kana="ﾀﾛｳ",
        company_name="株式会社やまだ", company_kana="カブシキガイシャヤマダ", department="営業部", title="部長",
        industry="製造業", postal_code="140-0002", address="東京都品川区東品川1-1-100", building="アクティブビル3F",
        tel="03-1111-1111", fax="03-1111-1112", mobile="090-1234-5678", email="yamada@example.jp",
        url="https://example.jp/", birth_date="1970-04-01", gender="M", send_to="contact",
        contact_postal_code="100-0001", contact_address="東京都千代田区千代田1-1", contact_tel="03-2222-2222",
        remark1="紹介: 田中様", check1="on", check48="on",
    )
    data.update({
        **management_data("phones", 1), "phones-0-kind": "home", "phones-0-number": "03-3333-3333",
        "phones-0-note": "夜間", "phones-0-position": "0",
    })
    response = admin_client.post(ADD_URL, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    customer = Customer.objects.get(last_name="山田")
    assert customer.last_name_kana == "ヤマダ" and customer.first_name_kana == "タロウ"
    assert customer.send_to == Customer.SendTo.CONTACT
    assert customer.check1 and customer.check48 and not customer.check2
    assert customer.remark1 == "紹介: 田中様"
    assert customer.created_by == admin_user and customer.updated_by == admin_user
    assert customer.phones.get().number == "03-3333-3333"  # C10


def test_c1_bad_input_gets_japanese_messages_and_keeps_what_was_typed(admin_client, hq_branch):
    data = card_post_data(
        branch=hq_branch, last_name="鈴木", birth_date="2020-13-45", email="suzuki@@example", postal_code="12345",
        tel="03-ABCD", last_name_kana="鈴木", url="not a url",
    )
    response = admin_client.post(ADD_URL, data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "日付を正しく入力してください。" in body
    assert "有効なメールアドレスを入力してください。" in body
    assert "郵便番号は7桁" in body
    assert "電話番号は数字とハイフン" in body
    assert "フリガナはカナで" in body
    assert "URLを正しく入力してください。" in body
    for typed in ("2020-13-45", "suzuki@@example", "12345", "03-ABCD", "鈴木"):
        assert typed in body
    assert not Customer.objects.exists()


def test_c1_age_is_derived_from_birth_date(hq_branch):
    import datetime

    today = datetime.date.today()
    customer = CustomerFactory(branch=hq_branch, birth_date=today.replace(year=today.year - 40))
    assert customer.age == 40
    assert CustomerFactory(branch=hq_branch, birth_date=None).age is None


def test_c1_staff_must_belong_to_the_chosen_department(admin_client, hq_branch):
    sales, affairs = StaffDepartmentFactory(name="営業部"), StaffDepartmentFactory(name="総務部")
    clerk = StaffFactory(username="soumu", department=affairs)
    response = admin_client.post(
        ADD_URL, card_post_data(branch=hq_branch, last_name="高橋", staff_department=str(sales.pk), staff=str(clerk.pk))
    )
    assert response.status_code == 200
    assert "選んだ担当部署に所属していません" in response.content.decode()
    # The pulldown carries each person's department so the browser narrows it.
    page = admin_client.get(ADD_URL).content.decode()
    assert f'data-department="{affairs.pk}"' in page


def test_c1_url_is_shown_as_a_link(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch, url="https://www.j-active.com/")
    body = admin_client.get(change_url(customer)).content.decode()
    assert 'href="https://www.j-active.com/"' in body


def test_c10_phone_numbers_are_edited_on_the_card(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch)
    CustomerPhone.objects.create(customer=customer, kind="work", number="03-1111-2222")
    data = card_post_data(customer)
    data.update({"phones-TOTAL_FORMS": "2", "phones-1-kind": "mobile", "phones-1-number": "080-1111-2222",
                 "phones-1-position": "1", "phones-1-note": ""})
    response = admin_client.post(change_url(customer), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert sorted(customer.phones.values_list("number", flat=True)) == ["03-1111-2222", "080-1111-2222"]


def test_j1_card_has_the_seed_tabs(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch)
    body = admin_client.get(change_url(customer)).content.decode()
    for tab in ("顧客情報", "連絡先", "備考", "チェック項目", "家族", "前職・兼職", "応対履歴", "購買履歴"):
        assert tab in body, tab


def test_j1_english_is_available(client, admin_user, hq_branch):
    customer = CustomerFactory(branch=hq_branch)
    client.force_login(admin_user)
    body = client.get(change_url(customer), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Customer code" in body and "Family name" in body


def test_c1_delete_confirmation_lists_what_goes_with_the_customer(admin_client, hq_branch):
    from tests.factories import ContactHistoryFactory, PurchaseFactory

    customer = CustomerFactory(branch=hq_branch)
    ContactHistoryFactory(customer=customer)
    PurchaseFactory(customer=customer)
    url = reverse("admin:crm_customer_delete", args=[customer.pk])
    body = admin_client.get(url).content.decode()
    assert "応対履歴" in body and "購買履歴" in body
    assert Customer.objects.filter(pk=customer.pk).exists()
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Customer.objects.filter(pk=customer.pk).exists()


def test_c2_the_card_shows_the_name_with_its_honorific(admin_user, hq_branch):
    from tests.factories import CustomerFactory
    from tests.helpers import ja_client

    admin_ja = ja_client(admin_user)
    person = CustomerFactory(branch=hq_branch, code="H001")
    company = CustomerFactory(branch=hq_branch, code="H002", last_name="", first_name="", company_name="株式会社ローソン")
    for customer, expected in ((person, "H001　田中　太郎 様"), (company, "H002　株式会社ローソン 御中")):
        page = admin_ja.get(reverse("admin:crm_customer_change", args=[customer.pk])).content.decode()
        assert f'id="customer-addressee">{expected}</h2>' in page


def test_i11_p14_a_fresh_install_has_one_branch_preselected_on_the_add_form(admin_client):
    # given: a fresh database, as migrate leaves it (no branch yet, then the data migration)
    import importlib
    from types import SimpleNamespace

    from django.apps import apps as global_apps
    from django.db import connection

    from crm.models import Branch

    Branch.objects.all().delete()
    migration = importlib.import_module("crm.migrations.0018_default_branch")
    migration.default_branch_ensure(global_apps, SimpleNamespace(connection=connection))

    # then: exactly one branch, 本店
    assert list(Branch.objects.values_list("code", "name")) == [("HQ", "本店")]
    branch = Branch.objects.get()

    # when: the administrator opens 顧客 → 追加
    page = admin_client.get(ADD_URL).content.decode()

    # then: 本店 is already chosen, and saving with a name alone adds the first customer
    assert f'<option value="{branch.pk}" selected>本店</option>' in page
    response = admin_client.post(ADD_URL, card_post_data(branch=branch, last_name="最初"))
    assert response.status_code == 302
    assert Customer.objects.get(last_name="最初").branch == branch


def test_i11_p14_the_default_branch_is_not_added_beside_existing_ones(admin_client):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps as global_apps
    from django.db import connection

    from crm.models import Branch
    from tests.factories import BranchFactory

    # given: an office with its own two branches
    Branch.objects.all().delete()
    first, second = BranchFactory(code="S1", name="渋谷店"), BranchFactory(code="S2", name="新宿店")
    migration = importlib.import_module("crm.migrations.0018_default_branch")
    migration.default_branch_ensure(global_apps, SimpleNamespace(connection=connection))

    # then: nothing added, and with two branches nothing is preselected
    assert set(Branch.objects.values_list("code", flat=True)) == {"S1", "S2"}
    page = admin_client.get(ADD_URL).content.decode()
    assert f'<option value="{first.pk}" selected>' not in page
    assert f'<option value="{second.pk}" selected>' not in page
