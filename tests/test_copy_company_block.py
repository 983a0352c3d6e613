"""C6: copy the company block (会社名 … 電話番号) from an existing customer on the add form."""

import pytest
from django.urls import reverse

from tests.factories import BranchFactory, CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_c6_add_form_is_prefilled_from_the_source_customer(admin_client, hq_branch):
    source = CustomerFactory(
        branch=hq_branch, company_name="アクティブ情報サービス株式会社", company_kana="アクティブジョウホウサービス",
        postal_code="140-0002", address="東京都品川区東品川1-1-100", tel="03-3791-5155", fax="03-3791-5159",
        last_name="田中",
    )
    page = admin_client.get(reverse("admin:crm_customer_add") + f"?copy_from={source.code}").content.decode()
    for value in ("アクティブ情報サービス株式会社", "140-0002", "東京都品川区東品川1-1-100", "03-3791-5155", "03-3791-5159"):
        assert f'value="{value}"' in page
    assert 'value="田中"' not in page  # the person is not copied


def test_c6_cannot_copy_from_a_customer_the_user_cannot_see(client, hq_branch):
    other = BranchFactory(code="OSK", name="大阪支店")
    source = CustomerFactory(branch=other, company_name="大阪だけの会社")
    user = StaffFactory(username="shibuya", perms=["crm.add_customer", "crm.view_customer"], branches=[hq_branch])
    client.force_login(user)
    page = client.get(reverse("admin:crm_customer_add") + f"?copy_from={source.code}").content.decode()
    assert "大阪だけの会社" not in page
