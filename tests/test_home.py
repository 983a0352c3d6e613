"""S1 home screen and quick search; J3 kana order."""

import pytest
from django.urls import reverse

from tests.factories import BranchFactory, CustomerFactory
from tests.helpers import card_post_data

pytestmark = pytest.mark.django_db

LIST = reverse("admin:crm_customer_changelist")


@pytest.fixture
def customers(hq_branch):
    return {
        "tanaka": CustomerFactory(branch=hq_branch, last_name="田中", first_name="太郎", last_name_kana="タナカ",
                                  first_name_kana="タロウ", company_name="株式会社山本産業", tel="03-1234-5678",
                                  mobile="090-1111-2222", email="Tanaka@Example.co.jp"),
        "yamada": CustomerFactory(branch=hq_branch, last_name="山田", first_name="花子", last_name_kana="ヤマダ",
                                  first_name_kana="ハナコ", company_name="株式会社やまだ", tel="03-1111-1111",
                                  email="hanako@yamada.jp"),
        "takahashi": CustomerFactory(branch=hq_branch, last_name="髙橋", first_name="一郎", last_name_kana="タカハシ",
                                     first_name_kana="イチロウ", company_name="上田工務店", tel="06-9999-0000",
                                     email="ichiro@ueda.jp"),
    }


def found(client, query):
    body = client.get(LIST, {"q": query}).content.decode()
    return {name for name in ("田中", "山田", "髙橋") if f"{name} " in body}


@pytest.mark.parametrize("query, expected", [
    ("000001", {"田中"}),
    ("田中", {"田中"}),
    ("田中 太郎", {"田中"}),
    ("たなか", {"田中"}),
    ("ﾀﾅｶ", {"田中"}),
    ("やまだ", {"山田"}),
    ("山本産業", {"田中"}),
    ("0312345678", {"田中"}),
    ("03-1234-5678", {"田中"}),
    ("０３１２３４５６７８", {"田中"}),
    ("1111", {"田中", "山田"}),
    ("TANAKA@example", {"田中"}),
    ("高橋", {"髙橋"}),
    ("存在しない", set()),
])
def test_s1_quick_search(admin_client, customers, query, expected):
    assert found(admin_client, query) == expected


def test_s1_home_screen_has_quick_search_counts_and_recent_changes(admin_client, customers):
    customer = customers["yamada"]
    admin_client.post(reverse("admin:crm_customer_change", args=[customer.pk]), card_post_data(customer, title="課長"))
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'id="quick-search"' in page and f'action="{LIST}"' in page
    assert 'id="count-customers">3<' in page
    recent = page[page.index('id="recent-customers"'):]
    assert customer.code in recent and "田中" not in recent


def test_s1_counts_only_the_users_branches(client, customers):
    from tests.factories import StaffFactory

    osaka = BranchFactory(code="OSK", name="大阪支店")
    CustomerFactory(branch=osaka, last_name="大阪")
    user = StaffFactory(username="osaka", perms=["crm.view_customer"], branches=[osaka])
    client.force_login(user)
    page = client.get(reverse("admin:index")).content.decode()
    assert 'id="count-customers">1<' in page
    listing = client.get(LIST).content.decode()
    assert "大阪" in listing and "田中 " not in listing


def test_j3_list_sorts_in_kana_order_by_default(admin_client, customers):
    body = admin_client.get(LIST).content.decode()
    # タカハシ < タナカ < ヤマダ in 五十音順, whatever the codes say.
    assert body.index("髙橋 ") < body.index("田中 ") < body.index("山田 ")


def test_s4_list_marks_customers_with_contact_history_and_links_phone_and_mail(admin_client, customers):
    from tests.factories import ContactHistoryFactory

    ContactHistoryFactory(customer=customers["tanaka"])
    body = admin_client.get(LIST).content.decode()
    assert 'href="tel:0312345678"' in body and 'href="mailto:Tanaka@Example.co.jp"' in body
    marked = body[: body.index(customers["tanaka"].code + "</a>")]
    assert marked.rstrip().endswith('>') and "text-red-600" in marked[-200:]
