"""I3 (issue 27, point 3): the phone screens at 360 × 640 and 375 × 740."""

import datetime
import os
from pathlib import Path

import pytest

from crm import dates, services
from crm.models import Customer
from tests.factories import (BranchFactory, CareerEntryFactory, ContactHistoryFactory, CustomerFactory,
                             EstimateFactory, FamilyMemberFactory, MourningFactory, OrderFactory, PurchaseFactory,
                             StaffFactory)
from tests.test_browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("KOKYAKU_PHONE_SHOTS", "/tmp/kokyaku-phone-screens"))
PHONES = [(360, 640), (375, 740)]

PAGE_WIDTH = "[document.documentElement.scrollWidth, window.innerWidth]"
# Every visible thing a thumb can tap, with the box a tap hits: [description, width, height, exempt].
# Tappable: links, buttons, form fields, select2's boxes, ARIA widgets, anything focusable or with an
# Alpine click handler (unfold's ⋮ beside a pulldown is a <div x-on:click>). Left out, as nobody can tap
# them: what is not rendered (display: none, visibility: hidden: a closed menu, the phone's hidden table
# heads), what is 1 px or less (screen-reader text, select2's own hidden <select>), what lies off the page
# (the closed sidebar). A checkbox or radio inside a <label> is measured as that label (a tap anywhere on it
# ticks the box; the test taps one to prove it). Exempt, WCAG 2.5.8's "inline" exception only: a link inside
# a sentence (display: inline, in a paragraph or help text with more words than the link's own).
TAP_TARGETS = r"""() => {
    const clickable = e => [...e.attributes].some(a => /^(x-on:|@)click(\.(prevent|stop|self))*$/.test(a.name));
    const candidates = [...document.querySelectorAll('*')].filter(e => clickable(e) || e.matches(
        'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [role=link], ' +
        '[role=checkbox], [role=radio], [role=tab], [role=combobox], [role=menuitem], [role=switch], ' +
        '[tabindex]:not([tabindex="-1"])'));
    const seen = new Set();
    const describe = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + [...e.classList].slice(0, 2).map(c => '.' + c).join('')
        + (e.name ? `[name=${e.name}]` : '') + (e.getAttribute('href') ? `[href=${e.getAttribute('href').slice(0, 40)}]` : '')
        + ` "${(e.innerText || e.value || e.getAttribute('aria-label') || e.title || '').trim().replace(/\s+/g, ' ').slice(0, 24)}"`;
    const out = [];
    for (const e of candidates) {
        if (!e.checkVisibility({visibilityProperty: true})) continue;
        let box = e;
        if (e.matches('input[type=checkbox], input[type=radio]') && e.closest('label')) box = e.closest('label');
        const r = box.getBoundingClientRect();
        if (r.width <= 1 || r.height <= 1) continue;
        if (r.right + scrollX <= 0 || r.bottom + scrollY <= 0 || r.left + scrollX >= document.documentElement.scrollWidth) continue;
        if (seen.has(box)) continue;
        seen.add(box);
        const sentence = box.closest('p, .help, .kokyaku-help, [id$=_helptext]');
        const inline = box.tagName === 'A' && getComputedStyle(box).display === 'inline' && sentence !== null
            && sentence.innerText.replace(/\s+/g, '').length - box.innerText.replace(/\s+/g, '').length >= 8;
        out.push([(box === e ? '' : 'label of ') + describe(e), Math.round(r.width * 10) / 10, Math.round(r.height * 10) / 10, inline]);
    }
    return out;
}"""
# the elements of the MUST selectors that are on the page and visible
PRESENT = """(selectors) => selectors.filter(s => [...document.querySelectorAll(s)].some(e => e.checkVisibility()))"""


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def rich_customer():
    branch = BranchFactory(code="HQ", name="本店")
    customer = CustomerFactory(
        branch=branch, last_name="勅使河原", first_name="左衛門三郎", last_name_kana="テシガワラ",
        first_name_kana="サエモンサブロウ", company_name="株式会社東日本エンジニアリングサービス", tel="0120-123-4567",
        mobile="090-1234-5678", email="saemonsaburo.teshigawara@example.co.jp", address="東京都品川区東品川1-1-1")
    member = FamilyMemberFactory(customer=customer, name="勅使河原 花子", name_kana="テシガワラ ハナコ",
                                 birth_date=datetime.date(1960, 4, 1), occupation="会社員", hobbies="茶道・華道")
    MourningFactory(customer=customer, family_member=member, received_on=datetime.date(2026, 11, 20), memo="年賀状は控える")
    CareerEntryFactory(customer=customer)
    customer.phones.create(kind="work", number="03-5555-1234", note="直通")
    for n in range(3):
        ContactHistoryFactory(customer=customer, date=datetime.date(2026, 6, n + 1),
                              detail="新製品のカタログを送ってほしいとのご依頼。担当者から折り返し電話する。",
                              response="翌日にカタログを発送し、電話でご説明した。")
        PurchaseFactory(customer=customer, date=datetime.date(2026, 6, n + 1), product_name="インクカートリッジ 6色パック")
    scheduled = Customer.objects.get(pk=customer.pk)
    scheduled.address, scheduled.title = "大阪府大阪市北区梅田3-1-3 グランフロント大阪タワーB 20階", "代表取締役社長"
    services.customer_schedule(customer=scheduled, user=StaffFactory(username="sato", is_superuser=True, is_head_office=True),
                               effective_date=dates.today() + datetime.timedelta(days=30), reason="本社移転のため")
    OrderFactory(customer=customer)
    EstimateFactory(customer=customer)
    for n in range(4):
        CustomerFactory(branch=branch, last_name=f"田中{n}", email=f"tanaka{n}.long.address@example.co.jp")
    shibuya = BranchFactory(code="SB", name="渋谷店")
    for n in range(7):
        CustomerFactory(branch=shibuya, last_name=f"鈴木{n}")
    return customer


def screens(customer):
    """name → URL."""
    return {
        "home": "/admin/",
        "list": "/admin/crm/customer/?q=田中",
        "list_pages": "/admin/crm/customer/?s_per_page=10",  # 12 customers: pages, and the branch filter
        "card": f"/admin/crm/customer/{customer.pk}/change/",
        "daily_report": f"/admin/crm/contacthistory/add/?customer={customer.pk}&quick=1",
    }


# on each screen, targets that must be there and measured (so a renamed id or a broken page cannot make
# the size check pass on nothing)
MUST = {
    "home": ["#quick-q", "#quick-search button[type=submit]", "#search-screen-link"],
    "list": ["#result_list td.field-column_code a", "#result_list a[href^='tel:']", "#result_list a[href^='mailto:']",
             "#result_list label:has(> input.action-select)"],
    "list_pages": ["a.filter-open-button", "#changelist-search input[name=q]", "a[href*='p=2']"],
    "card": ["#customer-reach a", "#c11-scheduled button", ".kokyaku-records td a", "#submit-row button"],
    "daily_report": ["#contacthistory_form textarea", "#submit-row button"],
}


# What a thumb opens on each screen, each measured after a fresh load: [what, selector tapped (its first
# visible match; every match for the tabs)]. Menus and panels closed when the page loads are targets too.
OPENED = {
    "home": [["the sidebar", "#header-inner [x-on\\:click='sidebarToggle()']"]],
    "list": [["a ticked row's actions", "#result_list label:has(> input.action-select)"]],
    "list_pages": [["the filters", "a.filter-open-button"]],
    "card": [["the ⋯ menu", "a[x-on\\:click^='showActions']"],
             ["a pulldown's ⋮ menu", ".related-widget-wrapper [x-on\\:click]"],
             ["every tab", "form nav > a[x-bind\\:class]"]],
    "daily_report": [["a pulldown's ⋮ menu", ".related-widget-wrapper [x-on\\:click]"]],
}


# once a menu's opening transition has run (measured halfway, a 44-px item is 42)
SETTLED = """async () => { await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
    await Promise.all(document.getAnimations().map(a => a.finished.catch(() => null))); }"""


def under_44(page, where):
    """The tap targets on the page now that are under 44 × 44 px, as 'where: element w×h'."""
    page.evaluate(SETTLED)
    return [f"{where}: {what} {w}×{h}" for what, w, h, inline in page.evaluate(TAP_TARGETS)
            if (w < 44 or h < 44) and not inline]


@pytest.fixture
def phone(browser, live_server):
    """A phone's browser: a touch screen, the page laid out by its <meta viewport>, Japanese."""
    context = browser.new_context(locale="ja-JP", viewport={"width": 375, "height": 740}, has_touch=True,
                                  is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.mark.parametrize("width,height", PHONES, ids=["360x640", "375x740"])
def test_i3_phone_screens_fit_the_screen_with_44px_targets(phone, live_server, width, height):
    page = phone
    # given: a customer with everything the card shows, and a few more in the list
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    customer = rich_customer()
    page.set_viewport_size({"width": width, "height": height})
    login(page, live_server, "kanri")
    small = []
    for name, url in screens(customer).items():
        # when: the screen on the phone
        page.goto(live_server.url + url)
        shot(page, f"i3_{name}_{width}")
        # then: the page is no wider than the screen
        scroll_width, inner_width = page.evaluate(PAGE_WIDTH)
        assert scroll_width <= inner_width == width, (name, scroll_width, inner_width)
        # and every target on it (not a chosen few) is at least 44 × 44 px where a tap hits it
        assert page.evaluate(PRESENT, MUST[name]) == MUST[name], name
        targets = page.evaluate(TAP_TARGETS)
        assert len(targets) >= 5, (name, targets)
        small += under_44(page, name)
        if name == "home":  # the measure itself catches a small target (a 30-px button added for the purpose)
            page.evaluate("""() => document.querySelector('#main').insertAdjacentHTML('beforeend',
                '<button id="probe" style="width: 30px; height: 30px">×</button>')""")
            assert [t for t in under_44(page, name) if "button#probe" in t] == ['home: button#probe "×" 30×30']
            page.evaluate("() => document.querySelector('#probe').remove()")
        # and nothing of it sticks out on the right
        right = page.evaluate("""() => Math.max(...[...document.querySelectorAll('#main a, #main button, #main td')]
            .filter(e => e.offsetParent !== null).map(e => e.getBoundingClientRect().right))""")
        assert right <= width, (name, right)
        # and so are those of the menus and panels a tap opens there
        for n, (what, selector) in enumerate(OPENED.get(name, [])):
            page.goto(live_server.url + url)
            targets = [t for t in page.locator(selector).all() if t.is_visible()]
            assert targets, (name, selector)
            for k, target in enumerate(targets if what == "every tab" else targets[:1]):
                # a row's tick is tapped at its label's corner, away from the 16-px box: the label is what a tap hits
                target.tap(position={"x": 2, "y": 2} if name == "list" else None)
                small += under_44(page, f"{name}, {what}")
                shot(page, f"i3_{name}_{width}_open{n}_{k}")
            if name == "list":
                assert page.locator("#result_list input.action-select").first.is_checked()
    small = list(dict.fromkeys(small))
    assert not small, f"at {width} px, {len(small)} tap targets under 44 × 44 px:\n" + "\n".join(small)
    # the card's phone numbers and email are links to call and write
    page.goto(live_server.url + f"/admin/crm/customer/{customer.pk}/change/")
    assert page.get_attribute("#reach-tel", "href") == "tel:01201234567"
    assert page.get_attribute("#reach-mobile", "href") == "tel:09012345678"
    assert page.get_attribute("#reach-email", "href") == "mailto:saemonsaburo.teshigawara@example.co.jp"
    assert page.locator("#card-phones a[href='tel:0355551234']").inner_text() == "03-5555-1234"
    # the card's tables stack: no header row, each cell beside its heading and wide enough to read in lines
    tables = page.locator(".kokyaku-records")
    assert tables.count() >= 7  # phones, family, mourning, career, orders, estimates, contacts, purchases
    assert all(not head.is_visible() for head in page.locator(".kokyaku-records thead").all())
    cells = page.evaluate("""() => [...document.querySelectorAll('.kokyaku-records td[data-label] > .kokyaku-cell')]
        .filter(c => c.offsetParent !== null && c.innerText.trim().length >= 4)
        .map(c => [c.parentElement.dataset.label, getComputedStyle(c.parentElement, '::before').content,
                   Math.round(c.getBoundingClientRect().width)])""")
    assert len(cells) >= 20
    for label, before, cell_width in cells:
        assert before == f'"{label}"' and cell_width >= 150, (label, before, cell_width)
    # the list: each row a block, its cells beside their headings
    page.goto(live_server.url + "/admin/crm/customer/?q=田中")
    assert not page.locator("#result_list thead").is_visible()
    tel = page.locator("#result_list td.field-column_tel .kokyaku-list-cell").first
    assert tel.evaluate("c => getComputedStyle(c, '::before').content") == '"会社TEL"'
    assert tel.locator("a").get_attribute("href") == "tel:0337915155"


def test_i3_the_same_screens_at_1366(page, live_server):
    # given
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    customer = rich_customer()
    login(page, live_server, "kanri")
    page.set_viewport_size({"width": 1366, "height": 768})
    for name, url in screens(customer).items():
        # when
        page.goto(live_server.url + url)
        shot(page, f"i3_{name}_1366")
        # then: no sideways scroll, and the tables are tables again
        assert page.evaluate(PAGE_WIDTH) == [1366, 1366], name
    page.goto(live_server.url + "/admin/crm/customer/?q=田中")
    assert page.locator("#result_list thead").is_visible()
    assert page.locator("#result_list tbody tr").first.bounding_box()["height"] < 60  # one line a row
    page.goto(live_server.url + f"/admin/crm/customer/{customer.pk}/change/")
    assert page.locator("#contact-histories thead").is_visible()
    heights = [link.bounding_box()["height"] for link in page.locator("#customer-reach a").all()]
    assert len(heights) == 5 and max(heights) < 60, heights  # each button one line


def test_i3_daily_report_from_the_card_in_one_tap_keeps_the_text_on_a_mistake(page, live_server):
    from crm.models import ContactHistory
    from tests.factories import ContactCategoryFactory

    # given: a clerk on a phone, on a customer's card
    from crm import roles

    StaffFactory(username="ippan", roles=[roles.GENERAL], is_head_office=True)
    customer = CustomerFactory(branch=BranchFactory(code="HQ", name="本店"), mobile="090-1234-5678")
    ContactCategoryFactory(name="訪問")
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, live_server, "ippan")
    page.goto(live_server.url + f"/admin/crm/customer/{customer.pk}/change/")
    # when: 日報を入力 is tapped
    page.click("#reach-quick-contact")
    page.wait_for_url("**/contacthistory/add/?customer=*&quick=1")
    shot(page, "i3_daily_report_375")
    # then: the short form, the customer chosen
    assert page.locator("#id_content1").count() == 0 and page.locator("#id_memo").count() == 0
    assert page.locator("#id_customer").input_value() == str(customer.pk)
    # when: a report is typed with a wrong date and saved
    text = "展示会の案内を手渡し。来週、見積を持参する。"
    page.fill("#id_date", "2026/02/30")
    page.select_option("#id_category", label="訪問")
    page.fill("#id_detail", text)
    page.fill("#id_response", "担当者不在のため受付で預けた。")
    page.click("#submit-row button[name=_save]")
    page.wait_for_selector("#id_date_error")
    shot(page, "i3_daily_report_error_375")
    # then: nothing saved; the message at the date; what was typed is still there
    assert not ContactHistory.objects.exists()
    assert "日付を正しく入力してください" in page.inner_text("#id_date_error")
    assert page.locator("#id_detail").input_value() == text
    assert page.locator("#id_response").input_value() == "担当者不在のため受付で預けた。"
    assert page.evaluate(PAGE_WIDTH)[0] <= 375
    # when: the date is corrected
    page.fill("#id_date", "2026/12/07")
    page.click("#submit-row button[name=_save]")
    # then: back on the card, the report at the top of its contact histories
    page.wait_for_url(f"**/admin/crm/customer/{customer.pk}/change/#contact-histories")
    assert "日報を保存しました" in page.inner_text("body")
    assert text in page.inner_text("#contact-histories")
    saved = ContactHistory.objects.get()
    assert (saved.customer_id, saved.date, saved.detail, saved.staff.username) == (
        customer.pk, datetime.date(2026, 12, 7), text, "ippan")
    shot(page, "i3_daily_report_saved_375")
