"""H1–H5: contact and purchase histories, family, career and the masters."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import ContactHistory, Purchase
from tests.factories import (
    CareerEntryFactory, ContactCategoryFactory, ContactHistoryFactory, CustomerFactory, ProductFactory,
    PurchaseFactory, StaffDepartmentFactory,
)
from tests.helpers import card_post_data

pytestmark = pytest.mark.django_db


def test_h1_contact_history_is_entered_and_listed_newest_first_on_the_card(admin_client, hq_branch, admin_user):
    customer = CustomerFactory(branch=hq_branch)
    category = ContactCategoryFactory(name="クレーム")
    department = StaffDepartmentFactory(name="渋谷店")
    response = admin_client.post(reverse("admin:crm_contacthistory_add"), {
        "customer": customer.pk, "date": "2008-03-05", "category": category.pk, "content1": "×××",
        "detail": "×××がなかった。", "response": "取り換え", "status": "done", "department": department.pk,
        "staff": admin_user.pk, "next_action_date": "2008-03-12", "notes": "", "remark": "", "memo": "",
        "attachments-TOTAL_FORMS": "0", "attachments-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    ContactHistoryFactory(customer=customer, date=datetime.date(2008, 5, 8), content1="店舗", detail="新しい要望")
    ContactHistoryFactory(customer=customer, date=datetime.date(2005, 2, 1), detail="古い問合せ")
    page = admin_client.get(reverse("admin:crm_customer_change", args=[customer.pk])).content.decode()
    page = page[page.index('id="contact-histories"'):]
    assert page.index("2008/05/08") < page.index("2008/03/05") < page.index("2005/02/01")
    assert "取り換え" in page


def test_h1_card_paginates_contact_histories(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch)
    start = datetime.date(2020, 1, 1)
    ContactHistory.objects.bulk_create(
        ContactHistory(customer=customer, date=start + datetime.timedelta(days=i), detail=f"履歴{i:02d}") for i in range(25)
    )
    url = reverse("admin:crm_customer_change", args=[customer.pk])
    first = admin_client.get(url).content.decode()
    assert "履歴24" in first and "履歴14" not in first
    third = admin_client.get(url + "?contacts_page=3").content.decode()
    assert "履歴00" in third


def test_h1_bad_date_is_refused_in_japanese(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch)
    response = admin_client.post(reverse("admin:crm_contacthistory_add"), {
        "customer": customer.pk, "date": "2024/02/30", "detail": "入力内容は残る",
        "attachments-TOTAL_FORMS": "0", "attachments-INITIAL_FORMS": "0",
    })
    body = response.content.decode()
    assert response.status_code == 200 and "日付を正しく入力してください。" in body and "入力内容は残る" in body


def test_h2_amount_is_quantity_times_unit_price_unless_given(hq_branch):
    customer = CustomerFactory(branch=hq_branch)
    computed = PurchaseFactory(customer=customer, quantity=10, unit_price=1200)
    given = PurchaseFactory(customer=customer, quantity=10, unit_price=1200, amount=10000)
    assert computed.amount == Decimal(12000)
    assert given.amount == Decimal(10000)


def test_h2_purchase_from_product_master_through_the_form(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch)
    product = ProductFactory(code="CDR58974", name="650MB-CD-R", category="消耗品", unit_price=700)
    response = admin_client.post(reverse("admin:crm_purchase_add"), {
        "customer": customer.pk, "date": "2002-05-19", "product": product.pk, "quantity": "100", "unit_price": "0",
        "amount": "", "points": "70",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    purchase = Purchase.objects.get()
    assert (purchase.product_code, purchase.product_name, purchase.product_category) == ("CDR58974", "650MB-CD-R", "消耗品")
    assert purchase.unit_price == 700 and purchase.amount == 70000


def test_h2_point9_product_fill_answers_those_who_write_purchases_without_restricted_fields(hq_branch):
    """What the purchase form's script fills in when a product is chosen (the browser side is
    tests/test_browser.py::test_h2_point9_choosing_a_product_fills_the_form_and_the_amount_follows)."""
    from django.contrib.auth.models import Group

    from crm import roles
    from fieldconfig import lookup
    from fieldconfig.models import FieldSetting
    from tests.factories import StaffFactory
    from tests.helpers import ja_client

    # given
    product = ProductFactory(code="CDR58974", name="650MB-CD-R", category="消耗品", unit_price=700)
    url = reverse("admin:crm_purchase_product_fill", args=[product.pk])
    general = StaffFactory(username="ippan", roles=[roles.GENERAL], branches=[hq_branch])
    read_only = StaffFactory(username="sansho", roles=[roles.READ_ONLY], branches=[hq_branch])

    # then: a writer gets the master's values under the purchase's field names
    assert ja_client(general).get(url).json() == {
        "product_code": "CDR58974", "product_name": "650MB-CD-R", "product_category": "消耗品", "unit_price": "700"}
    # a reader of purchases who may not write them gets nothing; nor does an unknown product
    assert ja_client(read_only).get(url).status_code == 403
    assert ja_client(general).get(reverse("admin:crm_purchase_product_fill", args=[product.pk + 99])).status_code == 404

    # when: 単価 of purchases becomes visible to a group the writer is not in (R3)
    FieldSetting.objects.filter(model="purchase", field_name="unit_price").update(
        visible_to=Group.objects.create(name="経理"))
    lookup.invalidate()

    # then: the unit price is left out for them
    assert "unit_price" not in ja_client(general).get(url).json()


def test_h2_point9_purchase_form_carries_the_fill_script_and_its_address(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch)
    for url in (reverse("admin:crm_purchase_add") + f"?customer={customer.pk}",
                reverse("admin:crm_purchase_change", args=[PurchaseFactory(customer=customer).pk])):
        page = admin_client.get(url).content.decode()
        assert "kokyaku/purchase_form.js" in page
        assert 'data-product-fill-url="/admin/crm/purchase/product-fill/0/"' in page


def test_h2_negative_quantity_is_refused_in_japanese(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch)
    response = admin_client.post(reverse("admin:crm_purchase_add"), {
        "customer": customer.pk, "date": "2002-05-19", "quantity": "-2", "unit_price": "1000", "points": "0",
    })
    body = response.content.decode()
    assert response.status_code == 200 and "0 以上" in body and 'value="-2"' in body


def test_c9_summary_on_the_card(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch)
    PurchaseFactory(customer=customer, date=datetime.date(2002, 6, 4), quantity=2, unit_price=1000, points=20)
    PurchaseFactory(customer=customer, date=datetime.date(2002, 5, 26), quantity=10, unit_price=1200, points=120)
    ContactHistoryFactory(customer=customer, date=datetime.date(2008, 5, 8))
    page = admin_client.get(reverse("admin:crm_customer_change", args=[customer.pk])).content.decode()
    summary = page[page.index('id="customer-summary"'):]
    assert "2008/05/08" in summary and "2002/06/04" in summary
    assert "¥14,000" in summary and "12" in summary
    # one ポイント: the ledger's balance where a feature gives it (points: tests/test_i2_points.py), else
    # the purchases' sum, named so it is not taken for a balance
    assert summary.count(" pt</div>") == 1


def test_c9_summary_names_the_purchases_points_sum_when_no_balance_is_given(client, hq_branch):
    # given: a staff member who sees customers and purchases, and no point balance (no feature gives one)
    from django.contrib.auth.models import Permission

    from tests.factories import StaffFactory

    user = StaffFactory(is_head_office=True)
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="crm", codename__in=["view_customer", "view_purchase", "view_contacthistory"]))
    customer = CustomerFactory(branch=hq_branch)
    PurchaseFactory(customer=customer, points=20)
    PurchaseFactory(customer=customer, points=120)
    client.force_login(user)
    # when
    page = client.get(reverse("admin:crm_customer_change", args=[customer.pk]), HTTP_ACCEPT_LANGUAGE="ja")
    # then
    assert page.status_code == 200
    html = page.content.decode()
    summary = html[html.index('id="customer-summary"'):]
    assert 'id="summary-purchase-points"' in summary and "購買ポイント計" in summary and "140 pt" in summary
    assert "ポイント残高" not in summary and 'id="points-panel"' not in html


def test_h3_family_and_h4_career_on_the_card(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch)
    CareerEntryFactory(customer=customer)
    data = card_post_data(customer)
    data.update({
        "family-TOTAL_FORMS": "1", "family-0-registered_on": "2002-06-01", "family-0-relation": "子供",
        "family-0-name": "山田 徹", "family-0-name_kana": "やまだ とおる", "family-0-gender": "M",
        "family-0-birth_date": "1985-04-18", "family-0-lives_together": "on", "family-0-occupation": "学生",
        "family-0-hobbies": "",
        "career-TOTAL_FORMS": "2", "career-1-date": "2010-12-28", "career-1-company": "サンプル業界連合会",
        "career-1-department": "", "career-1-title": "専務理事",
    })
    response = admin_client.post(reverse("admin:crm_customer_change", args=[customer.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    family = customer.family.get()
    assert family.lives_together and family.birth_date == datetime.date(1985, 4, 18)
    assert customer.career.count() == 2


def test_h3_point11_family_reading_is_stored_in_katakana_on_every_write(admin_client, hq_branch):
    from crm.models import FamilyMember
    from tests.factories import FamilyMemberFactory

    # given: one member saved by code with a half-width reading
    customer = CustomerFactory(branch=hq_branch)
    kept = FamilyMemberFactory(customer=customer, name="山田 花子", name_kana="ﾔﾏﾀﾞ ﾊﾅｺ")
    assert FamilyMember.objects.get(pk=kept.pk).name_kana == "ヤマダ ハナコ"

    # when: the card's editor changes it to hiragana and adds one in hiragana
    data = card_post_data(customer)
    data.update({
        "family-0-name_kana": "やまだ　はなこ",
        "family-TOTAL_FORMS": "2", "family-1-registered_on": "2002-06-01", "family-1-relation": "子",
        "family-1-name": "山田 徹", "family-1-name_kana": "やまだ とおる", "family-1-gender": "",
    })
    response = admin_client.post(reverse("admin:crm_customer_change", args=[customer.pk]), data)

    # then: both readings are katakana, as a customer's are, in the rows and in their history
    assert response.status_code == 302, response.content.decode()[:3000]
    assert set(customer.family.values_list("name_kana", flat=True)) == {"ヤマダ ハナコ", "ヤマダ トオル"}
    added = customer.family.get(name="山田 徹")
    assert added.history.first().name_kana == "ヤマダ トオル"


def test_h3_point11_migration_turns_stored_readings_into_katakana(hq_branch):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps as global_apps
    from django.db import connection

    from crm.models import FamilyMember
    from tests.factories import FamilyMemberFactory

    # given: readings stored before save() converted them
    customer = CustomerFactory(branch=hq_branch)
    members = [FamilyMemberFactory(customer=customer, name=f"山田 {i}", name_kana="x") for i in range(3)]
    for member, stored in zip(members, ["やまだ はなこ", "ﾔﾏﾀﾞ ﾄｵﾙ", ""]):
        FamilyMember.objects.filter(pk=member.pk).update(name_kana=stored)
    # when: migration 0021 runs
    migration = importlib.import_module("crm.migrations.0021_family_readings_in_katakana")
    migration.readings_to_katakana(global_apps, SimpleNamespace(connection=connection))
    # then
    assert [FamilyMember.objects.get(pk=m.pk).name_kana for m in members] == ["ヤマダ ハナコ", "ヤマダ トオル", ""]


def test_h3_point11_family_editor_offers_a_short_blank_gender(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch)
    page = admin_client.get(reverse("admin:crm_customer_change", args=[customer.pk]) + "?edit=family").content.decode()
    blank = re.search(r'<select name="family-__prefix__-gender"[^>]*>\s*<option value=""[^>]*>([^<]*)</option>', page)
    assert blank and blank.group(1).strip() == "－"


@pytest.mark.parametrize("model", ["product", "staffdepartment", "staff", "branch", "customercategory", "contactcategory"])
def test_h5_master_screens_open(admin_client, model):
    assert admin_client.get(reverse(f"admin:crm_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:crm_{model}_add")).status_code == 200


def test_h5_product_master_add(admin_client):
    response = admin_client.post(reverse("admin:crm_product_add"), {
        "code": "M256", "name": "256MBメモリ", "category": "周辺機器", "unit_price": "1000", "tax_rate": "10",
        "is_active": "on",
    })
    assert response.status_code == 302


def test_h3_h4_c10_card_shows_tables_and_opens_each_editor(admin_client, hq_branch):
    from tests.factories import FamilyMemberFactory

    customer = CustomerFactory(branch=hq_branch)
    FamilyMemberFactory(customer=customer, name="山田 花子", relation="配偶者")
    CareerEntryFactory(customer=customer, company="サンプル業界連合会", title="専務理事")
    url = reverse("admin:crm_customer_change", args=[customer.pk])
    card = admin_client.get(url).content.decode()
    assert "山田 花子" in card and "サンプル業界連合会" in card
    assert 'name="family-0-name"' not in card  # a table until 編集 is pressed
    for editor, field in (("family", "family-0-name"), ("career", "career-0-company"), ("phones", "phones-TOTAL_FORMS")):
        page = admin_client.get(url + f"?edit={editor}").content.decode()
        assert f'name="{field}"' in page, editor
