"""W1 and W2 in a real browser (ja-JP): an inquiry logged on the card is handed over from the card's
引継 box (the staff pulldown narrowed by 担当部署, nobody of another branch offered); after the alert
period (the clock moved: the periodic run told a later time) the person it was handed to sees 遅延 on
the home screen, with the charts. Screenshots at 1366 and 375 px."""

import pytest

from crm import roles
from crm.models import StaffDepartment
from tests.factories import BranchFactory, ContactHistoryFactory, CustomerFactory, StaffFactory
from tests.test_browser import login, shot
from workflow import figures, services
from workflow.models import Handoff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_w1_w2_hand_over_from_the_card_and_see_late_on_home(page, live_server):
    # given a front desk and two sales people of 渋谷店, and one of 新宿店
    # (a flush by an earlier transactional test leaves the statuses: workflow.apps makes them again)
    shibuya, shinjuku = BranchFactory(code="A", name="渋谷店"), BranchFactory(code="B", name="新宿店")
    desk, sales = StaffDepartment.objects.create(name="受付"), StaffDepartment.objects.create(name="営業部")
    StaffFactory(username="uketsuke", display_name="受付 花子", roles=[roles.GENERAL], branches=[shibuya],
                 department=desk)
    tanaka = StaffFactory(username="tanaka", display_name="田中 一郎", email="tanaka@example.jp",
                          roles=[roles.GENERAL], branches=[shibuya], department=sales, is_department_head=True)
    StaffFactory(username="suzuki", display_name="鈴木 次郎", roles=[roles.GENERAL], branches=[shibuya],
                 department=desk)
    StaffFactory(username="shinjuku", display_name="新宿 三郎", roles=[roles.GENERAL], branches=[shinjuku],
                 department=sales)
    customer = CustomerFactory(branch=shibuya, last_name="山本", first_name="健", staff_department=sales,
                               company_name="山本工業")
    ContactHistoryFactory(customer=customer, detail="見積の依頼（電話）")

    # when the front desk opens the card and hands the inquiry over from its 引継 box
    login(page, live_server, "uketsuke")
    card = f"{live_server.url}/admin/crm/customer/{customer.pk}/change/"
    page.goto(card)
    box = page.locator("#handoff-card")
    assert "未完了の引継はありません" in box.inner_text()
    page.click("#handoff-card-add")
    page.locator("#id_assignee").wait_for()
    # then the pulldown offers only 渋谷店's people, narrowed to the customer's 担当部署 (営業部)
    options = page.locator("#id_assignee option")
    labels = [options.nth(i).inner_text() for i in range(options.count())]
    assert "新宿 三郎" not in labels
    visible = page.eval_on_selector_all("#id_assignee option", "os => os.filter(o => !o.hidden && o.value).map(o => o.text)")
    assert visible == ["田中 一郎"]
    page.select_option("#id_department", label="受付")
    visible = page.eval_on_selector_all("#id_assignee option", "os => os.filter(o => !o.hidden && o.value).map(o => o.text)")
    assert "田中 一郎" not in visible and "鈴木 次郎" in visible
    page.select_option("#id_department", label="営業部")
    page.select_option("#id_assignee", label="田中 一郎")
    page.fill("#id_message", "至急折り返しをお願いします")
    for width in (1366, 375):
        page.set_viewport_size({"width": width, "height": 900})
        shot(page, f"w1-handoff-form-{width}")
    page.click("button[name=_save]")
    page.wait_for_load_state()
    handoff = Handoff.objects.get()
    assert handoff.assignee == tanaka and handoff.status.name == "引継中"

    # and the card shows it open, 引継中 and not late
    page.goto(card)
    assert "引継中" in box.inner_text() and "田中 一郎" in box.inner_text()
    assert box.locator(".handoff-card-late").count() == 0

    # when the clock passes the alert period (the periodic run at a later time)
    assert services.flag_overdue(now=handoff.due_at) == 1
    figures.refresh(force=True)

    # then the card says 遅延, and the sales person sees the 遅延 alert on their home screen
    page.goto(card)
    assert box.locator(".handoff-card-late").count() == 1
    page.context.clear_cookies()
    login(page, live_server, "tanaka")
    alerts = page.locator("#handoff-alerts")
    assert page.locator("#handoff-late-count").inner_text() == "1"
    assert "遅延" in alerts.inner_text() and "山本" in alerts.inner_text()
    charts = page.locator("#home-charts")
    assert page.locator("#chart-handoffs").get_attribute("data-total") == "1"
    assert "引継中" in charts.inner_text() and "新宿店" not in page.locator("#branch-counts").inner_text()
    for width in (1366, 375):
        page.set_viewport_size({"width": width, "height": 900})
        shot(page, f"w2-home-late-{width}")
        # nothing wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    page.goto(card)
    for width in (1366, 375):
        page.set_viewport_size({"width": width, "height": 900})
        box.scroll_into_view_if_needed()
        shot(page, f"w1-card-handoff-box-{width}")
