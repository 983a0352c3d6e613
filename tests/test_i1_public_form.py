"""I1, the public inquiry / membership form: bots refused without being told why, 200 real Japanese
inputs accepted (matched to an existing customer of the form's branch by phone or email, else created),
a contact history of 「Web問合せ」 each, every mail exactly once through the outbox, every write in the
audit log, and nothing of the data readable from the public side."""

from __future__ import annotations

import time

import jaconv
import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from crm.models import ContactCategory, ContactHistory, Customer
from inquiry import protection
from inquiry.models import InquiryForm
from tests.factories import BranchFactory, CustomerFactory, StaffFactory
from tests.test_fieldconfig import setting
from workflow import mail
from workflow.models import Outbox

pytestmark = pytest.mark.django_db

FIELDS = ["last_name", "first_name", "last_name_kana", "first_name_kana", "company_name", "postal_code", "address",
          "building", "tel", "mobile", "email"]


@pytest.fixture
def hq(db):
    return BranchFactory(code="HQ", name="本店")


@pytest.fixture
def web_form(hq):
    return InquiryForm.objects.create(
        name="資料請求", key="shiryo", branch=hq, category=ContactCategory.objects.get(name="Web問合せ"),
        fields=FIELDS, required_fields=["last_name", "first_name"], notify_to="eigyo@example.jp\nboss@example.jp",
        mail_subject="{form}ありがとうございます", mail_body="{name} 様\n\n「{form}」を受け付けました。")


def url(form=None):
    return reverse("inquiry:form", args=[form.key if form else "shiryo"])


def visitor(address="192.0.2.10", **extra) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="ja", REMOTE_ADDR=address, **extra)


def post_data(values: dict, *, key="shiryo", age: float = 10.0, **extra) -> dict:
    """What the page's form sends: the values, the empty honeypot and the signed render time `age` s ago."""
    return {protection.TOKEN_FIELD: protection.render_token(key, at=time.time() - age),
            protection.HONEYPOT_FIELD: "", **values, **extra}


def nothing_written():
    return not Customer.objects.exists() and not ContactHistory.objects.exists() and not Outbox.objects.exists()


GOOD = {"last_name": "山田", "first_name": "太郎", "email": "taro@example.jp", "tel": "03-1234-5678"}


# --- bots -------------------------------------------------------------------------------------
def test_i1_form_page_is_public_and_carries_the_traps(web_form):
    # when: a visitor without login opens the form
    response = visitor().get(url())
    # then: the page, in Japanese, with the configured labels, the signed time and the honeypot off the screen
    assert response.status_code == 200
    page = response.content.decode()
    assert "資料請求" in page and "氏名（姓）" in page and 'name="form_token"' in page
    assert 'class="kk-hp"' in page and "display:none" not in page.replace(" ", "")
    assert protection.token_problem(response.context["token"], "shiryo", now=time.time() + 5) is None
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


def refused_bodies(responses):
    return {r.content for r in responses}


def test_i1_six_kinds_of_bot_submission_are_refused_alike_and_write_nothing(web_form, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "inquiry": {"limit": 3, "per": 600, "urls": []}}
    other_form_token = protection.render_token("kaiin", at=time.time() - 10)
    tampered = protection.render_token("shiryo", at=time.time() - 10)
    tampered = tampered[:-3] + ("AAA" if not tampered.endswith("AAA") else "BBB")
    forged_time = signing.dumps({"f": "shiryo", "t": time.time() - 10}, salt="another-salt")
    cases = {
        # 1. the honeypot filled
        "honeypot": post_data(GOOD, extra_homepage="http://spam.example"),
        # 2. sent 0.5 s after the page was made
        "too fast": post_data(GOOD, age=0.5),
        # 3. a page older than INQUIRY_MAX_AGE_SECONDS, a token altered, of another form, or signed otherwise
        "too old": post_data(GOOD, age=settings.INQUIRY_MAX_AGE_SECONDS + 60),
        "tampered": post_data(GOOD, form_token=tampered),
        "another form's": post_data(GOOD, form_token=other_form_token),
        "forged": post_data(GOOD, form_token=forged_time),
        # 4. no token at all
        "missing token": {k: v for k, v in post_data(GOOD).items() if k != protection.TOKEN_FIELD},
    }
    responses = []
    for number, (why, data) in enumerate(cases.items()):
        response = visitor(address=f"198.51.100.{number}").post(url(), data)
        assert response.status_code == 400, why
        responses.append(response)
    # 5. too many posts from one address: the 4th of a limit of 3 is refused (and further ones), even a good one
    bot = visitor(address="203.0.113.7")
    for _ in range(3):
        assert bot.post(url(), post_data(GOOD, honeypot_unused="")).status_code in (302, 200)
    limited = bot.post(url(), post_data({**GOOD, "email": "other@example.jp"}))
    assert limited.status_code == 429
    responses.append(limited)
    # 6. a body over INQUIRY_MAX_BODY_BYTES, refused before anything reads it; and Django's CSRF check is on
    big = visitor(address="198.51.100.99").post(url(), post_data({**GOOD, "message": "あ" * settings.INQUIRY_MAX_BODY_BYTES}))
    assert big.status_code == 413
    responses.append(big)
    no_csrf = visitor(address="198.51.100.98", enforce_csrf_checks=True).post(url(), post_data(GOOD))
    assert no_csrf.status_code == 403
    responses.append(no_csrf)
    # then: every refusal is the same neutral page: no word of why
    assert len(refused_bodies(responses)) == 1
    page = responses[0].content.decode()
    assert "送信できませんでした" in page
    for word in ("honeypot", "token", "CSRF", "速", "古い", "回数", "制限", "サイズ"):
        assert word not in page
    # and of all these, only the three allowed posts of one address wrote (the same person, once created)
    assert Customer.objects.count() == 1 and ContactHistory.objects.count() == 3


def test_i1_a_person_behind_the_rate_limit_counts_by_real_address_only_with_a_trusted_proxy(web_form, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "inquiry": {"limit": 2, "per": 600, "urls": []}}

    def send(forwarded, n):
        client = visitor(address="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
        return client.post(url(), post_data({**GOOD, "email": f"p{n}@example.jp", "tel": ""})).status_code

    # given no trusted proxy: X-Forwarded-For is the client's own claim and is ignored (one address)
    settings.INQUIRY_TRUSTED_PROXY_COUNT = 0
    assert [send(f"172.16.0.{n}", n) for n in range(3)] == [302, 302, 429]
    # given one trusted proxy: its last entry is the visitor's real address; a forged first entry is not
    settings.INQUIRY_TRUSTED_PROXY_COUNT = 1
    assert [send(f"1.2.3.4, 172.16.1.{n}", 10 + n) for n in range(3)] == [302, 302, 302]
    assert [send(f"9.9.9.{n}, 172.16.2.1", 20 + n) for n in range(3)] == [302, 302, 429]


def test_i1_a_real_visitor_passes_django_csrf_and_the_timer(web_form, settings):
    settings.INQUIRY_MIN_SECONDS = 0.2
    # given a browser that keeps the CSRF cookie
    client = visitor(enforce_csrf_checks=True)
    page = client.get(url())
    time.sleep(0.3)
    data = {"csrfmiddlewaretoken": page.context["csrf_token"], protection.TOKEN_FIELD: page.context["token"],
            protection.HONEYPOT_FIELD: "", **GOOD}
    # when it posts the page's form
    response = client.post(url(), data)
    # then: accepted, answered by the thank-you page
    assert response.status_code == 302 and response["Location"] == reverse("inquiry:thanks", args=["shiryo"])
    thanks = client.get(response["Location"])
    assert web_form.thanks_text in thanks.content.decode()
    assert Customer.objects.get().email == "taro@example.jp"


# --- people ------------------------------------------------------------------------------------
def test_i1_a_person_s_mistakes_are_named_in_japanese_at_the_field_and_nothing_typed_is_lost(web_form):
    # when: the family name left out, a broken email, a phone with letters
    data = post_data({"first_name": "花子", "last_name_kana": "ﾔﾏﾀﾞ", "address": "東京都渋谷区渋谷二丁目21ー1",
                      "email": "hanako@", "tel": "03-ABCD-5678", "message": "資料をください"})
    response = visitor().post(url(), data)
    # then: the form again, each problem at its field in Japanese, everything typed still there
    assert response.status_code == 200
    page = response.content.decode()
    assert "氏名（姓）を入力してください。" in page
    assert "有効なメールアドレスを入力してください。" in page
    assert "電話番号は数字とハイフンで入力してください。" in page
    assert 'value="花子"' in page and 'value="hanako@"' in page and "資料をください" in page
    assert "東京都渋谷区渋谷二丁目21ー1" in page and 'value="ヤマダ"' in page
    assert "入力内容を確認してください（3件）" in page
    # the same render time is kept, so the corrected form is not refused as "too fast"
    assert response.context["token"] == data[protection.TOKEN_FIELD]
    assert nothing_written()


def test_i1_an_email_or_a_phone_is_asked_for_so_that_someone_can_answer(web_form):
    response = visitor().post(url(), post_data({"last_name": "山田", "first_name": "太郎"}))
    assert response.status_code == 200
    assert "ご連絡のため、" in response.content.decode()
    assert nothing_written()


def test_i1_labels_come_from_field_configuration(web_form):
    # given the admin renamed 電話番号 on 項目名設定
    setting("customer", "tel", label="ご連絡先電話")
    # then the public form asks for it under that name
    assert "ご連絡先電話" in visitor().get(url()).content.decode()


# --- 200 real Japanese inputs ------------------------------------------------------------------
FAMILY = [("山田", "ヤマダ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("髙橋", "タカハシ"), ("田中", "タナカ"),
          ("伊藤", "イトウ"), ("渡邉", "ワタナベ"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
          ("吉田", "ヨシダ"), ("山口", "ヤマグチ"), ("斎藤", "サイトウ"), ("勅使河原", "テシガワラ"), ("松本", "マツモト")]
GIVEN = [("太郎", "タロウ"), ("花子", "ハナコ"), ("健一", "ケンイチ"), ("美咲", "ミサキ"), ("翔太", "ショウタ"),
         ("陽菜", "ヒナ"), ("大輔", "ダイスケ"), ("由美", "ユミ"), ("左衛門三郎", "サエモンサブロウ"), ("蒼", "アオイ"), ("結衣", "ユイ")]
ADDRESSES = ["東京都渋谷区渋谷二丁目21番1号", "東京都渋谷区渋谷２丁目２１－１", "大阪府大阪市北区梅田3丁目1ー1",
             "福岡県福岡市中央区天神一丁目１ー１", "北海道札幌市中央区北一条西2-1", "愛知県名古屋市中村区名駅４丁目７－１",
             "神奈川県横浜市西区みなとみらい二丁目2番1号", "京都府京都市下京区烏丸通塩小路下ル東塩小路町721－1"]
BUILDINGS = ["", "渋谷ヒカリエ 11F", "グランフロント大阪タワーA 20階", "ﾒｿﾞﾝ天神 305号室", "ＪＰタワー名古屋　３０階", ""]
POSTAL = ["150-0002", "1500002", "〒150-0002", "１５０－０００２", "〒１５００００２", "530-0001", "〒８１００００１"]
COMPANIES = ["", "株式会社アクティブ企画", "(株)ｻﾝﾌﾟﾙ商事", "有限会社やまだ屋", ""]


def phone_forms(digits: str) -> list[str]:
    """One number written as people write it: hyphens, none, full width, brackets, spaces."""
    a, b, c = digits[:3], digits[3:7], digits[7:]
    wide = jaconv.h2z(f"{a}-{b}-{c}", digit=True, ascii=True).replace("-", "－")
    return [f"{a}-{b}-{c}", digits, wide, f"({a}){b}-{c}", f"{a} {b} {c}", jaconv.h2z(digits, digit=True)]


def kana_forms(kana: str) -> list[str]:
    return [kana, jaconv.z2h(kana, kana=True), jaconv.kata2hira(kana)]


def japanese_input(i: int) -> dict:
    last, last_kana = FAMILY[i % len(FAMILY)]
    first, first_kana = GIVEN[(i * 7) % len(GIVEN)]
    kana_form = i % 3
    phone = f"0{3 + i % 6}{i:04d}{(i * 37) % 10000:04d}"  # unique per input, never an existing customer's
    local = f"{'Taro' if i % 2 else 'hanako'}.{i}"
    values = {
        "last_name": last, "first_name": first,
        "last_name_kana": kana_forms(last_kana)[kana_form], "first_name_kana": kana_forms(first_kana)[kana_form],
        "company_name": COMPANIES[i % len(COMPANIES)],
        "postal_code": POSTAL[i % len(POSTAL)], "address": ADDRESSES[i % len(ADDRESSES)],
        "building": BUILDINGS[i % len(BUILDINGS)],
        "tel": phone_forms(phone)[i % 6] if i % 4 != 3 else "",
        "mobile": phone_forms(f"090{i:04d}{i % 10000:04d}")[(i + 1) % 6] if i % 4 == 3 else "",
        "email": f"{local}@{'Example.CO.JP' if i % 5 == 0 else 'example.jp'}" if i % 6 != 5 else "",
        "message": ["資料を送ってください。", "会員登録を希望します。", "", "カタログ（紙）をお願いします。\n２部ほしいです。"][i % 4],
    }
    return values


EXISTING = 20


def existing_customers(branch):
    """Customers the office has already: some will write again (by email in other capitals, or by phone
    in full width), under whatever name they use today."""
    return [CustomerFactory(branch=branch, last_name="既存", first_name=f"{n}号", last_name_kana="キゾン",
                            first_name_kana="", company_name="", tel=f"06-6{n:03d}-{n:04d}", mobile="",
                            email=f"known{n}@example.ne.jp", postal_code="", address="", building="")
            for n in range(EXISTING)]


def returning_input(i: int, n: int) -> dict:
    values = japanese_input(i)
    if i % 2:  # the same email, written in capitals
        values.update(email=f"KNOWN{n}@Example.NE.JP", tel="", mobile="")
    else:  # the same phone, in full width with full-width hyphens, another email
        values.update(tel=phone_forms(f"066{n:03d}{n:04d}")[2], email="")
    return values


def test_i1_accepts_200_real_japanese_inputs_matching_or_creating_each_mail_once(web_form, hq, mailoutbox):
    # given: customers already on file in the form's branch, and one in another branch who has the
    # email a visitor will use (another branch's card is not this form's to write)
    known = existing_customers(hq)
    elsewhere = CustomerFactory(branch=BranchFactory(code="S1", name="渋谷店"), email="Taro.3@example.jp",
                                tel="011-111-1111", last_name="別店", first_name="太郎")
    # a namesake on file (same name, other phone and email): a name alone never matches
    namesake = CustomerFactory(branch=hq, last_name="山田", first_name="太郎", tel="099-999-9999",
                               email="yamada.other@example.jp")
    on_file = {c.pk for c in known} | {elsewhere.pk, namesake.pk}
    before = Customer.objects.count()
    expected_mails = 0
    created = 0
    for i in range(200):
        returning = i % 5 == 1
        values = returning_input(i, (i // 5) % EXISTING) if returning else japanese_input(i)
        # when: a visitor (each from an address of their own) sends it
        response = visitor(address=f"10.{i // 250}.{i % 250}.1").post(url(), post_data(values))
        # then: accepted and answered by the thank-you page, whatever was found
        assert response.status_code == 302, (i, values, response.content.decode()[:2000])
        assert response["Location"] == reverse("inquiry:thanks", args=["shiryo"])
        contact = ContactHistory.objects.order_by("-id").first()
        assert contact.category.name == "Web問合せ" and contact.status == "open"
        assert values["last_name"] in contact.detail and "資料請求" in contact.detail
        if values["message"]:
            assert values["message"].strip() in contact.detail
        customer = contact.customer
        assert customer.branch_id == hq.pk
        if returning:
            assert customer == known[(i // 5) % EXISTING], (i, values)
            assert customer.last_name == "既存"  # a filled field is never overwritten from the public side
        else:
            created += 1
            assert customer.pk not in on_file
            assert customer.last_name == values["last_name"]
            # stored tidy: katakana readings, half-width phone digits, 〒 as 123-4567, email as typed
            assert customer.last_name_kana == FAMILY[i % len(FAMILY)][1]
            assert customer.tel == "" or customer.tel[0] in "0(" and customer.tel.isascii()
            assert len(customer.postal_code) == 8 and customer.postal_code[3] == "-"
            assert customer.email == values["email"]
        expected_mails += (1 if values["email"] else 0) + 2
    assert Customer.objects.count() == before + created
    assert ContactHistory.objects.count() == 200
    # the returning customers' empty fields were filled from their first visit (never overwritten after), logged
    first_return = known[0]
    first_return.refresh_from_db()
    first_visit = returning_input(1, 0)
    assert (first_return.address, first_return.email) == (first_visit["address"], "known0@example.ne.jp")
    # every write is in the audit log, under the form's name
    log = AuditEvent.objects.filter(username="web-form:shiryo")
    assert log.filter(action="create", target_type="crm.ContactHistory").count() == 200
    assert log.filter(action="create", target_type="crm.Customer").count() == created
    updates = log.filter(action="update", target_type="crm.Customer")
    assert EXISTING <= updates.count() <= 2 * EXISTING
    assert all("last_name" not in entry.detail["fields"] and "email" not in entry.detail["fields"] for entry in updates)
    # when: the outbox's sender runs twice on every mail (the worker's task, then a retry of it), then the sweep
    rows = list(Outbox.objects.values_list("pk", flat=True))
    assert len(rows) == expected_mails
    assert sum(mail.send_outbox_mail.call(pk) for pk in rows) == expected_mails
    assert sum(mail.send_outbox_mail.call(pk) for pk in rows) == 0
    assert mail.send_due() == 0
    # then: each mail went out exactly once
    assert len(mailoutbox) == expected_mails
    assert len({m.extra_headers["Message-ID"] for m in mailoutbox}) == expected_mails
    thanks = [m for m in mailoutbox if m.to[0] not in ("eigyo@example.jp", "boss@example.jp")]
    assert len(thanks) == expected_mails - 400
    assert all(m.subject == "資料請求ありがとうございます" for m in thanks)
    notices = [m for m in mailoutbox if m.to == ["eigyo@example.jp"]]
    assert len(notices) == 200 and all("資料請求" in m.subject for m in notices)
    assert sum("既存の顧客" in m.body for m in notices) == 40


# --- what the public side can learn ------------------------------------------------------------
def test_i1_the_public_answer_is_the_same_whether_the_customer_existed_or_not(web_form, hq, mailoutbox):
    # given a customer on file, with data a visitor must never see
    CustomerFactory(branch=hq, last_name="秘密", first_name="花子", email="hanako@example.jp", tel="03-9999-0000",
                    address="東京都港区秘密1-1", company_name="株式会社ヒミツ")
    same = {"last_name": "山田", "first_name": "花子", "tel": ""}
    # when: one visitor sends the customer's email, another a new one
    known = visitor("192.0.2.1").post(url(), post_data({**same, "email": "HANAKO@example.jp"}), follow=True)
    new = visitor("192.0.2.2").post(url(), post_data({**same, "email": "newcomer@example.jp"}), follow=True)
    # then: the same page, word for word; no stored value appears
    assert known.status_code == new.status_code == 200
    assert known.content == new.content and known.redirect_chain == new.redirect_chain
    for secret in ("秘密", "ヒミツ", "港区", "9999"):
        assert secret not in known.content.decode()
    # and the thank-you mails say the same, addressed with the name typed, not the one on file
    mail.send_due()
    to_known, to_new = (next(m for m in mailoutbox if m.to == [a]) for a in ("HANAKO@example.jp", "newcomer@example.jp"))
    assert (to_known.subject, to_known.body) == (to_new.subject, to_new.body)
    assert "山田 花子 様" in to_known.body and "秘密" not in to_known.body
    # a form shown again with errors never holds stored data either
    again = visitor("192.0.2.3").post(url(), post_data({"email": "hanako@example.jp", "tel": "x"})).content.decode()
    assert "秘密" not in again and "9999" not in again


def test_i1_no_public_page_reads_data_and_unknown_or_closed_forms_say_nothing(web_form, hq):
    CustomerFactory(branch=hq, last_name="秘密")
    client = visitor()
    assert client.get(reverse("inquiry:form", args=["nothing-here"])).status_code == 404
    web_form.active = False
    web_form.save()
    closed = client.get(url())
    assert closed.status_code == 200 and "受け付けていません" in closed.content.decode()
    assert "受け付けていません" in client.post(url(), post_data(GOOD)).content.decode()
    assert not ContactHistory.objects.exists() and Customer.objects.count() == 1
    # the settings screen and the data are staff's: the public is sent to the login
    for path in (reverse("admin:inquiry_inquiryform_changelist"), reverse("admin:crm_customer_changelist")):
        response = client.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"]


# --- framing ------------------------------------------------------------------------------------
def test_i1_only_the_form_may_be_framed_and_only_by_the_listed_origins(web_form, settings):
    client = visitor()
    # given no origin listed: framing is refused as everywhere
    settings.INQUIRY_FRAME_ANCESTORS = []
    assert client.get(url())["X-Frame-Options"] == "DENY"
    # given the office's site listed (and a malformed entry, dropped)
    settings.INQUIRY_FRAME_ANCESTORS = ["https://www.example.co.jp", "https://x; script-src *"]
    form = client.get(url())
    assert "X-Frame-Options" not in form
    assert form["Content-Security-Policy"] == "frame-ancestors 'self' https://www.example.co.jp"
    thanks = client.get(reverse("inquiry:thanks", args=["shiryo"]))
    assert thanks["Content-Security-Policy"] == form["Content-Security-Policy"]
    # the admin's pages stay unframable
    assert client.get("/admin/login/")["X-Frame-Options"] == "DENY"


# --- the admin's settings -------------------------------------------------------------------------
def test_i1_admin_defines_a_form_with_fields_under_configured_labels(admin_client, hq):
    # given the admin renamed 携帯電話 on 項目名設定 and hid FAX
    setting("customer", "mobile", label="携帯番号")
    setting("customer", "fax", hidden=True)
    add = reverse("admin:inquiry_inquiryform_add")
    page = admin_client.get(add)
    assert page.status_code == 200
    html = page.content.decode()
    assert "携帯番号" in html and 'value="fax"' not in html
    assert page.context["adminform"].form.initial["category"] == ContactCategory.objects.get(name="Web問合せ").pk
    base = {"name": "会員登録", "key": "kaiin", "active": "on", "branch": hq.pk,
            "category": ContactCategory.objects.get(name="Web問合せ").pk, "intro": "",
            "message_label": "ご要望", "thanks_text": "登録しました", "mail_subject": "ご登録ありがとうございます",
            "mail_body": "{name} 様", "notify_to": "kanri@example.jp"}
    # when: a required field that is not asked, and a bad address
    bad = admin_client.post(add, {**base, "fields": ["last_name", "email"], "required_fields": ["tel"],
                                  "notify_to": "kanri@"})
    assert bad.status_code == 200
    errors = bad.context["adminform"].form.errors
    assert "required_fields" in errors and "notify_to" in errors
    # when: a good one
    good = admin_client.post(add, {**base, "fields": ["last_name", "first_name", "mobile", "email"],
                                   "required_fields": ["last_name", "email"]})
    assert good.status_code == 302, good.context["adminform"].form.errors
    form = InquiryForm.objects.get(key="kaiin")
    assert AuditEvent.objects.filter(action="create", target_type="inquiry.InquiryForm", target_id=str(form.pk)).exists()
    # then: its public page asks just those, under the configured labels
    public = visitor().get(reverse("inquiry:form", args=["kaiin"])).content.decode()
    assert "携帯番号" in public and 'name="tel"' not in public and "ご要望" in public


def test_i1_a_branch_admin_sees_and_makes_forms_of_their_branch_only(hq):
    from crm import roles

    store = BranchFactory(code="S1", name="渋谷店")
    InquiryForm.objects.create(name="本店の資料請求", key="hq", branch=hq)
    InquiryForm.objects.create(name="渋谷店の会員登録", key="s1", branch=store)
    manager = StaffFactory(username="tencho", branches=[store], roles=[roles.ADMIN])
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(manager)
    listing = client.get(reverse("admin:inquiry_inquiryform_changelist")).content.decode()
    assert "渋谷店の会員登録" in listing and "本店の資料請求" not in listing
    other = InquiryForm.objects.get(key="hq")
    assert client.get(reverse("admin:inquiry_inquiryform_change", args=[other.pk])).status_code == 404
