"""Issue 22, points 20 and 22, through the real admin: what the result list says it shows and what it
offers for the whole result, the home screen's 検索画面, and the small things a user meets daily."""

import re

import pytest
from django.urls import reverse

from crm import roles
from tests.factories import BranchFactory, CustomerFactory, StaffFactory
from tests.helpers import ja_client

pytestmark = pytest.mark.django_db

LIST = "/admin/crm/customer/"


def text(response) -> str:
    """The page's text without tags and runs of white space."""
    body = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def section(response, element_id: str) -> str:
    html = response.content.decode()
    match = re.search(rf'<(\w+)[^>]*id="{element_id}".*?</\1>', html, flags=re.S)
    assert match, element_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


@pytest.fixture
def office(db):
    branch = BranchFactory(code="HQ", name="本店")
    BranchFactory(code="S1", name="渋谷店")
    tokyo = [CustomerFactory(branch=branch, last_name="田中", address=f"東京都港区芝公園{n}") for n in range(12)]
    CustomerFactory(branch=branch, last_name="田中", address="大阪府大阪市北区梅田1-1")
    CustomerFactory(branch=branch, last_name="鈴木", address="東京都新宿区西新宿2-8-1")
    users = {
        "general": StaffFactory(username="general", is_head_office=True, roles=[roles.GENERAL]),
        "read_only": StaffFactory(username="read_only", is_head_office=True, roles=[roles.READ_ONLY]),
    }
    return branch, tokyo, users


def test_i22_20_result_list_says_its_keyword_conditions_and_count(office):
    # given
    branch, tokyo, users = office
    client = ja_client(users["general"])
    # when: a keyword and a condition of the search screen, 10 rows a page
    response = client.get(LIST, {"q": "田中", "s_address": "東京", "s_per_page": "10"})
    # then: the list says what it shows: the keyword, the condition, how many and which of them
    summary = section(response, "search-summary")
    assert "検索結果" in summary
    assert "キーワード" in summary and "田中" in summary
    assert "住所" in summary and "東京" in summary
    assert "12件" in summary and "1〜10件目を表示" in summary
    # the header's count no longer reads as 「すべて表示」 (everything): its link clears the search
    assert not re.search(r"件\s*\(\s*すべて表示", text(response))
    assert re.search(r"12 件\s*\(\s*検索を解除", text(response))
    # and the second page says which rows it shows
    summary = section(client.get(LIST, {"q": "田中", "s_address": "東京", "s_per_page": "10", "p": "2"}),
                      "search-summary")
    assert "11〜12件目を表示" in summary
    # a filter of the list is a condition too, and an unsearched list says it holds every customer
    summary = section(client.get(LIST, {"branch__id__exact": branch.pk}), "search-summary")
    assert "店舗・拠点" in summary and "本店" in summary and "14件" in summary
    summary = section(client.get(LIST), "search-summary")
    assert "すべての顧客" in summary and "14件" in summary and "キーワード" not in summary


def test_i22_20_bulk_change_export_and_print_of_the_whole_result_in_plain_view(office):
    # given
    branch, tokyo, users = office
    client = ja_client(users["general"])
    query = {"q": "田中", "s_address": "東京", "s_per_page": "10"}
    # when: the result list is opened
    response = client.get(LIST, query)
    # then: buttons for the whole result (12 customers, though a page shows 10), no ticking needed
    tools = section(response, "result-tools")
    for label in ("会社情報の一括変更", "チェック項目の一括設定", "出力", "印刷"):
        assert label in tools, label
    html = response.content.decode()
    form = re.search(r'<form[^>]*id="bulk-whole-update_company_block".*?</form>', html, flags=re.S).group(0)
    action = re.search(r'action="([^"]*)"', form).group(1).replace("&amp;", "&")
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    # when: the 一括変更 button is pressed (its form posted as the browser does)
    response = client.post(LIST + action, {**fields, "_selected_action": fields["_selected_action"]})
    # then: its confirmation covers the whole result
    assert response.status_code == 200
    assert "12件の顧客を変更します" in section(response, "bulk-count")
    # and applied (チェック項目の一括設定 here), it changes the 12, not the page's 10 nor the 大阪 one
    form = re.search(r'<form[^>]*id="bulk-whole-set_checkboxes".*?</form>', html, flags=re.S).group(0)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    confirm = client.post(LIST + action, fields)
    sent = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"',
                           re.search(r'<form[^>]*id="bulk-form".*?</form>', confirm.content.decode(), flags=re.S).group(0)))
    client.post(LIST + action, {**sent, "tick": ["check1"], "reason": "一括設定"})
    from crm.models import Customer

    assert set(Customer.objects.filter(check1=True).values_list("pk", flat=True)) == {c.pk for c in tokyo}
    # 出力 and 印刷 carry the search
    assert "s_address" in re.search(r'id="export-link"[^>]*href="([^"]*)"|href="([^"]*)"[^>]*id="export-link"', html).group(0)
    assert "s_address" in re.search(r'id="print-link"[^>]*href="([^"]*)"|href="([^"]*)"[^>]*id="print-link"', html).group(0)
    # a read-only user is offered no bulk change
    tools = section(ja_client(users["read_only"]).get(LIST, query), "result-tools")
    assert "一括変更" not in tools and "一括設定" not in tools


def test_i22_20_home_screen_has_a_search_screen_button(office):
    _branch, _tokyo, users = office
    response = ja_client(users["general"]).get("/admin/")
    link = re.search(r'<a[^>]*id="search-screen-link"[^>]*>(.*?)</a>', response.content.decode(), flags=re.S)
    assert link and "検索画面" in link.group(1)
    assert reverse("admin:crm_customer_search") in link.group(0)


# --- point 22: the small things -----------------------------------------------------------------
@pytest.fixture
def admin(db):
    return StaffFactory(username="kanri", is_superuser=True, is_head_office=True)


def test_i22_22_audit_entry_is_titled_in_japan_time(admin):
    import datetime

    from audit import events
    from audit.models import AuditEvent

    # given: an entry written at 03:44 UTC (12:44 in Tokyo)
    event = events.record(AuditEvent.Action.LOGIN, user=admin)
    AuditEvent.objects.filter(pk=event.pk).update(at=datetime.datetime(2026, 12, 3, 3, 44, tzinfo=datetime.UTC))
    # when
    response = ja_client(admin).get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    # then: its title says the time its 日時 says
    title = re.search(r"<title>(.*?)</title>", response.content.decode(), flags=re.S).group(1)
    assert "2026/12/03 12:44" in title and "03:44" not in title
    assert "2026/12/03 12:44" in text(response).split("</title>")[-1]


def test_i22_22_scheduled_change_box_follows_the_era_setting(admin):
    import datetime

    from crm import dates
    from fieldconfig.models import SystemSetting
    from scheduling.models import ScheduledChange

    # given: 和暦 and a change scheduled for 2027/04/01
    setting = SystemSetting.objects.first() or SystemSetting()
    setting.date_display = dates.JAPANESE
    setting.save()
    customer = CustomerFactory(branch=BranchFactory(code="HQ", name="本店"), address="東京都品川区東品川1-1")
    ScheduledChange.objects.create(customer=customer, created_by=admin, effective_date=datetime.date(2027, 4, 1),
                                   changes={"address": "大阪府大阪市北区梅田1-1"},
                                   base_values={"address": "東京都品川区東品川1-1"})
    # when
    response = ja_client(admin).get(reverse("admin:crm_customer_change", args=[customer.pk]))
    # then
    box = section(response, "c11-scheduled")
    assert "令和9年4月1日" in box and "2027/04/01" not in box


@pytest.mark.parametrize("typed, shown", [
    ("０３－１２３４", "０３－１２３４"),  # each character as typed, the 3 twice
    ("03-１２３４-5６７８", "１２３４、６７８"),  # runs, as typed
    ("ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ", "ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴ…"),
])
def test_i22_22_input_rule_message_shows_the_typed_characters_faithfully(ja, typed, shown):
    from fieldconfig import rules

    outcome = rules.apply(rules.InputRule(width=rules.HALF_ONLY), typed, label="会社TEL")
    assert outcome.error == f"入力ルール「半角のみ」: 会社TELに全角文字（{shown}）は入力できません。"


def test_i22_22_lists_and_groups_are_titled_in_an_offices_words(admin):
    # (every admin page is read for the catalogs' words by the admin walk: tests/test_admin_walk.py)
    client = ja_client(admin)
    titles = {url: re.search(r"<title>(.*?) \|", client.get(url).content.decode()).group(1).strip()
              for url in ("/admin/crm/customer/", "/admin/audit/auditevent/", "/admin/auth/group/")}
    assert titles == {"/admin/crm/customer/": "顧客一覧", "/admin/audit/auditevent/": "アクセスログ一覧",
                      "/admin/auth/group/": "権限グループ一覧"}
    breadcrumbs = text(client.get("/admin/auth/group/add/"))
    assert "利用者と権限" in breadcrumbs and "権限グループを追加" in breadcrumbs


def test_i22_22_export_screen_opened_from_the_list_leads_back_to_it(office):
    from urllib.parse import urlencode

    # given: the export screen opened from a searched customer list, from ticked rows, and from its own list
    _branch, tokyo, users = office
    client = ja_client(users["general"])
    query = urlencode({"q": "田中", "s_address": "東京"})
    searched = client.get("/admin/dataio/exportjob/add/", {"source": "customers", "query": query})
    ticked = client.get("/admin/dataio/exportjob/add/", {"source": "customers", "ids": f"{tokyo[0].pk},{tokyo[1].pk}"})
    plain = client.get("/admin/dataio/exportjob/add/")
    # then: 「一覧に戻る」 leads back where it came from, the search kept

    def back(response):
        match = re.search(r'<a href="([^"]*)" id="export-back"[^>]*>\s*一覧に戻る', response.content.decode())
        assert match, "no 一覧に戻る"
        return match.group(1).replace("&amp;", "&")

    assert back(searched) == f"{LIST}?{query}"
    assert back(ticked) == LIST
    assert back(plain) == "/admin/dataio/exportjob/"


def test_i22_22_system_settings_open_the_one_record(admin):
    from fieldconfig.models import SystemSetting

    # given: the office's one settings record
    setting = SystemSetting.objects.order_by("pk").first() or SystemSetting.objects.create()
    client = ja_client(admin)
    # when: 設定 → システム設定
    response = client.get("/admin/fieldconfig/systemsetting/")
    # then: the record opens, not a list of one row
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:fieldconfig_systemsetting_change", args=[setting.pk])
    assert client.get(response["Location"]).status_code == 200


def test_i22_22_login_page_has_no_link_back_to_itself(db):
    from django.test import Client

    # when: the login page, logged out
    response = Client(HTTP_ACCEPT_LANGUAGE="ja").get("/admin/login/")
    # then: no 「サイトに戻る」 (it led to "/", which is the login again)
    assert response.status_code == 200
    assert "サイトに戻る" not in text(response)
    assert 'href="/"' not in response.content.decode()


def test_i22_22_staff_list_shows_each_persons_branches():
    from tests.personas import build_world

    # given: head office, a branch user and a branch admin of one store
    world = build_world()
    client = ja_client(world.users["hq_admin"])
    # when: 設定 → 利用者
    response = client.get("/admin/crm/staff/")
    html = response.content.decode()
    # then: a 店舗・拠点 column says each person's branches
    headers = re.findall(r"<th[^>]*>(.*?)</th>", html, flags=re.S)
    assert any("店舗・拠点" in h for h in headers)
    rows = {m.group(1): re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(0)))
            for m in re.finditer(r'<tr[^>]*>.*?<a[^>]*>(\w+)</a>.*?</tr>', html, flags=re.S)}
    assert "渋谷店" in rows["branch_a"] and "新宿店" not in rows["branch_a"]
    assert "新宿店" in rows["branch_b"]
    assert "全店舗（本部）" in rows["hq_admin"]


def test_i22_22_saving_a_card_without_changes_adds_no_history_row(admin):
    from tests.helpers import card_post_data

    # given: a customer with a history of one version
    customer = CustomerFactory(branch=BranchFactory(code="HQ", name="本店"), address="東京都品川区東品川1-1",
                               last_name_kana="タナカ", check3=True)
    client = ja_client(admin)
    url = reverse("admin:crm_customer_change", args=[customer.pk])
    versions = customer.history.count()
    # when: the card is saved as it is (with a 更新目的 typed, even)
    response = client.post(url, card_post_data(customer, change_reason="確認のみ"))
    # then: nothing new in its history
    assert response.status_code == 302
    assert customer.history.count() == versions
    # when: a field changes, it is one version more
    response = client.post(url, card_post_data(customer, address="大阪府大阪市北区梅田1-1"))
    assert response.status_code == 302 and customer.history.count() == versions + 1


def badges(response) -> list[tuple[str, int]]:
    """The tabs' error badges: (the tab's text, the number on it)."""
    html = response.content.decode()
    return [(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", tab)).strip(), int(number)) for tab, number in
            re.findall(r"<a[^>]*>((?:(?!</a>).)*?)<span[^>]*bg-red-500[^>]*>\s*(\d+)\s*</span>", html, flags=re.S)]


def test_i22_22_an_empty_warning_is_a_warning_not_an_error(admin):
    from fieldconfig.models import FieldSetting
    from tests.helpers import card_post_data

    # given: 空欄時に警告 on 携帯TEL
    setting = FieldSetting.objects.get(model="customer", field_name="mobile")
    setting.warn_if_empty = True
    setting.save()
    branch = BranchFactory(code="HQ", name="本店")
    # when: a customer is saved with 携帯TEL empty
    response = ja_client(admin).post(reverse("admin:crm_customer_add"),
                                     card_post_data(branch=branch, last_name="山田", first_name="花子"))
    # then: asked once, as a warning: no red 「エラーを修正してください」, the box not in red
    assert response.status_code == 200
    page = text(response)
    assert "空欄のまま保存" in page and "携帯TELが空欄です" in page
    assert "エラーを修正してください" not in page
    box = re.search(r'<div id="empty-warning"[^>]*>', response.content.decode()).group(0)
    assert "red" not in box
    # one problem, one on each badge
    assert badges(response) and all(number == 1 for _tab, number in badges(response)), badges(response)


def test_i22_22_error_badges_count_each_problem_once(admin):
    from tests.helpers import card_post_data

    branch = BranchFactory(code="HQ", name="本店")
    CustomerFactory(branch=branch, last_name="高橋", first_name="花子", tel="", email="")
    client = ja_client(admin)
    # when: the same name as a stored customer (one problem of the whole form)
    response = client.post(reverse("admin:crm_customer_add"), card_post_data(branch=branch, last_name="高橋",
                                                                              first_name="花子"))
    # then: 1 on its badge, not 2
    assert response.status_code == 200 and "重複を確認して保存" in text(response)
    assert [number for _tab, number in badges(response)] == [1], badges(response)
    # when: two fields wrong: 2 on the form's badge, 1 on each field's tab
    response = client.post(reverse("admin:crm_customer_add"), card_post_data(
        branch=branch, last_name="鈴木", postal_code="abc", contact_postal_code="12"))
    numbers = dict(badges(response))
    assert numbers.get("基本情報") == 2 and numbers.get("顧客情報") == 1 and numbers.get("連絡先") == 1, numbers
