"""I3 (issue 27, point 3) through the admin: the card's and the list's tel: / mailto: links follow the
restricted fields (R3), and the 日報 entry is the contact-history form cut to what a phone needs."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from crm import roles
from crm.normalize import tel_target
from crm.models import ContactHistory
from fieldconfig import lookup
from fieldconfig.models import FieldSetting
from tests.factories import BranchFactory, ContactCategoryFactory, CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db

MOBILE, EMAIL = "090-1234-5678", "ceo.private@example.jp"


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(user)
    return client


@pytest.fixture
def private_reach():
    """携帯TEL and Eメール restricted to the secretaries; a clerk outside the group, a secretary in it."""
    secretaries, _ = Group.objects.get_or_create(name="秘書部門")
    FieldSetting.objects.filter(model="customer", field_name__in=["mobile", "email"]).update(visible_to=secretaries)
    lookup.invalidate()
    customer = CustomerFactory(branch=BranchFactory(code="HQ", name="本店"), tel="03-3791-5155", mobile=MOBILE, email=EMAIL)
    clerk = StaffFactory(username="ippan", roles=[roles.GENERAL], is_head_office=True)
    secretary = StaffFactory(username="hisho", roles=[roles.GENERAL], is_head_office=True)
    secretary.groups.add(secretaries)
    return customer, clerk, secretary


def test_i3_tel_target_dials_digits_only():
    assert tel_target("03-3791-5155") == "0337915155"
    assert tel_target("０９０－１２３４－５６７８") == "09012345678"
    assert tel_target("+81 3 (3791) 5155") == "+81337915155"


def test_i3_a_restricted_field_gives_no_tel_or_mailto_link(private_reach):
    # given: 携帯TEL and Eメール only the secretaries may see
    customer, clerk, secretary = private_reach
    card = reverse("admin:crm_customer_change", args=[customer.pk])
    listing = reverse("admin:crm_customer_changelist")
    # when: the clerk opens the card and the list
    for url in (card, listing):
        body = client_for(clerk).get(url).content.decode()
        # then: the company phone is a link; the restricted ones appear nowhere, as a link or as text
        assert 'href="tel:0337915155"' in body, url
        assert "tel:09012345678" not in body and MOBILE not in body, url
        assert "mailto:" not in body and EMAIL not in body, url
    # and the secretary gets all three links (so the test above could fail)
    for url in (card, listing):
        body = client_for(secretary).get(url).content.decode()
        assert 'href="tel:09012345678"' in body and f'href="mailto:{EMAIL}"' in body, url
    body = client_for(secretary).get(card).content.decode()
    assert 'id="reach-mobile"' in body and 'id="reach-email"' in body and 'id="reach-tel"' in body


def test_i3_card_offers_the_daily_report_only_to_who_may_add_one(private_reach):
    customer, clerk, _secretary = private_reach
    reader = StaffFactory(username="sansho", roles=[roles.READ_ONLY], is_head_office=True)
    card = reverse("admin:crm_customer_change", args=[customer.pk])
    quick = f"{reverse('admin:crm_contacthistory_add')}?customer={customer.pk}&amp;quick=1"
    assert quick in client_for(clerk).get(card).content.decode()
    body = client_for(reader).get(card).content.decode()
    assert 'id="customer-reach"' in body and "quick=1" not in body


def test_i3_quick_daily_report_has_only_the_essential_fields_and_returns_to_the_card(private_reach):
    # given
    customer, clerk, _secretary = private_reach
    category = ContactCategoryFactory()
    client = client_for(clerk)
    url = f"{reverse('admin:crm_contacthistory_add')}?customer={customer.pk}&quick=1"
    # when: the 日報 form opens
    body = client.get(url).content.decode()
    # then: the customer chosen, the essential fields only, one save button
    for name in ("customer", "date", "category", "staff", "detail", "response", "next_action_date"):
        assert f'name="{name}"' in body, name
    for name in ("content1", "memo", "notes", "attachments-TOTAL_FORMS", "_continue", "_addanother"):
        assert f'name="{name}"' not in body, name
    assert f'value="{customer.pk}" selected' in body
    assert f'<h1 class="text-lg font-semibold mb-4" id="daily-report-heading">日報（応対履歴の入力）' in body
    assert f"{customer.code}　田中　太郎 様" in body
    # when: a wrong date is sent
    assert f'value="{clerk.pk}" selected' in body  # 担当者: the one writing
    data = {"customer": customer.pk, "date": "2026/13/45", "category": category.pk, "staff": clerk.pk,
            "detail": "新製品のカタログを持参。来月の展示会に来場予定。", "response": "", "next_action_date": "", "_save": "1"}
    response = client.post(url, data)
    # then: nothing saved, the message at the field, the text kept
    assert response.status_code == 200 and not ContactHistory.objects.exists()
    body = response.content.decode()
    assert "新製品のカタログを持参。来月の展示会に来場予定。" in body and 'value="2026/13/45"' in body
    assert '<ul class="errorlist" id="id_date_error"><li>日付を正しく入力してください。</li></ul>' in body
    # when: corrected
    response = client.post(url, {**data, "date": "2026/12/07"})
    # then: saved for the customer by the clerk, and back on the card at its contact histories
    saved = ContactHistory.objects.get()
    assert (saved.customer, saved.date, saved.category, saved.staff, saved.detail) == (
        customer, datetime.date(2026, 12, 7), category, clerk, data["detail"])
    assert response["Location"] == reverse("admin:crm_customer_change", args=[customer.pk]) + "#contact-histories"
    # and the ordinary add form is unchanged: every field, attachments, all buttons
    body = client.get(reverse("admin:crm_contacthistory_add")).content.decode()
    assert 'name="content1"' in body and 'name="_continue"' in body and "attachments-TOTAL_FORMS" in body


def test_i3_quick_daily_report_leaves_out_a_restricted_field():
    # given: 対応内容 restricted to a group the clerk is not in
    group, _ = Group.objects.get_or_create(name="品質管理")
    FieldSetting.objects.filter(model="contacthistory", field_name="response").update(visible_to=group)
    lookup.invalidate()
    customer = CustomerFactory(branch=BranchFactory(code="HQ", name="本店"))
    clerk = StaffFactory(username="ippan", roles=[roles.GENERAL], is_head_office=True)
    # when
    body = client_for(clerk).get(
        f"{reverse('admin:crm_contacthistory_add')}?customer={customer.pk}&quick=1").content.decode()
    # then
    assert 'name="detail"' in body and 'name="response"' not in body


def test_i3_quick_daily_report_asks_a_field_the_office_made_required():
    # given: 内容1 必須 on 応対履歴 (C8)
    row = FieldSetting.objects.get(model="contacthistory", field_name="content1")
    row.required = True
    row.save()
    lookup.invalidate()
    customer = CustomerFactory(branch=BranchFactory(code="HQ", name="本店"))
    clerk = StaffFactory(username="ippan", roles=[roles.GENERAL], is_head_office=True)
    client = client_for(clerk)
    url = f"{reverse('admin:crm_contacthistory_add')}?customer={customer.pk}&quick=1"
    # when: the 日報 opens and is sent without it
    assert 'name="content1"' in client.get(url).content.decode()
    response = client.post(url, {"customer": customer.pk, "date": "2026/12/07", "staff": clerk.pk,
                                 "detail": "訪問", "_save": "1"})
    # then: refused at the field, nothing saved
    assert response.status_code == 200 and not ContactHistory.objects.exists()
    assert "入力ルール「必須」" in response.content.decode()
