"""C8 input rules (入力規則): set on 項目名設定, applied by the forms, the import and the bulk update.

Real input throughout: full-width ＡＢＣ１２３, half-width katakana ｶﾀｶﾅ (with voiced marks ｶﾞ),
hiragana and mixed text.
"""

import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm import services
from crm.models import ContactHistory, Customer, FamilyMember
from dataio import bulk
from fieldconfig import lookup, rules
from fieldconfig.models import FieldSetting
from fieldconfig.rules import InputRule
from jobs.models import Job
from tests.factories import CustomerFactory
from tests.helpers import card_post_data, ja_client, management_data
from tests.test_bulk import LIST, company_post
from tests.test_import import checked_job, confirm, cp932_file
from tests.personas import build_world

pytestmark = pytest.mark.django_db
ADD_URL = reverse("admin:crm_customer_add")


def rule(model, field, **changes):
    row = FieldSetting.objects.get(model=model, field_name=field)
    for name, value in changes.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    return row


@pytest.fixture
def world(db):
    return build_world()


# --- the rules themselves (fieldconfig.rules.apply) ------------------------------------------------

def test_c8_convert_to_half_width_letters_digits_katakana_and_space(ja):
    outcome = rules.apply(InputRule(convert=rules.TO_HALF), "ＡＢＣ１２３　カタカナ・ガッコウ", label="備考1")
    assert outcome == rules.Outcome("ABC123 ｶﾀｶﾅ･ｶﾞｯｺｳ")
    # hiragana and kanji have no half-width form: they stay
    assert rules.apply(InputRule(convert=rules.TO_HALF), "ひらがな漢字", label="備考1").value == "ひらがな漢字"


def test_c8_convert_to_full_width_joins_voiced_marks(ja):
    outcome = rules.apply(InputRule(convert=rules.TO_FULL), "ABC123 ｶﾞｯｺｳ ﾊﾟﾝ", label="備考1")
    assert outcome.value == "ＡＢＣ１２３　ガッコウ　パン"
    assert outcome.error is None and outcome.warning is None


def test_c8_convert_hiragana_to_katakana_leaves_the_rest(ja):
    outcome = rules.apply(InputRule(convert=rules.HIRA_TO_KATA), "やまだ たろう ﾔﾏﾀﾞ 山田 ABC", label="備考1")
    assert outcome.value == "ヤマダ タロウ ﾔﾏﾀﾞ 山田 ABC"


def test_c8_half_width_only_names_the_full_width_characters(ja):
    half = InputRule(width=rules.HALF_ONLY)
    assert rules.apply(half, "ABC-123 ｶﾀｶﾅ", label="会員番号").error is None
    outcome = rules.apply(half, "ABC１２３ｶﾀカナ", label="会員番号")
    assert outcome.error == "入力ルール「半角のみ」: 会員番号に全角文字（１２３、カナ）は入力できません。"


def test_c8_full_width_only_names_the_half_width_characters(ja):
    full = InputRule(width=rules.FULL_ONLY)
    assert rules.apply(full, "山田　タロウ　ＡＢＣ", label="氏名").error is None
    outcome = rules.apply(full, "山田ﾀﾛｳ A", label="氏名")
    assert outcome.error == "入力ルール「全角のみ」: 氏名に半角文字（ﾀﾛｳ A）は入力できません。"


def test_c8_conversion_comes_before_the_width_check(ja):
    to_full = InputRule(convert=rules.TO_FULL, width=rules.FULL_ONLY)
    assert rules.apply(to_full, "ｶﾀｶﾅ123", label="備考1") == rules.Outcome("カタカナ１２３")
    # ひらがな → カタカナ does not widen half-width katakana: still refused
    kata = InputRule(convert=rules.HIRA_TO_KATA, width=rules.FULL_ONLY)
    assert rules.apply(kata, "ひらがなｶﾀ", label="備考1").error == \
        "入力ルール「全角のみ」: 備考1に半角文字（ｶﾀ）は入力できません。"


def test_c8_required_and_warn_if_empty(ja):
    assert rules.apply(InputRule(required=True), "  ", label="業種").error == "入力ルール「必須」: 業種を入力してください。"
    assert rules.apply(InputRule(required=True), None, label="生年月日").error == \
        "入力ルール「必須」: 生年月日を入力してください。"
    warned = rules.apply(InputRule(warn_if_empty=True), "", label="業種")
    assert warned.error is None and warned.warning == "入力ルール「空欄時に警告」: 業種が空欄です。"
    assert rules.apply(InputRule(warn_if_empty=True), "小売", label="業種") == rules.Outcome("小売")


def test_c8_rules_come_from_the_cached_snapshot_without_a_query_per_value(ja):
    rule("customer", "remark1", input_convert=rules.TO_HALF, input_width=rules.HALF_ONLY)
    rule("customer", "industry", required=True)
    with lookup.one_snapshot():
        lookup.config()  # loaded once for the unit of work
        with CaptureQueriesContext(connection) as queries:
            for _ in range(50):
                values, errors, warnings = rules.apply_to_values(
                    "customer", {"remark1": "ＡＢＣ１２３", "industry": "", "remark2": "ｶﾀ"})
    assert len(queries) == 0
    assert values == {"remark1": "ABC123", "industry": "", "remark2": "ｶﾀ"}
    assert errors == {"industry": "入力ルール「必須」: 業種を入力してください。"}


# --- 項目名設定: where the rules are set, and what is refused ---------------------------------------------

def test_c8_rules_are_set_on_the_field_label_screen_and_listed(admin_client, ja):
    row = FieldSetting.objects.get(model="customer", field_name="company_name")
    url = reverse("admin:fieldconfig_fieldsetting_change", args=[row.pk])
    form = admin_client.get(url).content.decode()
    for text in ("入力ルール", "保存時の変換", "入力できる文字", "全角に変換", "ひらがなをカタカナに変換", "空欄時に警告"):
        assert text in form
    response = admin_client.post(url, {"label": "", "input_type": "text", "choices": "", "position": "6",
                                       "input_convert": "to_full", "input_width": "full", "required": "on"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert lookup.config().input_rules("customer")["company_name"] == InputRule(
        width="full", convert="to_full", required=True)
    listing = admin_client.get(reverse("admin:fieldconfig_fieldsetting_changelist") + "?model=customer")
    assert "全角に変換・全角のみ・必須" in listing.content.decode()


@pytest.mark.parametrize("model, field, changes, message", [
    ("customer", "birth_date", {"input_width": "half"},
     "入力できる文字と保存時の変換は、文字を入力する項目にだけ設定できます。"),
    ("customer", "gender", {"input_convert": "to_full"},
     "入力できる文字と保存時の変換は、文字を入力する項目にだけ設定できます。"),
    ("customer", "remark1", {"input_type": "select", "choices": "A\nB", "input_convert": "to_half"},
     "プルダウンの項目には、入力できる文字と保存時の変換は設定できません。"),
    ("customer", "last_name_kana", {"input_convert": "to_half"},
     "フリガナは常に全角カタカナで保存されるため、半角の入力ルールは設定できません。"),
    ("familymember", "name_kana", {"input_width": "half"},
     "フリガナは常に全角カタカナで保存されるため、半角の入力ルールは設定できません。"),
    ("customer", "remark1", {"input_width": "half", "input_convert": "to_full"},
     "この変換をすると必ず入力できる文字に反します。どちらか一方にしてください。"),
    ("customer", "remark1", {"required": "on", "warn_if_empty": "on"},
     "「必須」と「空欄時に警告」は同時に設定できません。どちらか一方にしてください。"),
    ("customer", "remark1", {"required": "on", "hidden": "on"},
     "必須または空欄時に警告の項目は非表示にできません（だれも入力できなくなります）。"),
    ("customer", "code", {"required": "on"}, "この項目はシステムが入力するため、入力ルールは設定できません。"),
    ("customer", "check1", {"warn_if_empty": "on"}, "この項目はシステムが入力するため、入力ルールは設定できません。"),
])
def test_c8_rules_a_field_cannot_take_are_refused_in_japanese(admin_client, ja, model, field, changes, message):
    row = FieldSetting.objects.get(model=model, field_name=field)
    url = reverse("admin:fieldconfig_fieldsetting_change", args=[row.pk])
    data = {"label": "", "input_type": "text", "choices": "", "position": str(row.position), **changes}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    row.refresh_from_db()
    assert not row.input_rule() and not row.hidden and row.input_type == "text"


def test_c8_a_required_field_cannot_be_restricted_and_a_restricted_one_cannot_be_required(world, ja):
    from django.contrib.auth.models import Group

    group = Group.objects.get(name="秘書部門")
    with pytest.raises(ValidationError) as refused:
        rule("customer", "remark3", visible_to=group, warn_if_empty=True)
    assert "参照できるグループを限定できません" in str(refused.value.message_dict["visible_to"])
    # 備考8 is restricted to the secretaries in the test world (R3)
    with pytest.raises(ValidationError):
        rule("customer", "remark8", required=True)


def test_c8_a_required_field_cannot_be_hidden_from_the_list_either(admin_client, ja):
    row = rule("customer", "remark5", required=True)
    listing = reverse("admin:fieldconfig_fieldsetting_changelist") + "?model=customer"
    rows = list(FieldSetting.objects.filter(model="customer").order_by("position", "id"))
    data = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-0-id": str(row.pk), "form-0-label": "",
            "form-0-hidden": "on", "_save": "保存"}
    response = admin_client.post(listing, data)
    assert "非表示にできません" in response.content.decode()
    row.refresh_from_db()
    assert not row.hidden and len(rows) > 1


# --- the card (admin form) ---------------------------------------------------------------------------------

def test_c8_card_converts_on_save(admin_client, hq_branch):
    rule("customer", "remark1", input_convert="to_half")
    rule("customer", "company_name", input_convert="to_full")
    rule("customer", "remark2", input_convert="hira2kata")
    rule("customer", "tel", input_convert="to_half")
    data = card_post_data(branch=hq_branch, last_name="山田", company_name="ｶﾌﾞｼｷｶﾞｲｼｬABC", remark1="ＡＢＣ１２３",
                          remark2="らいてん ｷｯｶｹ", tel="０３－１２３４－５６７８")
    response = admin_client.post(ADD_URL, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    customer = Customer.objects.get()
    assert customer.company_name == "カブシキガイシャＡＢＣ"
    assert customer.remark1 == "ABC123"
    assert customer.remark2 == "ライテン ｷｯｶｹ"
    assert customer.tel == "03-1234-5678"
    # the quick search finds the stored value
    found = admin_client.get(reverse("admin:crm_customer_changelist"), {"q": "カブシキガイシャ"}).content.decode()
    assert customer.code in found


def test_c8_card_refuses_a_value_breaking_a_rule_at_the_field_and_keeps_what_was_typed(admin_client, hq_branch, ja):
    rule("customer", "remark1", label="会員番号", input_width="half")
    rule("customer", "address", input_width="full")
    data = card_post_data(branch=hq_branch, last_name="山田", remark1="Ａ１２３", address="東京都ﾐﾅﾄ区芝公園4-2-8",
                          remark2="初回来店")
    response = admin_client.post(ADD_URL, data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["remark1"] == ["入力ルール「半角のみ」: 会員番号に全角文字（Ａ１２３）は入力できません。"]
    assert form.errors["address"] == ["入力ルール「全角のみ」: 住所に半角文字（ﾐﾅﾄ、4-2-8）は入力できません。"]
    body = response.content.decode()
    for typed in ("Ａ１２３", "東京都ﾐﾅﾄ区芝公園4-2-8", "初回来店", "入力ルール「半角のみ」"):
        assert typed in body
    assert not Customer.objects.exists()


def test_c8_card_required_field(admin_client, hq_branch, ja):
    rule("customer", "industry", required=True)
    rule("customer", "birth_date", required=True)
    response = admin_client.post(ADD_URL, card_post_data(branch=hq_branch, last_name="山田", remark1="メモ"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["industry"] == ["入力ルール「必須」: 業種を入力してください。"]
    assert errors["birth_date"] == ["入力ルール「必須」: 生年月日を入力してください。"]
    assert not Customer.objects.exists()
    saved = admin_client.post(ADD_URL, card_post_data(branch=hq_branch, last_name="山田", industry="小売",
                                                      birth_date="1985/4/1"))
    assert saved.status_code == 302


def test_c8_card_warns_if_empty_and_saves_after_the_confirmation(admin_client, hq_branch, ja):
    rule("customer", "mobile", warn_if_empty=True)
    data = card_post_data(branch=hq_branch, last_name="山田", first_name="花子", remark1="紹介")
    response = admin_client.post(ADD_URL, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "入力ルール「空欄時に警告」: 携帯TELが空欄です。" in body
    assert 'name="_confirm_empty"' in body and "空欄のまま保存" in body
    assert "紹介" in body and not Customer.objects.exists()
    confirmed = admin_client.post(ADD_URL, {**data, "_confirm_empty": "1"})
    assert confirmed.status_code == 302
    assert Customer.objects.get().mobile == ""


def test_c8_empty_confirmation_is_kept_through_the_duplicate_warning(admin_client, hq_branch, ja):
    CustomerFactory(branch=hq_branch, last_name="高橋", first_name="花子", tel="", email="")
    rule("customer", "mobile", warn_if_empty=True)
    data = card_post_data(branch=hq_branch, last_name="高橋", first_name="花子")
    first = admin_client.post(ADD_URL, data).content.decode()
    assert "空欄のまま保存" in first and "重複を確認して保存" not in first
    second = admin_client.post(ADD_URL, {**data, "_confirm_empty": "1"}).content.decode()
    assert "重複を確認して保存" in second and 'type="hidden" name="_confirm_empty" value="1"' in second
    third = admin_client.post(ADD_URL, {**data, "_confirm_empty": "1", "_confirm_duplicates": "1"})
    assert third.status_code == 302
    assert Customer.objects.filter(last_name="高橋").count() == 2


def test_c8_family_row_on_the_card_follows_the_rules(admin_client, hq_branch, ja):
    rule("familymember", "hobbies", input_convert="to_full")
    rule("familymember", "name_kana", input_width="full")
    customer = CustomerFactory(branch=hq_branch)
    url = reverse("admin:crm_customer_change", args=[customer.pk])

    def family(**row):
        data = card_post_data(customer)
        data.update(management_data("family", 1, 0))
        data.update({f"family-0-{name}": value for name, value in
                     {"registered_on": "2026/12/01", "name": "山田花子", **row}.items()})
        return data

    refused = admin_client.post(url, family(name_kana="ﾔﾏﾀﾞ ﾊﾅｺ", hobbies="ｺﾞﾙﾌ"))
    assert refused.status_code == 200
    assert "入力ルール「全角のみ」: フリガナに半角文字（ﾔﾏﾀﾞ ﾊﾅｺ）は入力できません。" in refused.content.decode()
    assert not FamilyMember.objects.exists()
    saved = admin_client.post(url, family(name_kana="やまだ　はなこ", hobbies="ｺﾞﾙﾌ ﾃﾆｽ"))
    assert saved.status_code == 302, saved.content.decode()[:3000]
    member = FamilyMember.objects.get()
    assert (member.name_kana, member.hobbies) == ("ヤマダ ハナコ", "ゴルフ　テニス")
    # a rule set afterwards does not stop the card while the row is left as it is
    rule("familymember", "occupation", required=True)
    untouched = card_post_data(customer, remark1="メモ")
    # as the browser sends the date back, with its hidden initial value (a field with a default)
    untouched.update({"family-0-registered_on": "2026/12/01", "initial-family-0-registered_on": "2026/12/01"})
    assert admin_client.post(url, untouched).status_code == 302
    changed = card_post_data(customer)
    changed.update({"family-0-registered_on": "2026/12/01", "initial-family-0-registered_on": "2026/12/01",
                    "family-0-hobbies": "読書"})
    response = admin_client.post(url, changed)
    assert "入力ルール「必須」: 職業を入力してください。" in response.content.decode()


def test_c8_contact_history_form_required_and_warn(admin_client, hq_branch, ja):
    rule("contacthistory", "content1", label="来店目的", required=True)
    rule("contacthistory", "response", warn_if_empty=True, input_convert="to_full")
    customer = CustomerFactory(branch=hq_branch)
    data = {"customer": customer.pk, "date": "2026/12/01", "detail": "問合せの内容", "response": "",
            "attachments-TOTAL_FORMS": "0", "attachments-INITIAL_FORMS": "0"}
    url = reverse("admin:crm_contacthistory_add")
    response = admin_client.post(url, data)
    body = response.content.decode()
    assert response.status_code == 200 and "入力ルール「必須」: 来店目的を入力してください。" in body
    assert "問合せの内容" in body
    warned = admin_client.post(url, {**data, "content1": "ｶﾀﾛｸ"}).content.decode()
    assert "入力ルール「空欄時に警告」: 対応内容が空欄です。" in warned and "空欄のまま保存" in warned
    assert admin_client.post(url, {**data, "content1": "ｶﾀﾛｸ", "response": "ｻﾝﾌﾟﾙ送付"}).status_code == 302
    assert ContactHistory.objects.get().response == "サンプル送付"


def test_c8_purchase_form_converts_and_refuses(admin_client, hq_branch, ja):
    from crm.models import Purchase

    rule("purchase", "product_name", input_convert="to_full")
    rule("purchase", "other1", label="伝票番号", input_width="half")
    customer = CustomerFactory(branch=hq_branch)
    data = {"customer": customer.pk, "date": "2026/12/01", "product_name": "ｺﾋﾟｰ用紙 A4", "quantity": "2",
            "unit_price": "500", "amount": "", "points": "0", "other1": "Ｎｏ．１２"}
    url = reverse("admin:crm_purchase_add")
    refused = admin_client.post(url, data)
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["other1"] == [
        "入力ルール「半角のみ」: 伝票番号に全角文字（Ｎｏ．１２）は入力できません。"]
    assert not Purchase.objects.exists()
    assert admin_client.post(url, {**data, "other1": "No.12"}).status_code == 302
    assert Purchase.objects.get().product_name == "コピー用紙　Ａ４"


# --- the import ----------------------------------------------------------------------------------------

IMPORT_HEADER = "顧客コード,店舗,姓,名,フリガナ（姓）,会社名,備考1\r\n"


def test_c8_import_with_one_bad_row_writes_nothing_and_names_row_label_and_rule(world, ja):
    rule("customer", "remark1", label="会員番号", input_width="half")
    client = ja_client(world.users["hq_admin"])
    before = Customer.objects.count()
    data = cp932_file(",A,山田,太郎,やまだ,,M-001", ",A,佐藤,花子,ｻﾄｳ,,Ｍ－００２", header=IMPORT_HEADER)
    job = checked_job(client, data)
    assert job.result["bad_rows"] == 1
    problem = job.problems.get()
    assert (problem.row, problem.column) == (3, "会員番号")
    assert problem.message == "入力ルール「半角のみ」: 会員番号に全角文字（Ｍ－００２）は入力できません。"
    page = client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    assert "会員番号" in page and "入力ルール「半角のみ」" in page and 'id="import-confirm"' not in page
    refused = client.post(reverse("admin:dataio_importjob_write", args=[job.pk]))
    assert refused.status_code == 302
    assert Customer.objects.count() == before


def test_c8_import_converts_and_lists_warnings_but_still_imports(world, ja):
    rule("customer", "company_name", input_convert="to_full")
    rule("customer", "remark1", input_convert="to_half", input_width="half")
    rule("customer", "first_name", warn_if_empty=True)
    client = ja_client(world.users["hq_admin"])
    data = cp932_file(",A,山田,太郎,やまだ,ｶﾌﾞｼｷｶﾞｲｼｬABC,ＭＥＭ－００１", ",A,佐藤,,ｻﾄｳ,,M-002",
                      header=IMPORT_HEADER)
    job = checked_job(client, data)
    assert job.result["bad_rows"] == 0 and job.result["warned_rows"] == 1
    assert job.result["warnings"] == [{"row": 3, "column": "氏名（名）", "message": "入力ルール「空欄時に警告」: 氏名（名）が空欄です。"}]
    page = client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    assert 'id="import-warnings"' in page and "注意のある行（取込できます）" in page and 'id="import-confirm"' in page
    written = confirm(client, job)
    assert written.state == Job.State.SUCCEEDED, written.message
    yamada = Customer.objects.get(last_name="山田")
    assert (yamada.company_name, yamada.remark1) == ("カブシキガイシャＡＢＣ", "MEM-001")
    assert Customer.objects.get(last_name="佐藤").first_name == ""


def test_c8_import_new_customers_need_a_required_column_the_file_lacks(world, ja):
    rule("customer", "industry", required=True)
    client = ja_client(world.users["hq_admin"])
    before = Customer.objects.count()
    job = checked_job(client, cp932_file(",A,山田,太郎,やまだ,,", header=IMPORT_HEADER))
    problem = job.problems.get()
    assert (problem.row, problem.column, problem.message) == (2, "業種", "入力ルール「必須」: 業種を入力してください。")
    # an update of a known customer does not need it
    code = world.customer_a.code
    update = checked_job(client, cp932_file(f"{code},,,,,,更新メモ", header=IMPORT_HEADER))
    assert update.result["bad_rows"] == 0 and update.result["updated"] == 1
    assert Customer.objects.count() == before


def test_c8_import_command_prints_problems_and_warnings(world, tmp_path):
    from django.core.management import CommandError, call_command

    rule("customer", "remark1", label="会員番号", input_width="half")
    rule("customer", "first_name", warn_if_empty=True)
    path = tmp_path / "customers.csv"
    path.write_bytes(cp932_file(",A,山田,,やまだ,,M-1", ",A,佐藤,花子,ｻﾄｳ,,Ｍ２", header=IMPORT_HEADER))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_customers", str(path), user="hq_admin", stdout=out, stderr=err)
    assert "3行目 会員番号: 入力ルール「半角のみ」: 会員番号に全角文字（Ｍ２）は入力できません。" in err.getvalue()
    assert "2行目 氏名（名）: 入力ルール「空欄時に警告」: 氏名（名）が空欄です。" in out.getvalue()
    assert not Customer.objects.filter(last_name__in=["山田", "佐藤"]).exists()


def test_c8_import_check_queries_do_not_grow_with_rows_and_rules(world):
    from dataio import importing
    from dataio.reading import open_sheet

    rule("customer", "remark1", input_convert="to_half", input_width="half")
    rule("customer", "first_name", warn_if_empty=True)
    user = world.users["hq_admin"]

    def queries(rows: int, tmp) -> int:
        path = tmp / f"f{rows}.csv"
        path.write_bytes(cp932_file(*[f",A,山田{i},,やまだ,,ＡＢＣ{i}" for i in range(rows)], header=IMPORT_HEADER))
        with lookup.one_snapshot():
            plan = importing.plan_import(open_sheet(str(path)), "customers", user)
            with CaptureQueriesContext(connection) as captured:
                report = importing.check_rows(plan)
        assert report.bad_rows == 0 and report.warned_rows == rows
        return len(captured)

    import pathlib
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        assert queries(3, pathlib.Path(tmp)) == queries(60, pathlib.Path(tmp))


# --- the bulk update ------------------------------------------------------------------------------------

def test_c8_bulk_company_block_refuses_at_the_field_and_converts(world, ja):
    rule("customer", "company_name", input_width="full")
    rule("customer", "tel", input_convert="to_half")
    client = ja_client(world.users["hq_admin"])
    customer = world.customer_a
    response = client.post(LIST, company_post([customer.pk], company_name="ｼﾌﾞﾔ商事", tel="03-1111-2222"))
    assert response.status_code == 200
    assert response.context["form"].errors["company_name"] == [
        "入力ルール「全角のみ」: 会社名に半角文字（ｼﾌﾞﾔ）は入力できません。"]
    assert "ｼﾌﾞﾔ商事" in response.content.decode()
    customer.refresh_from_db()
    assert customer.company_name == "渋谷商事"
    saved = client.post(LIST, company_post([customer.pk], company_name="渋谷ホールディングス", tel="０３－９９９９－８８８８"))
    assert saved.status_code == 302
    customer.refresh_from_db()
    assert (customer.company_name, customer.tel) == ("渋谷ホールディングス", "03-9999-8888")


def test_c8_bulk_required_field_cannot_be_emptied_and_warn_says_so(world, ja):
    rule("customer", "company_name", required=True)
    rule("customer", "fax", warn_if_empty=True)
    client = ja_client(world.users["hq_admin"])
    response = client.post(LIST, company_post([world.customer_a.pk], company_name=""))
    assert response.context["form"].errors["company_name"] == ["入力ルール「必須」: 会社名を入力してください。"]
    saved = client.post(LIST, company_post([world.customer_a.pk], fax=""), follow=True)
    assert "入力ルール「空欄時に警告」: 会社FAXが空欄です。" in saved.content.decode()


def test_c8_bulk_service_and_worker_path_refuse_before_writing(world, ja):
    rule("customer", "building", input_width="full")
    rule("customer", "address", input_convert="to_full")
    customer = world.customer_a
    with pytest.raises(ValidationError) as refused:
        bulk.bulk_update(user=world.users["hq_admin"], queryset=Customer.objects.filter(pk=customer.pk),
                         values={"building": "ﾋﾞﾙ 3F", "address": "東京都渋谷区1-1"}, reason="移転", action="test")
    assert refused.value.message_dict["building"] == ["入力ルール「全角のみ」: ビル名に半角文字（ﾋﾞﾙ 3F）は入力できません。"]
    customer.refresh_from_db()
    assert customer.address != "東京都渋谷区１－１"
    changed = services.customers_bulk_update(queryset=Customer.objects.filter(pk=customer.pk), user=None,
                                             values={"address": "東京都渋谷区1-1"})
    customer.refresh_from_db()
    assert changed == 1 and customer.address == "東京都渋谷区１－１"


# --- in the browser --------------------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_c8_browser_rule_set_on_the_screen_refuses_then_converts_and_confirms_blanks(page, live_server):
    from django.apps import apps

    from crm import roles
    from tests.factories import BranchFactory, StaffFactory
    from tests.test_browser import login, shot

    roles.sync_roles(apps)
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    BranchFactory(code="HQ", name="本店")
    # the admin sets 備考1: 全角に変換 + 全角のみ, and 携帯TEL: 空欄時に警告, on 項目名設定
    login(page, live_server, "kanri")
    remark1 = FieldSetting.objects.get(model="customer", field_name="remark1")
    page.goto(live_server.url + reverse("admin:fieldconfig_fieldsetting_change", args=[remark1.pk]))
    page.select_option("select[name=input_convert]", "to_full")
    page.select_option("select[name=input_width]", "full")
    page.fill("input[name=label]", "会員区分")
    page.click("button[name=_save]")
    page.wait_for_url("**/fieldconfig/fieldsetting/")
    rule("customer", "remark2", input_width="half")
    rule("customer", "mobile", warn_if_empty=True)
    page.goto(live_server.url + reverse("admin:fieldconfig_fieldsetting_changelist") + "?model__exact=customer")
    assert "全角に変換・全角のみ" in page.content()
    shot(page, "c8_field_settings_list")
    page.goto(live_server.url + reverse("admin:fieldconfig_fieldsetting_change", args=[remark1.pk]))
    shot(page, "c8_field_setting_rules")

    # a customer with a full-width 備考2 is refused at the field, the typed values stay
    page.goto(live_server.url + ADD_URL)
    page.fill("input[name=last_name]", "山田")
    page.fill("input[name=first_name]", "花子")
    page.click("text=備考")
    page.fill("input[name=remark1]", "ｺﾞｰﾙﾄﾞ会員")
    page.fill("input[name=remark2]", "ＡＢＣ１２３")
    page.click("button[name=_save]")
    page.wait_for_selector("text=入力ルール「半角のみ」")
    body = page.content()
    assert "入力ルール「半角のみ」: 備考2に全角文字（ＡＢＣ１２３）は入力できません。" in body
    assert "confirm-empty" not in body  # the blanks are asked about once the errors are fixed
    page.click("text=備考")
    shot(page, "c8_form_error")
    assert page.input_value("input[name=remark1]") == "ｺﾞｰﾙﾄﾞ会員"
    assert not Customer.objects.exists()

    # corrected: the empty 携帯TEL asks first, 「空欄のまま保存」 saves, 備考1 stored in full width
    page.fill("input[name=remark2]", "ABC123")
    page.click("button[name=_save]")
    page.wait_for_selector("#confirm-empty")
    shot(page, "c8_form_empty_warning")
    assert "入力ルール「空欄時に警告」: 携帯TELが空欄です。" in page.content()
    page.click("#confirm-empty")
    page.wait_for_url("**/crm/customer/")
    customer = Customer.objects.get()
    assert (customer.remark1, customer.remark2, customer.mobile) == ("ゴールド会員", "ABC123", "")
