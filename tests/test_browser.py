"""Browser tests: Playwright for Python driving Debian's chromium against the live admin."""

from pathlib import Path

import pytest

from crm.models import Customer
from tests.factories import BranchFactory, CustomerFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# The chromium fixtures (browser, page) are in tests/conftest.py.
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
PASSWORD = "pass-Kokyaku-2026"


def login(page, live_server, username):
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")


def shot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_j1_c3_c4_rename_remark_edit_with_purpose_and_find_it_in_history(page, live_server):
    # given
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    customer = CustomerFactory(branch=BranchFactory(code="HQ", name="本店"), address="東京都港区東品川1-1-100")

    # when: log in, find the home screen in Japanese
    login(page, live_server, "kanri")
    assert page.locator("#quick-search").is_visible()
    assert "顧客を探す" in page.content()
    shot(page, "home")

    # when: rename 備考1 on the 項目名設定 screen
    page.goto(live_server.url + "/admin/fieldconfig/fieldsetting/?model__exact=customer&q=remark1")
    page.click("a:text-is('備考1')")
    page.fill("input[name=label]", "ご紹介者")
    page.click("button[name=_save]")
    page.wait_for_url("**/fieldconfig/fieldsetting/**")

    # then: the card shows the new label
    page.goto(live_server.url + f"/admin/crm/customer/{customer.pk}/change/")
    page.locator("a:text-is('備考')").first.click()
    assert page.locator("label[for=id_remark1]").inner_text().strip().startswith("ご紹介者")
    shot(page, "card-remarks")

    # when: edit the customer with a 更新目的
    page.locator("a:text-is('顧客情報')").first.click()
    page.fill("input[name=address]", "大阪府大阪市北区梅田1-1-1")
    page.fill("input[name=change_reason]", "移転のため住所を変更")
    page.click("button[name=_continue]")
    page.wait_for_load_state()
    assert Customer.objects.get(pk=customer.pk).address == "大阪府大阪市北区梅田1-1-1"

    # then: the history page lists the change, its purpose and the field by its label
    page.goto(live_server.url + f"/admin/crm/customer/{customer.pk}/history/")
    history = page.content()
    assert "移転のため住所を変更" in history
    assert "大阪府大阪市北区梅田1-1-1" in history and "住所" in history
    shot(page, "history")


def test_c1_department_narrows_staff_pulldown_in_the_browser(page, live_server):
    from tests.factories import StaffDepartmentFactory

    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    BranchFactory(code="HQ", name="本店")
    sales, affairs = StaffDepartmentFactory(name="営業部"), StaffDepartmentFactory(name="総務部")
    StaffFactory(username="eigyo", display_name="営業 一郎", department=sales)
    StaffFactory(username="soumu", display_name="総務 花子", department=affairs)
    login(page, live_server, "kanri")
    page.goto(live_server.url + "/admin/crm/customer/add/")
    page.select_option("select[name=staff_department]", label="営業部")
    visible = page.eval_on_selector_all("select[name=staff] option", "os => os.filter(o => !o.hidden).map(o => o.text)")
    assert "営業 一郎" in visible and "総務 花子" not in visible


def test_s2_s4_combined_search_on_the_screen_then_toggle_a_checkbox(page, live_server):
    import datetime

    from tests.factories import ContactHistoryFactory, PurchaseFactory

    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    branch = BranchFactory(code="HQ", name="本店")
    wanted = CustomerFactory(branch=branch, last_name="田中", address="東京都港区芝公園4-2-8")
    no_purchase = CustomerFactory(branch=branch, last_name="田村", address="東京都新宿区西新宿2-8-1")
    CustomerFactory(branch=branch, last_name="大阪", address="大阪府大阪市北区梅田1-1")
    for customer in (wanted, no_purchase):
        ContactHistoryFactory(customer=customer, date=datetime.date(2024, 6, 1))
    PurchaseFactory(customer=wanted, date=datetime.date(2024, 6, 2), quantity=5, unit_price=3000)

    login(page, live_server, "kanri")
    page.goto(live_server.url + "/admin/")
    page.click("#saved-searches a:text-is('詳細検索')")
    page.fill("input[name=s_address]", "東京")
    page.fill("input[name=s_c_date_from]", "2024-01-01")
    page.fill("input[name=s_p_total_min]", "10000")
    page.check("input[name=s_cols][value=check3]")
    shot(page, "advanced-search")
    page.click("#advanced-search button[type=submit]")
    page.wait_for_url("**/admin/crm/customer/?*")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert wanted.code in rows.first.inner_text() and no_purchase.code not in page.content()
    shot(page, "search-result")

    box = page.locator("input.kokyaku-toggle[data-field=check3]")
    with page.expect_response(lambda r: "toggle-check" in r.url) as response:
        box.check()
    assert response.value.ok
    wanted.refresh_from_db()
    assert wanted.check3
    assert wanted.history.first().history_change_reason == "一覧から変更"


def test_r3_admin_restricts_a_field_on_screen_and_a_non_member_no_longer_sees_it(page, live_server):
    from django.apps import apps
    from django.contrib.auth.models import Group

    from crm import roles

    # given: a customer with a VIP remark, an admin, a general user outside the secretaries
    roles.sync_roles(apps)  # a transactional test: earlier ones flushed the migration's groups
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    StaffFactory(username="ippan", is_head_office=True, roles=[roles.GENERAL])
    Group.objects.create(name="秘書部門")
    customer = CustomerFactory(branch=BranchFactory(code="HQ", name="本店"), remark2="奥様は茶道の師範")

    # when: the admin restricts 備考2 to 秘書部門 on the 項目名設定 screen
    login(page, live_server, "kanri")
    page.goto(live_server.url + "/admin/fieldconfig/fieldsetting/?model__exact=customer&q=remark2")
    page.click("a:text-is('備考2')")
    page.fill("input[name=label]", "VIP情報")
    page.select_option("select[name=visible_to]", label="秘書部門")
    shot(page, "field-setting-restricted")
    page.click("button[name=_save]")
    page.wait_for_url("**/fieldconfig/fieldsetting/**")
    page.goto(live_server.url + f"/admin/crm/customer/{customer.pk}/change/")
    assert "VIP情報" in page.content()  # the admin (a superuser) still sees it

    # then: the general user sees neither the label nor the value, on the card or the export screen
    page.context.clear_cookies()
    login(page, live_server, "ippan")
    page.goto(live_server.url + f"/admin/crm/customer/{customer.pk}/change/")
    page.locator("a:text-is('備考')").first.click()
    card = page.content()
    assert "VIP情報" not in card and "奥様は茶道の師範" not in card
    shot(page, "card-without-restricted-field")
    page.goto(live_server.url + "/admin/dataio/exportjob/add/")
    assert "VIP情報" not in page.content()


def test_x1_x2_import_a_cp932_file_through_preview_and_progress_then_download_a_cp932_export(page, live_server):
    from django.apps import apps

    from crm import roles
    from tests.helpers import run_worker

    # given: an admin and a CP932 file as Japanese Excel saves it (NEC / IBM extension characters)
    roles.sync_roles(apps)
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    BranchFactory(code="HQ", name="本店")
    data = ("顧客コード,店舗,姓,名,会社名,生年月日,チェック1\r\n"
            ",HQ,髙橋,①郎,㈱山﨑商事,1985/4/1,○\r\n,本店,佐藤,花子,,1990-04-01,0\r\n").encode("cp932")

    # when: the admin opens 取込 from the customer list and uploads it
    login(page, live_server, "kanri")
    page.goto(live_server.url + "/admin/crm/customer/")
    page.click("#import-link")
    page.select_option("select[name=target]", "customers")
    page.set_input_files("input[name=file]", files=[{"name": "顧客.csv", "mimeType": "text/csv", "buffer": data}])
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("[role=progressbar]")
    shot(page, "import-progress")
    run_worker()  # the worker checks the file while the page polls its progress

    # then: the preview names the encoding and the counts, and writes nothing yet
    page.wait_for_selector("#import-result", timeout=20000)
    assert page.inner_text("#import-encoding") == "Shift_JIS (CP932)"
    assert page.inner_text("#import-new") == "2" and page.inner_text("#import-bad") == "0"
    assert "髙橋" in page.inner_text("#import-sample")
    assert not Customer.objects.exists()
    shot(page, "import-preview")

    # when: the admin confirms
    page.click("#import-confirm button")
    page.wait_for_selector("[role=progressbar]")
    run_worker()
    page.wait_for_selector("text=一覧を開く", timeout=20000)
    shot(page, "import-done")
    takahashi = Customer.objects.get(last_name="髙橋")
    assert takahashi.company_name == "㈱山﨑商事" and takahashi.check1

    # when: the admin exports the list (CP932, the default)
    page.goto(live_server.url + "/admin/crm/customer/")
    page.click("#export-link")
    shot(page, "export-form")
    with page.expect_download() as download_info:
        page.click("#export-submit")
    text = Path(download_info.value.path()).read_bytes().decode("cp932")
    assert text.startswith("顧客コード,") and "㈱山﨑商事" in text and "①郎" in text


def test_p1_p3_p4_print_screen_names_the_problem_customers_and_prints_vertical_postcards(page, live_server):
    from tests.factories import CustomerFactory

    # given
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    branch = BranchFactory(code="HQ", name="本店")
    CustomerFactory(branch=branch, code="P001", postal_code="150-0001", address="東京都渋谷区神宮前1-2-3")
    CustomerFactory(branch=branch, code="P002", last_name="𠮷田", postal_code="150-0001", address="東京都渋谷区1-1")
    login(page, live_server, "kanri")
    # when: from the list to the print screen
    page.goto(live_server.url + "/admin/crm/customer/")
    page.click("#print-link")
    # then
    page.wait_for_selector("#print-form")
    assert "2件の顧客が検索されています。" in page.inner_text("#print-count")
    assert "フォントにない文字: 𠮷" in page.inner_text("#print-problems")
    assert "はがき（縦書き）" in page.inner_text("#print-kinds")
    # a start position outside 1–12 is refused at its field, and the choice is kept
    page.check("input[name=kind][value=labels]")
    page.wait_for_url("**kind=labels**")  # the screen reloads to list the problems of labels
    page.fill("input[name=start]", "13")
    page.click("#print-submit")
    page.wait_for_selector(".kokyaku-field-error")
    assert "1から12までのラベル位置を入力してください。" in page.inner_text(".kokyaku-field-error")
    assert page.is_checked("input[name=kind][value=labels]") and page.input_value("input[name=start]") == "13"
    shot(page, "p3-print-screen")
    # vertical postcards come back as a PDF
    page.fill("input[name=start]", "1")
    page.check("input[name=kind][value=postcards_vertical]")
    page.wait_for_url("**kind=postcards_vertical**")
    with page.expect_response(lambda r: r.request.method == "POST" and "/print/" in r.url) as answer:
        page.click("#print-submit")
    response = answer.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert "postcards_vertical.pdf" in response.headers["content-disposition"]


def test_p4_point11_22_the_problem_table_keeps_code_name_and_reason_apart_for_the_kind_chosen(page, live_server):
    # given: a company whose name cannot fit a postcard even in the smallest type, and one that prints
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    branch = BranchFactory(code="HQ", name="本店")
    CustomerFactory(branch=branch, code="NPO001", last_name="", first_name="", postal_code="060-0001",
                    company_name="特定非営利活動法人日本さっぽろ国際交流文化振興協会",
                    address="北海道札幌市中央区北一条西七丁目1-1-1", send_to=Customer.SendTo.COMPANY)
    CustomerFactory(branch=branch, code="LONG01", last_name="", first_name="", postal_code="150-0002",
                    company_name="株式会社" + "あいうえおかきくけこさしすせそたちつて" * 10, department="総務部" * 50,
                    address="東京都渋谷区渋谷1-1", send_to=Customer.SendTo.COMPANY)
    login(page, live_server, "kanri")
    page.goto(live_server.url + "/admin/crm/customer/print/")
    assert page.locator("#print-problem-table").count() == 0  # the list prints them both
    # when: vertical postcards are chosen, with a start position and the sender typed first
    page.fill("input[name=start]", "5")
    page.check("#id_with_sender")
    page.check("input[name=kind][value=postcards_vertical]")
    page.wait_for_url("**kind=postcards_vertical**")
    # then: the screen names the one that cannot fit, in three columns that do not run together
    assert page.is_checked("input[name=kind][value=postcards_vertical]") and page.is_checked("#id_with_sender")
    assert page.input_value("input[name=start]") == "5"
    for width in (1366, 375):
        page.set_viewport_size({"width": width, "height": 900})
        headers = [h.get_attribute("data-label") for h in page.locator("#print-problem-table td").all()]
        assert headers == ["顧客コード", "宛名", "理由"]  # the column headings at 1366, above each cell at 375
        row = page.locator("#print-problem-table tbody tr")
        assert row.count() == 1
        cells = row.first.locator("td")
        boxes = [cells.nth(i).bounding_box() for i in range(3)]
        for a, b in zip(boxes, boxes[1:]):  # side by side (1366) or one under the other (375), never on each other
            assert a["x"] + a["width"] <= b["x"] + 0.5 or a["y"] + a["height"] <= b["y"] + 0.5, (width, a, b)
        assert all(box["x"] >= 0 and box["x"] + box["width"] <= width for box in boxes), (width, boxes)
        assert cells.nth(0).inner_text().endswith("LONG01")
        assert cells.nth(2).inner_text().endswith("最小の文字サイズでもはがきに収まりません。")
        assert page.evaluate("getComputedStyle(document.querySelector('#print-problem-table td')).paddingLeft") != "0px"
        shot(page, f"p4-print-problems-{width}")
    # and the postcards print, the NPO alone
    with page.expect_response(lambda r: r.request.method == "POST" and "/print/" in r.url) as answer:
        page.click("#print-submit")
    assert answer.value.status == 200 and answer.value.headers["content-type"] == "application/pdf"


def test_h2_point9_choosing_a_product_fills_the_form_and_the_amount_follows(page, live_server):
    from django.apps import apps

    from crm import roles
    from crm.models import Purchase
    from tests.factories import ProductFactory

    # given: a general user of one branch, a customer there, a product in the master
    roles.sync_roles(apps)  # a transactional test: earlier ones flushed the migration's groups
    branch = BranchFactory(code="HQ", name="本店")
    StaffFactory(username="ippan", roles=[roles.GENERAL], branches=[branch])
    customer = CustomerFactory(branch=branch)
    ProductFactory(code="CDR58974", name="650MB-CD-R", category="消耗品", unit_price=700)
    page.set_viewport_size({"width": 1366, "height": 900})

    # when: from the card, add a purchase and pick the product in the autocomplete
    login(page, live_server, "ippan")
    page.goto(live_server.url + f"/admin/crm/customer/{customer.pk}/change/")
    page.click("a:text-is('購買履歴を追加')")
    page.wait_for_selector("#id_product")
    page.click("#id_product + .select2")
    page.keyboard.type("CDR")
    page.locator(".select2-results__option:has-text('650MB-CD-R')").click()

    # then: code, name, category and unit price are there before saving, and the amount is computed
    page.wait_for_function("document.getElementById('id_product_code').value === 'CDR58974'")
    assert page.input_value("#id_product_name") == "650MB-CD-R"
    assert page.input_value("#id_product_category") == "消耗品"
    assert page.input_value("#id_unit_price") == "700"
    assert page.input_value("#id_amount") == "700"

    # when: the quantity is typed, the amount follows
    page.fill("#id_quantity", "3")
    assert page.input_value("#id_amount") == "2100"
    shot(page, "purchase-form")

    # when: the user types an amount of their own, it stays when the quantity changes
    page.fill("#id_amount", "2000")
    page.fill("#id_quantity", "4")
    assert page.input_value("#id_amount") == "2000"
    # clearing it gives the computed amount back
    page.fill("#id_amount", "")
    assert page.input_value("#id_amount") == "2800"
    page.fill("#id_amount", "2500")
    page.click("button[name=_save]")
    page.wait_for_load_state()

    # then: saved as shown
    purchase = Purchase.objects.get(customer=customer)
    assert (purchase.product_code, purchase.product_name, purchase.unit_price) == ("CDR58974", "650MB-CD-R", 700)
    assert (purchase.quantity, purchase.amount) == (4, 2500)

    # when: on the purchase's own page, another product replaces the filled values
    ProductFactory(code="M256", name="256MBメモリ", category="周辺機器", unit_price=1000)
    page.goto(live_server.url + f"/admin/crm/purchase/{purchase.pk}/change/")
    page.fill("#id_amount", "")  # back to quantity × unit price
    page.click("#id_product + .select2")
    page.keyboard.type("M256")
    page.locator(".select2-results__option:has-text('256MBメモリ')").click()
    page.wait_for_function("document.getElementById('id_product_code').value === 'M256'")
    assert page.input_value("#id_unit_price") == "1000"
    assert page.input_value("#id_amount") == "4000"


def test_h3_point11_family_editor_columns_fit_and_read_at_1366(page, live_server):
    from crm.models import FamilyMember
    from tests.factories import FamilyMemberFactory

    # given
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    customer = CustomerFactory(branch=BranchFactory(code="HQ", name="本店"))
    FamilyMemberFactory(customer=customer, name="山田 花子", name_kana="ヤマダ ハナコ", relation="配偶者",
                        occupation="公務員", hobbies="音楽鑑賞とゴルフ")
    page.set_viewport_size({"width": 1366, "height": 900})

    # when: the family editor opens on the card at 1366 px, with a row added
    login(page, live_server, "kanri")
    page.goto(live_server.url + f"/admin/crm/customer/{customer.pk}/change/?edit=family")
    page.locator("a:text-is('家族')").first.click()
    page.get_by_text("家族を追加").click()

    # then: the table needs no sideways scrolling, and each input is wide enough for what it holds
    overflow = page.evaluate("""() => { const w = document.querySelector('#family-group .formset-wrapper');
                                        return w.scrollWidth - w.clientWidth; }""")
    assert overflow <= 0
    for name in ("name", "name_kana", "hobbies", "birth_date", "registered_on"):
        fits = page.evaluate(f"""() => {{ const e = document.querySelector('[name=family-0-{name}]');
                                          return e.scrollWidth <= e.clientWidth; }}""")
        assert fits, name
    assert page.locator("select[name=family-1-gender] option:checked").inner_text().strip() == "－"
    shot(page, "family-editor")

    # when: a reading is typed in hiragana and saved
    page.fill("input[name=family-1-name]", "山田 徹")
    page.fill("input[name=family-1-name_kana]", "やまだ とおる")
    page.click("button[name=_continue]")
    page.wait_for_load_state()

    # then
    assert FamilyMember.objects.get(name="山田 徹").name_kana == "ヤマダ トオル"


def test_r1_c4_point7_point8_staff_role_and_version_pages_fit_1366(page, live_server):
    from django.apps import apps
    from django.contrib.auth.models import Group

    from crm import roles, services

    # given: the roles, two branches, a branch user, a customer changed once with a purpose
    roles.sync_roles(apps)  # a transactional test: earlier ones flushed the migration's groups
    branch = BranchFactory(code="HQ", name="本店")
    BranchFactory(code="B1", name="渋谷店")
    admin = StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    user = StaffFactory(username="ippan", roles=[roles.GENERAL], branches=[branch])
    customer = CustomerFactory(branch=branch, department="営業部")
    customer.department = "総務部"
    services.customer_save(customer=customer, user=admin, reason="部署異動のため")
    version = customer.history.first()
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, live_server, "kanri")

    def fits(path, name):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        shot(page, name)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366, name
        return page

    # then: each page fits 1366 px and says what it should, in Japanese
    staff_page = fits(f"/admin/crm/staff/{user.pk}/change/", "staff")
    assert staff_page.locator("input[type=checkbox][name=branches]").count() == 2
    assert staff_page.locator("label:has(input[name=branches]):has-text('渋谷店')").count() == 1
    assert staff_page.locator("label:has(input[name=groups]):has-text('参照のみ（顧客の参照）')").count() == 1
    role_page = fits(f"/admin/auth/group/{Group.objects.get(name=roles.GENERAL).pk}/change/", "role")
    assert role_page.locator("label:has(input[name=capabilities]:checked)").all_inner_texts() == [
        "顧客の参照（一覧・カード・履歴・検索・マスタの参照）",
        "顧客の編集・追加（顧客・応対履歴・購買履歴・家族・前職の編集と追加、履歴の削除）",
        "出力（CSV・Excelファイル）", "印刷（一覧表・宛名ラベル・はがき（PDF））",
    ]
    fits("/admin/auth/group/", "roles")
    version_page = fits(f"/admin/crm/customer/{customer.pk}/history/{version.history_id}/", "history-version")
    facts = version_page.locator("#version-facts").inner_text()
    assert "部署異動のため" in facts and str(admin) in facts and "保存日時" in facts
# Each list cell's text: its height and the cell's line height (one line: height < 1.5 × line).
CELL_LINES = """() => [...document.querySelectorAll('#result_list tbody td, #result_list tbody th')].map(td => {
    const range = document.createRange();
    range.selectNodeContents(td);
    const rects = [...range.getClientRects()].filter(r => r.height > 0);
    const height = rects.length ? Math.max(...rects.map(r => r.bottom)) - Math.min(...rects.map(r => r.top)) : 0;
    return {cls: td.className, height, line: parseFloat(getComputedStyle(td).lineHeight) || 20};
})"""


def _cells(page, *fields):
    return [c for c in page.evaluate(CELL_LINES) if any(f"field-{name}" in c["cls"].split() for name in fields)]


def test_i11_p13_lists_keep_one_line_per_row_at_1366_px(page, live_server):
    from tests.factories import ContactHistoryFactory, PurchaseFactory

    # given: customers with long names, companies, emails and every phone, and two checkbox columns
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    branch = BranchFactory(code="HQ", name="本店")
    for n in range(6):
        customer = CustomerFactory(
            branch=branch, last_name="勅使河原", first_name="左衛門三郎", last_name_kana="テシガワラ",
            first_name_kana="サエモンサブロウ", company_name=f"株式会社東日本エンジニアリングサービス{n}",
            tel="0120-123-4567", mobile="090-1234-5678", email=f"saemonsaburo.teshigawara{n}@example.co.jp",
            address="東京都品川区東品川1-1", check1=True)
        ContactHistoryFactory(customer=customer)
        PurchaseFactory(customer=customer, product_name="インクカートリッジ 6色パック 大容量")

    # when: the list is opened on a 1366 × 768 screen, from a search showing two checkbox columns
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_server, "kanri")
    page.goto(live_server.url + "/admin/crm/customer/?s_address=東京&s_cols=check1&s_cols=check2")
    shot(page, "customer-list-1366")

    # then: every code, name (with its reading), company, phone and email cell holds one line of text
    checked = _cells(page, *(f"column_{name}" for name in ("code", "last_name_kana", "company_name", "tel", "mobile",
                                                            "email")))
    assert len(checked) == 6 * 6
    assert all(c["height"] < 1.5 * c["line"] for c in checked), [c for c in checked if c["height"] >= 1.5 * c["line"]]
    # the checkbox columns stay narrow; what does not fit scrolls sideways inside the list's own box
    widths = page.evaluate("""() => [...document.querySelectorAll('#result_list thead th[class*="column-column_check"]')]
        .map(th => th.getBoundingClientRect().width)""")
    assert len(widths) == 2 and all(w < 90 for w in widths)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366

    # and the other lists: 応対履歴 and 購買履歴 keep dates, customers and product names on one line
    for url, fields in (("/admin/crm/contacthistory/", ("date", "customer", "category")),
                        ("/admin/crm/purchase/", ("date", "customer", "product_code", "product_name"))):
        page.goto(live_server.url + url)
        cells = _cells(page, *fields)
        assert len(cells) == 6 * len(fields)
        assert all(c["height"] < 1.5 * c["line"] for c in cells), (url, cells)
