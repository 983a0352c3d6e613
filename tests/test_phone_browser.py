"""I3 (issue 27, point 3): the phone screens at 360 × 640 and 375 × 740."""

import datetime
import os
from pathlib import Path

import pytest

from tests.factories import (BranchFactory, CareerEntryFactory, ContactHistoryFactory, CustomerFactory,
                             EstimateFactory, FamilyMemberFactory, MourningFactory, OrderFactory, PurchaseFactory,
                             StaffFactory)
from tests.test_browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("KOKYAKU_PHONE_SHOTS", "/tmp/kokyaku-phone-screens"))
PHONES = [(360, 640), (375, 740)]

PAGE_WIDTH = "[document.documentElement.scrollWidth, window.innerWidth]"
# every visible element of the selectors, with its box: [selector, text, width, height]
TARGETS = """(selectors) => selectors.flatMap(s => [...document.querySelectorAll(s)]
    .filter(e => e.offsetParent !== null || getComputedStyle(e).position === 'fixed')
    .map(e => { const r = e.getBoundingClientRect(); return [s, (e.innerText || e.value || e.name || '').trim().slice(0, 30),
                Math.round(r.width), Math.round(r.height)]; }))"""


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
    OrderFactory(customer=customer)
    EstimateFactory(customer=customer)
    for n in range(4):
        CustomerFactory(branch=branch, last_name=f"田中{n}", email=f"tanaka{n}.long.address@example.co.jp")
    return customer


def test_explore(page, live_server):
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    customer = rich_customer()
    login(page, live_server, "kanri")
    for width, height in PHONES + [(1366, 768)]:
        page.set_viewport_size({"width": width, "height": height})
        for name, url in [("home", "/admin/"), ("list", "/admin/crm/customer/?q=田中"),
                          ("card", f"/admin/crm/customer/{customer.pk}/change/"),
                          ("contact_add", f"/admin/crm/contacthistory/add/?customer={customer.pk}&quick=1")]:
            page.goto(live_server.url + url)
            shot(page, f"{name}_{width}")
            print(name, width, page.evaluate(PAGE_WIDTH))
            small = [t for t in page.evaluate(TARGETS, ["a", "button", "input:not([type=hidden])", "select", "textarea"])
                     if t[2] < 44 or t[3] < 44]
            print("  small:", len(small), small[:40])
            if width == 360 and name == "card":
                print(page.evaluate("[...document.querySelectorAll('a')].filter(a => a.innerText.trim() == '連絡先')[0].parentElement.outerHTML.slice(0, 600)"))
                print(page.evaluate("[...document.querySelectorAll('a')].filter(a => a.innerText.trim() == '連絡先')[0].outerHTML"))
                print(page.evaluate("[...document.querySelectorAll('a')].filter(a => a.innerText.trim() == 'add')[0].outerHTML"))
                print(page.evaluate("[...document.querySelectorAll('button')].filter(a => a.innerText.trim() == '')[0].outerHTML"))
            if width == 360 and name == "list":
                print(page.evaluate("document.querySelector('#result_list tr.data-row').outerHTML"))
                print(page.evaluate("[...document.querySelectorAll('a')].filter(a => a.innerText.trim() == '検索を解除')[0].outerHTML"))
