"""W4 in a real browser: customers ticked on the list → 一括メール → a saved template → preview →
send; the worker's batch sends them and the result page says so. Screenshots at 1366 and 375 px."""

import pytest

from crm import roles
from mailing import sending
from mailing.models import Campaign, MailTemplate
from tests.factories import BranchFactory, CustomerFactory, StaffFactory
from tests.test_browser import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_w4_select_customers_template_preview_send(page, live_server, mailoutbox):
    # given a general user of one branch, three of its customers (one without an address) and a template
    branch = BranchFactory(code="A", name="渋谷店")
    StaffFactory(username="eigyo", email="eigyo@example.jp", roles=[roles.GENERAL], branches=[branch])
    people = [CustomerFactory(branch=branch, code="A001", last_name="青山", first_name="一郎", email="aoyama@example.jp"),
              CustomerFactory(branch=branch, code="A002", last_name="", first_name="", company_name="赤坂物産",
                              email="info@akasaka.example.jp"),
              CustomerFactory(branch=branch, code="A003", last_name="代々木", first_name="花子", email="")]
    MailTemplate.objects.create(name="新商品のご案内", subject="{{氏名}} 新商品のご案内",
                                body="{{氏名}}\n\nいつもお世話になっております。{{会社名}}のご担当者様に新商品をご案内します。")
    login(page, live_server, "eigyo")
    for width in (1366, 375):
        page.set_viewport_size({"width": width, "height": 900})
        # when: all three ticked, 「選択した顧客に一括メール」
        page.goto(live_server.url + "/admin/crm/customer/")
        for customer in people:
            page.check(f"input[name=_selected_action][value='{customer.pk}']")
        page.select_option("select[name=action]", "mail_selected")
        page.locator("#changelist-form button[type=submit][name=index]").first.click()
        # then: two of three get it; the one without an address is named
        page.locator("#mail-count").wait_for()
        assert "3 件のうち 2 件にメールを送ります。" in page.inner_text("#mail-count")
        assert "代々木" in page.inner_text("#mail-no-address")
        # when: the saved template is chosen, then the preview
        page.select_option("#id_template", label="新商品のご案内")
        page.wait_for_url("**template=*")
        assert page.input_value("#id_subject") == "{{氏名}} 新商品のご案内"
        page.click("#mail-preview-button")
        page.locator("#mail-preview").wait_for()
        preview = page.inner_text("#mail-preview")
        assert "青山　一郎 様 新商品のご案内" in preview and "赤坂物産 御中" in preview
        page.locator("#mail-preview").scroll_into_view_if_needed()
        shot(page, f"w4-mail-preview-{width}")
    # when: sent
    page.click("#mail-send-button")
    page.wait_for_url("**/admin/mailing/campaign/*/change/")
    campaign = Campaign.objects.get()
    sending.run_batch(campaign.pk)
    page.reload()
    # then: the result page counts them sent, and the mails went out once each
    assert "宛先 2 件: 送信済み 2 件" in page.inner_text("#campaign-counts")
    assert sorted(m.to[0] for m in mailoutbox) == ["aoyama@example.jp", "info@akasaka.example.jp"]
    shot(page, "w4-mail-result-375")
    page.set_viewport_size({"width": 1366, "height": 900})
    shot(page, "w4-mail-result-1366")


def test_w4_opt_out_cleared_from_the_card_with_a_reason(page, live_server):
    from crm import services as crm_services

    # given a general user of the branch and a customer who asked for no more mail
    branch = BranchFactory(code="A", name="渋谷店")
    StaffFactory(username="eigyo", email="eigyo@example.jp", roles=[roles.GENERAL], branches=[branch])
    customer = CustomerFactory(branch=branch, code="A001", last_name="青山", first_name="一郎", email="aoyama@example.jp")
    crm_services.customer_set_mail_opt_out(customer=customer, reason="リンクから")
    login(page, live_server, "eigyo")
    for width in (1366, 375):
        page.set_viewport_size({"width": width, "height": 900})
        # when: the card's 「配信停止を解除」, then the form sent without a reason
        page.goto(f"{live_server.url}/admin/crm/customer/{customer.pk}/change/")
        page.click("#card-mail-opt-out-clear")
        page.locator("#opt-out-clear-form").wait_for()
        page.click("#opt-out-clear-submit")
        # then: the message at the field, nothing changed
        assert "このフィールドは必須です。" in page.inner_text("#id_reason_error")
        shot(page, f"w4-opt-out-clear-{width}")
    customer.refresh_from_db()
    assert customer.mail_opted_out_at is not None
    # when: a reason is given
    page.fill("#id_reason", "電話で再開の依頼")
    page.click("#opt-out-clear-submit")
    page.wait_for_url(f"**/admin/crm/customer/{customer.pk}/change/")
    # then: back on the card, which no longer says 配信停止
    assert "配信停止を解除しました" in page.content()
    assert page.locator("#card-mail-opt-out").count() == 0
    customer.refresh_from_db()
    assert customer.mail_opted_out_at is None
