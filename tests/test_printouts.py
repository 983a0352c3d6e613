"""P1, P3, P5: lists, A-one 28183 labels and the address rules, read back from the PDFs themselves."""

import io
import re

import pdfplumber
import pytest
from django.urls import reverse

from crm.models import Customer
from fieldconfig.models import SystemSetting
from printouts import labels
from tests.factories import CustomerFactory
from tests.helpers import ja_client

PRINT = reverse("admin:crm_customer_print")
MM = 72 / 25.4


def pages_of(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    return pdfplumber.open(io.BytesIO(response.content)).pages


def chars_of(page, text):
    """The characters of the first occurrence of `text` on the page, in reading order."""
    chars = page.chars
    joined = "".join(c["text"] for c in chars)
    at = joined.find(text)
    assert at >= 0, (text, joined[:300])
    return chars[at:at + len(text)]


def in_mm(char):
    return char["x0"] / MM, char["top"] / MM, char["x1"] / MM, char["bottom"] / MM


def make_customers(n, hq_branch, **extra):
    return [CustomerFactory(branch=hq_branch, code=f"L{i:03d}", last_name="宛名", first_name=f"{'一二三四五六七八九十'[i % 10]}{i:02d}",
                            postal_code="150-0001", address=f"東京都渋谷区神宮前{i % 9 + 1}-2-3",
                            building=f"表参道ビル{i + 1:02d}号館", **extra) for i in range(n)]


@pytest.fixture
def admin_ja(admin_user):
    return ja_client(admin_user)


def test_p3_labels_lie_in_their_a_one_28183_cells_from_the_start_position(admin_ja, hq_branch):
    # given
    customers = make_customers(14, hq_branch)
    sheet = labels.A_ONE_28183
    # when
    response = admin_ja.post(PRINT + "?o=1", {"kind": "labels", "start": "3"})
    # then
    pages = pages_of(response)
    assert len(pages) == 2  # 10 labels on the first sheet (positions 3–12), 4 on the second
    assert abs(pages[0].width / MM - 210) < 0.5 and abs(pages[0].height / MM - 297) < 0.5
    for index, customer in enumerate(customers):
        slot = index + 2
        page = pages[slot // 12]
        left, top = sheet.origin(slot % 12)
        for text in (customer.first_name, customer.building):
            for char in chars_of(page, text):
                x0, y0, x1, y1 = in_mm(char)
                assert left <= x0 and x1 <= left + sheet.label_width, (customer.code, text, x0, x1, left)
                assert top <= y0 and y1 <= top + sheet.label_height, (customer.code, text, y0, y1, top)
    def postal_marks_in(page, slot):
        left, top = sheet.origin(slot)
        return sum(1 for c in page.chars if c["text"] == "〒" and left <= in_mm(c)[0] and in_mm(c)[2] <= left +
                   sheet.label_width and top <= in_mm(c)[1] and in_mm(c)[3] <= top + sheet.label_height)

    # one postal code in each used cell (positions 3–12, then 1–4), none in the skipped ones
    assert [postal_marks_in(pages[0], slot) for slot in range(12)] == [0, 0] + [1] * 10
    assert [postal_marks_in(pages[1], slot) for slot in range(12)] == [1] * 4 + [0] * 8
    assert sum(c["text"] == "〒" for page in pages for c in page.chars) == 14
    assert b"/FontFile2" in response.content  # the TrueType font is embedded


def test_p3_the_printer_offset_moves_every_label(admin_ja, hq_branch):
    make_customers(1, hq_branch)
    before = in_mm(chars_of(pages_of(admin_ja.post(PRINT, {"kind": "labels", "start": "1"}))[0], "宛名")[0])
    SystemSetting.objects.update(print_offset_x=2.5, print_offset_y=-1.5)
    after = in_mm(chars_of(pages_of(admin_ja.post(PRINT, {"kind": "labels", "start": "1"}))[0], "宛名")[0])
    assert after[0] - before[0] == pytest.approx(2.5, abs=0.05)
    assert after[1] - before[1] == pytest.approx(-1.5, abs=0.05)


@pytest.mark.parametrize("start", ["0", "13", "x", ""])
def test_p3_a_start_position_outside_1_to_12_is_refused_at_the_field(admin_ja, hq_branch, start):
    make_customers(1, hq_branch)
    response = admin_ja.post(PRINT, {"kind": "labels", "start": start})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "1から12までのラベル位置を入力してください。" in response.content.decode()


def test_p3_customers_that_would_not_print_are_named_before_printing_and_left_out(admin_ja, hq_branch):
    # given
    good = make_customers(1, hq_branch)[0]
    CustomerFactory(branch=hq_branch, code="N01", last_name="住所", first_name="なし", address="", postal_code="")
    CustomerFactory(branch=hq_branch, code="N02", last_name="𠮷田", first_name="花子", postal_code="1500001",
                    address="東京都渋谷区1-1")
    # when
    page = admin_ja.get(PRINT).content.decode()
    # then
    assert "3件の顧客が検索されています。" in page.replace(",", "")
    assert "2件の顧客は正しく印刷できません" in page
    assert "住所がありません。" in page and "フォントにない文字: 𠮷" in page
    pdf = pages_of(admin_ja.post(PRINT, {"kind": "labels", "start": "1"}))
    text = pdf[0].extract_text()
    assert good.first_name in text and "なし" not in text and "花子" not in text


def test_p5_honorific_and_block_follow_send_to(hq_branch):
    from printouts.addressing import recipient

    person = CustomerFactory.build(branch=hq_branch, send_to=Customer.SendTo.COMPANY, department="総務部", title="部長")
    home = CustomerFactory.build(branch=hq_branch, send_to=Customer.SendTo.HOME)
    company_only = CustomerFactory.build(branch=hq_branch, last_name="", first_name="", send_to=Customer.SendTo.HOME)
    contact = CustomerFactory.build(branch=hq_branch, send_to=Customer.SendTo.CONTACT, address="本社住所",
                                    contact_postal_code="530-0001", contact_address="大阪府大阪市北区梅田1-1")
    assert (recipient(person).company, recipient(person).department, recipient(person).honorific) == \
        ("株式会社アクティブ企画", "総務部", "様")
    assert recipient(home).company == "" and recipient(home).honorific == "様"
    assert recipient(company_only).company == "株式会社アクティブ企画" and recipient(company_only).honorific == "御中"
    assert recipient(company_only).name == ""
    assert (recipient(contact).postal_code, recipient(contact).address) == ("5300001", "大阪府大阪市北区梅田1-1")


def test_p1_list_cells_wrap_inside_their_columns_with_japanese_page_numbers(admin_ja, hq_branch):
    # given: long values that once overprinted the next column
    long_company = "株式会社" + "とても長い会社名の見本" * 6
    long_email = "a.very.long.mailbox.name.for.testing@" + "example" * 5 + ".co.jp"
    for i in range(60):
        CustomerFactory(branch=hq_branch, code=f"W{i:03d}", company_name=long_company, email=long_email,
                        address="東京都千代田区丸の内1-2-3 丸の内ビルディング" * 2)
    # when
    pages = pages_of(admin_ja.post(PRINT, {"kind": "list", "start": "1"}))
    # then
    assert len(pages) >= 2
    header = pages[0].extract_text()
    assert "顧客一覧表" in header and "印刷" in header and f"1 / {len(pages)} ページ" in header
    page = pages[0]
    rects = sorted({round(r["x0"], 1) for r in page.rects} | {round(r["x1"], 1) for r in page.rects})
    lines = sorted({round(e["x0"], 1) for e in page.edges if e["orientation"] == "v"})
    boundaries = lines or rects
    assert len(boundaries) >= 9  # the grid of eight columns
    for char in page.chars:
        if char["top"] < 14 * MM or char["top"] > page.height - 12 * MM:
            continue  # header and footer
        inside = [b for b in boundaries if b <= char["x0"] + 0.01]
        right_edge = next((b for b in boundaries if b >= char["x1"] - 0.01), None)
        assert inside and right_edge is not None
        # the character's column is the span between two consecutive grid lines
        assert boundaries.index(right_edge) - boundaries.index(inside[-1]) == 1, char["text"]
    assert page.width > page.height  # A4 landscape


def test_p1_address_list_carries_postal_code_building_and_honorific(admin_ja, hq_branch):
    customer = make_customers(1, hq_branch)[0]
    text = pages_of(admin_ja.post(PRINT, {"kind": "addresses", "start": "1"}))[0].extract_text()
    assert "住所一覧表" in text and "〒150-0001" in text and customer.building in text
    assert re.search(rf"宛名\s{customer.first_name}\s様", text)


def test_p1_an_empty_search_gets_a_japanese_message(admin_ja, hq_branch):
    make_customers(1, hq_branch)
    page = admin_ja.get(PRINT, {"q": "存在しない名前"}).content.decode()
    assert "印刷する顧客がありません" in page
    response = admin_ja.post(PRINT + "?q=存在しない名前", {"kind": "list", "start": "1"})
    assert response["Content-Type"].startswith("text/html")


def test_p5_every_print_is_in_the_audit_log_with_its_kind_and_count(admin_ja, hq_branch):
    from audit.models import AuditEvent

    make_customers(3, hq_branch)
    for kind in ("list", "addresses", "labels"):
        pages_of(admin_ja.post(PRINT, {"kind": kind, "start": "1"}))
    events = AuditEvent.objects.filter(action=AuditEvent.Action.PRINT).order_by("id")
    assert [(e.detail["what"], e.row_count) for e in events] == [("list", 3), ("addresses", 3), ("labels", 3)]


# --- postcards (P4) ----------------------------------------------------------------------------------
def test_p4_the_seven_boxes_have_the_printed_geometry():
    from printouts.postcards import BOX_WIDTH, WIDTH, postal_boxes

    lefts = postal_boxes()
    assert len(lefts) == 7
    assert lefts[-1] + BOX_WIDTH == pytest.approx(WIDTH - 8.0)
    assert lefts[-1] + BOX_WIDTH - lefts[0] == pytest.approx(47.7)
    gaps = [round(b - (a + BOX_WIDTH), 2) for a, b in zip(lefts, lefts[1:])]
    assert gaps == [1.3, 1.3, 1.9, 1.1, 1.1, 1.1]


@pytest.mark.parametrize("kind", ["postcards", "postcards_vertical"])
def test_p4_each_postal_digit_lies_in_its_box(admin_ja, hq_branch, kind):
    from printouts.postcards import BOX_HEIGHT, BOX_TOP, BOX_WIDTH, postal_boxes

    CustomerFactory(branch=hq_branch, postal_code="150-0001", address="東京都渋谷区神宮前1-2-3")
    page = pages_of(admin_ja.post(PRINT, {"kind": kind, "start": "1"}))[0]
    assert (round(page.width / MM), round(page.height / MM)) == (100, 148)
    digits = [c for c in page.chars if c["top"] / MM < BOX_TOP + BOX_HEIGHT and c["text"].isdigit()]
    assert "".join(c["text"] for c in digits) == "1500001"
    for char, left in zip(digits, postal_boxes()):
        x0, y0, x1, y1 = in_mm(char)
        assert left <= x0 and x1 <= left + BOX_WIDTH, (char["text"], x0, x1, left)
        assert BOX_TOP <= y0 and y1 <= BOX_TOP + BOX_HEIGHT, (char["text"], y0, y1)


def test_p4_vertical_card_runs_top_to_bottom_in_right_to_left_columns_with_kanji_numerals(admin_ja, hq_branch):
    from tests.factories import FamilyMemberFactory

    # given
    customer = CustomerFactory(branch=hq_branch, postal_code="150-0001", address="東京都渋谷区神宮前1-2-3",
                               building="表参道ビル12F", company_name="", last_name="佐藤", first_name="一郎",
                               send_to=Customer.SendTo.HOME)
    FamilyMemberFactory(customer=customer, name="佐藤 花子", joint_name=True)
    FamilyMemberFactory(customer=customer, name="佐藤 次郎", joint_name=False)
    # when
    page = pages_of(admin_ja.post(PRINT, {"kind": "postcards_vertical", "start": "1"}))[0]
    # then
    address = chars_of(page, "東京都渋谷区神宮前一丁目二番三号")
    assert len({round(c["x0"], 1) for c in address}) == 1  # one column
    assert [c["top"] for c in address] == sorted(c["top"] for c in address)  # top to bottom
    building = chars_of(page, "表参道ビル十二階")
    name = chars_of(page, "佐藤")
    assert building[0]["x0"] < address[0]["x0"] and name[0]["x0"] < building[0]["x0"]  # right to left
    assert name[0]["size"] > address[0]["size"]  # the name larger
    text = "".join(c["text"] for c in page.chars)
    assert "花子" in text and "次郎" not in text
    honorifics = [c for c in page.chars if c["text"] == "様"]
    assert len(honorifics) == 2 and abs(honorifics[0]["top"] - honorifics[1]["top"]) < 0.5  # one line of 様
    assert "1-2-3" not in text and "御中" not in text


def test_p4_a_company_without_a_person_gets_onchu_and_the_sender_block_prints_when_asked(admin_ja, hq_branch):
    SystemSetting.objects.update(company_name="株式会社サンプル", sender_postal_code="100-0001",
                                 sender_address="東京都千代田区千代田1-1")
    CustomerFactory(branch=hq_branch, last_name="", first_name="", company_name="株式会社ローソン",
                    postal_code="530-0001", address="大阪府大阪市北区梅田1-1-3")
    for kind in ("postcards", "postcards_vertical"):
        plain = "".join(c["text"] for c in pages_of(admin_ja.post(PRINT, {"kind": kind, "start": "1"}))[0].chars)
        assert "御中" in plain and "様" not in plain and plain.count("ローソン") == 1
        assert "サンプル" not in plain
        sent = "".join(c["text"] for c in pages_of(admin_ja.post(
            PRINT, {"kind": kind, "start": "1", "with_sender": "1"}))[0].chars)
        assert "株式会社サンプル" in sent and "〒100-0001" in sent


def test_p4_numbers_for_vertical_writing():
    from printouts.postcards import vertical_numbers

    assert vertical_numbers("神宮前1-2-3") == "神宮前一丁目二番三号"
    assert vertical_numbers("神宮前１－２－３") == "神宮前一丁目二番三号"
    assert vertical_numbers("神宮前1-12-3", "dash") == "神宮前一―一二―三"
    assert vertical_numbers("北一条西二丁目1番地10") == "北一条西二丁目一番地十"
    assert vertical_numbers("ABCビル12F 501号室") == "ＡＢＣビル十二階 五〇一号室"


# --- customer sheet (P2) ----------------------------------------------------------------------------
def test_p2_one_sheet_per_customer_with_its_fields_and_latest_histories(admin_ja, hq_branch):
    import datetime

    from tests.factories import ContactHistoryFactory, PurchaseFactory

    # given
    first = CustomerFactory(branch=hq_branch, code="S001", last_name="佐藤", first_name="一郎", building="表参道ビル")
    second = CustomerFactory(branch=hq_branch, code="S002", last_name="鈴木", first_name="花子")
    for day in range(1, 13):
        ContactHistoryFactory(customer=first, date=datetime.date(2026, 1, day), detail=f"問い合わせ{day:02d}日")
    PurchaseFactory(customer=first)
    # when
    pages = pages_of(admin_ja.post(PRINT + "?o=1", {"kind": "sheets", "start": "1"}))
    # then
    texts = [page.extract_text() for page in pages]
    assert len(pages) == 2 and "顧客情報シート" in texts[0]
    assert "S001" in texts[0] and "佐藤" in texts[0] and "表参道ビル" in texts[0] and "S002" in texts[1]
    assert "顧客コード" in texts[0] and "ビル名" in texts[0] and "送付先" in texts[0]  # configured labels
    assert "応対履歴（新しい順に10件まで）" in texts[0] and "購買履歴" in texts[0]
    assert "問い合わせ12日" in texts[0] and "問い合わせ03日" in texts[0] and "問い合わせ02日" not in texts[0]
    assert "ありません。" in texts[1]
    assert "1 ページ" in texts[0]


def test_p8_a_print_past_the_size_runs_on_the_worker_and_waits_for_its_owner(admin_ja, admin_user, hq_branch,
                                                                             settings):
    from audit.models import AuditEvent
    from jobs.models import Job
    from tests.factories import StaffFactory
    from tests.helpers import run_worker

    # given
    settings.PRINT_SYNC_MAX_ROWS = 2
    make_customers(3, hq_branch)
    # when
    response = admin_ja.post(PRINT, {"kind": "labels", "start": "1"})
    # then: the job page, then the worker draws the PDF
    job = Job.objects.get(kind="print")
    assert response.status_code == 302 and response["Location"] == reverse("admin:jobs_job_change", args=[job.pk])
    assert job.total == 3 and not AuditEvent.objects.filter(action=AuditEvent.Action.PRINT).exists()
    run_worker()
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED, job.message
    page = admin_ja.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    assert "3件を印刷しました。" in page and "PDFをダウンロード" in page
    download = admin_ja.get(reverse("admin:jobs_job_download", args=[job.pk]))
    pdf = pdfplumber.open(io.BytesIO(b"".join(download.streaming_content)))
    assert "宛名" in pdf.pages[0].extract_text()
    assert AuditEvent.objects.get(action=AuditEvent.Action.PRINT).detail["what"] == "labels"
    # someone else may not download it
    other = ja_client(StaffFactory(username="other", is_superuser=True, is_staff=True))
    assert other.get(reverse("admin:jobs_job_download", args=[job.pk])).status_code in (403, 404)


def test_p1_the_ticked_customers_print_and_a_forged_id_of_another_branch_prints_nothing(admin_ja, hq_branch):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    from crm import roles
    from tests.factories import BranchFactory, StaffFactory

    # given
    a, b, c = make_customers(3, hq_branch)
    other = CustomerFactory(branch=BranchFactory(code="B2", name="新宿店"), code="X001", last_name="他店")
    # when: two ticked on the list, then 「選択した顧客を印刷」
    response = admin_ja.post(reverse("admin:crm_customer_changelist"),
                             {"action": "print_selected", ACTION_CHECKBOX_NAME: [a.pk, c.pk]})
    # then
    assert response.status_code == 302
    url = response["Location"]
    assert "2件の顧客が検索されています。" in admin_ja.get(url).content.decode()
    text = "".join(p.extract_text() for p in pages_of(admin_ja.post(url, {"kind": "list", "start": "1"})))
    assert a.code in text and c.code in text and b.code not in text
    # a branch user who forges another branch's id gets nothing
    member = ja_client(StaffFactory(username="shiten", roles=[roles.GENERAL], branches=[hq_branch]))
    page = member.get(f"{PRINT}?ids={other.pk}").content.decode()
    assert "印刷する顧客がありません" in page and "他店" not in page
    assert member.get(f"{PRINT}?ids=1,x").status_code == 403


def test_p3_a_printer_offset_outside_minus_10_to_10_mm_is_refused_at_the_field(admin_ja):
    setting = SystemSetting.objects.get()
    url = reverse("admin:fieldconfig_systemsetting_change", args=[setting.pk])
    data = {"mode": setting.mode, "code_width": "6", "company_name": "株式会社サンプル", "print_offset_x": "15",
            "print_offset_y": "-2.5", "postcard_numbers": "kanji", "sender_postal_code": "", "sender_address": "",
            "sender_tel": "", "date_display": "western"}
    response = admin_ja.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["print_offset_x"] and "10 以下" in errors["print_offset_x"][0]
    assert 'value="株式会社サンプル"' in response.content.decode()  # what was typed is kept
    data["print_offset_x"] = "-3"
    assert admin_ja.post(url, data).status_code == 302
    setting.refresh_from_db()
    assert (float(setting.print_offset_x), float(setting.print_offset_y)) == (-3.0, -2.5)

