"""C11 in a real browser: a change saved with an 適用日 shows as pending on the card and can be
cancelled; following a customer brings another person's change to the home screen's 更新通知."""

import datetime

import pytest

from crm import dates, services
from scheduling.models import Notification, ScheduledChange
from tests.factories import BranchFactory, CustomerFactory, StaffFactory
from tests.test_browser import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_c11_schedule_cancel_follow_and_notice(page, live_server):  # noqa: F811
    # given
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    other = StaffFactory(username="sato", display_name="佐藤 花子", is_superuser=True, is_head_office=True)
    customer = CustomerFactory(branch=BranchFactory(code="HQ", name="本店"), last_name="田中", title="係長")
    day = (dates.today() + datetime.timedelta(days=14)).strftime("%Y/%m/%d")
    login(page, live_server, "kanri")
    card = f"{live_server.url}/admin/crm/customer/{customer.pk}/change/"
    page.goto(card)

    # when: the title is changed and saved with an effective date
    page.fill("#id_title", "部長")
    page.fill("#id_effective_date", day)
    page.click("button[name=_save]")

    # then: back on the card, the change is pending and the customer unchanged
    panel = page.locator("#c11-scheduled")
    panel.wait_for()
    assert day in panel.inner_text() and "部長" in panel.inner_text()
    assert page.locator("#id_title").input_value() == "係長"
    shot(page, "c11-card-pending-change")

    # when: it is cancelled
    page.click("#c11-scheduled .c11-cancel")
    page.wait_for_url(card)
    assert page.locator("#c11-scheduled").count() == 0
    assert ScheduledChange.objects.get().status == ScheduledChange.Status.CANCELLED

    # when: the customer is followed and someone else changes it
    page.click("#c11-follow-button")
    page.locator("#c11-unfollow-button").wait_for()
    customer.refresh_from_db()
    customer.mobile = "090-1234-5678"
    services.customer_save(customer=customer, user=other, reason="携帯を変更")

    # then: the home screen lists it, and opening it marks it read
    page.goto(live_server.url + "/admin/")
    notices = page.locator("#notification-list")
    assert customer.code in notices.inner_text() and "佐藤 花子" in notices.inner_text()
    assert page.locator("#notification-count").inner_text() == "1"
    shot(page, "c11-home-notices")
    notices.locator("a").first.click()
    page.wait_for_url(card)
    assert Notification.objects.get().read_at is not None
    page.goto(live_server.url + "/admin/")
    assert page.locator("#notification-count").inner_text() == "0"
