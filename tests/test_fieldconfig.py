"""C2 mode and C3 configurable labels, pulldowns and hidden fields."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.urls import reverse

from fieldconfig import lookup
from fieldconfig.models import FieldSetting, SystemSetting
from tests.factories import ContactHistoryFactory, CustomerFactory
from tests.helpers import card_post_data

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def setting(model, field, **changes):
    row = FieldSetting.objects.get(model=model, field_name=field)
    for name, value in changes.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    return row


def test_c3_every_configurable_field_has_a_row_after_migrate():
    assert FieldSetting.objects.filter(model="customer", field_name="remark10").exists()
    assert FieldSetting.objects.filter(model="customer", field_name="check48").exists()
    assert FieldSetting.objects.filter(model="contacthistory", field_name="content10").exists()
    assert FieldSetting.objects.filter(model="purchase", field_name="amount").exists()


def test_c3_renamed_label_shows_on_form_list_and_history(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch, remark1="山田様のご紹介")
    setting("customer", "remark1", label="紹介者")
    setting("customer", "company_name", label="法人名")

    card = admin_client.get(reverse("admin:crm_customer_change", args=[customer.pk])).content.decode()
    assert "紹介者" in card and ">備考1<" not in card
    listing = admin_client.get(reverse("admin:crm_customer_changelist")).content.decode()
    assert "法人名" in listing

    data = card_post_data(customer, remark1="佐藤様のご紹介")
    assert admin_client.post(reverse("admin:crm_customer_change", args=[customer.pk]), data).status_code == 302
    history = admin_client.get(reverse("admin:crm_customer_history", args=[customer.pk])).content.decode()
    assert "紹介者" in history and "佐藤様のご紹介" in history


def test_c3_admin_renames_through_the_field_label_screen(admin_client):
    row = FieldSetting.objects.get(model="customer", field_name="remark2")
    url = reverse("admin:fieldconfig_fieldsetting_change", args=[row.pk])
    response = admin_client.post(url, {"label": "来店きっかけ", "input_type": "text", "choices": "", "position": "0"})
    assert response.status_code == 302
    assert lookup.label("customer", "remark2") == "来店きっかけ"


def test_c3_remark_as_pulldown_offers_choices_and_refuses_others(admin_client, hq_branch):
    setting("customer", "remark3", input_type="select", choices="Aランク\nBランク\nCランク")
    setting("customer", "industry", input_type="select", choices="製造業\n小売業")
    page = admin_client.get(reverse("admin:crm_customer_add")).content.decode()
    assert '<option value="Bランク">Bランク</option>' in page
    assert '<option value="小売業">小売業</option>' in page

    response = admin_client.post(
        reverse("admin:crm_customer_add"), card_post_data(branch=hq_branch, last_name="伊藤", remark3="Zランク")
    )
    assert response.status_code == 200
    assert "一覧の中から選んでください。" in response.content.decode()


def test_c3_value_typed_before_pulldown_is_kept(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch, remark3="旧ランクS")
    setting("customer", "remark3", input_type="select", choices="Aランク\nBランク")
    page = admin_client.get(reverse("admin:crm_customer_change", args=[customer.pk])).content.decode()
    assert "旧ランクS" in page
    response = admin_client.post(reverse("admin:crm_customer_change", args=[customer.pk]), card_post_data(customer))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.remark3 == "旧ランクS"


def test_c3_pulldown_needs_choices_and_a_capable_field():
    row = FieldSetting.objects.get(model="customer", field_name="remark4")
    row.input_type = FieldSetting.SELECT
    with pytest.raises(Exception) as error:
        row.full_clean()
    assert "選択肢" in str(error.value)
    row = FieldSetting.objects.get(model="customer", field_name="last_name")
    row.hidden = True
    with pytest.raises(Exception):
        row.full_clean()


def test_c3_checkbox_names_and_hidden_fields(admin_client, hq_branch):
    setting("customer", "check1", label="年賀状")
    setting("customer", "check7", label="VIP")
    setting("customer", "check30", hidden=True)
    setting("customer", "remark9", hidden=True)
    customer = CustomerFactory(branch=hq_branch, remark9="残す値", check30=True)
    page = admin_client.get(reverse("admin:crm_customer_change", args=[customer.pk])).content.decode()
    assert "年賀状" in page and "VIP" in page
    assert 'name="check30"' not in page and 'name="remark9"' not in page
    assert 'name="check29"' in page
    # A hidden field keeps its value when the card is saved.
    data = card_post_data(customer)
    data.pop("remark9"), data.pop("check30")
    assert admin_client.post(reverse("admin:crm_customer_change", args=[customer.pk]), data).status_code == 302
    customer.refresh_from_db()
    assert customer.remark9 == "残す値" and customer.check30


def test_c3_contact_history_content_labels(admin_client, hq_branch):
    setting("contacthistory", "content1", label="問合せ種別")
    contact = ContactHistoryFactory(customer=CustomerFactory(branch=hq_branch))
    page = admin_client.get(reverse("admin:crm_contacthistory_change", args=[contact.pk])).content.decode()
    assert "問合せ種別" in page


def test_c2_individual_mode_switches_labels_order_and_honorific(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch)
    url = reverse("admin:crm_customer_change", args=[customer.pk])
    corporate = admin_client.get(url).content.decode()
    assert "会社TEL" in corporate
    assert corporate.index('name="company_name"') < corporate.index('name="last_name"')
    assert lookup.config().honorific == "御中"

    system = SystemSetting.objects.get()
    system.mode = "individual"
    system.save()
    individual = admin_client.get(url).content.decode()
    assert "自宅TEL" in individual and "勤務先" in individual
    assert individual.index('name="last_name"') < individual.index('name="company_name"')
    assert lookup.config().honorific == "様"


WORKER = textwrap.dedent(
    """
    import os, sys, django
    sys.path.insert(0, os.environ["KOKYAKU_ROOT"])
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    # The cache as production has it (shared by every process), not the tests' per-process memory.
    import importlib
    test_settings = importlib.import_module("config.settings.test")
    test_settings.CACHES = {**test_settings.CACHES,
                            "default": importlib.import_module("config.settings.base").CACHES["default"]}
    django.setup()
    from django.test import Client
    from crm.models import Branch, Customer, Staff
    from fieldconfig.models import FieldSetting
    if sys.argv[1] == "setup":  # on shared_database: already migrated
        user = Staff.objects.create_superuser("twoproc", "t@example.com", "x", is_head_office=True)
        Customer.objects.create(branch=Branch.objects.get_or_create(code="HQ", name="本店")[0], last_name="田中")
        sys.exit(0)
    client = Client()
    client.force_login(Staff.objects.get(username="twoproc"))
    url = f"/admin/crm/customer/{Customer.objects.get().pk}/change/"
    for line in sys.stdin:
        command = line.split()
        if command[0] == "render":
            body = client.get(url, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
            print("HAS" if f">{command[1]}<" in body else "MISSING", flush=True)
        elif command[0] == "rename":
            row = FieldSetting.objects.get(model="customer", field_name="remark1")
            row.label = command[1]
            row.save()
            print("OK", flush=True)
    """
)


def test_c3_label_change_reaches_another_server_process_without_restart(tmp_path, shared_database):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {**os.environ, "DATABASE_URL": shared_database, "KOKYAKU_ROOT": str(ROOT)}
    subprocess.run([sys.executable, str(script), "setup"], env=env, check=True, timeout=120)

    def start():
        return subprocess.Popen(
            [sys.executable, str(script), "serve"], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def ask(process, command):
        process.stdin.write(command + "\n")
        process.stdin.flush()
        return process.stdout.readline().strip()

    first, second = start(), start()
    try:
        assert ask(first, "render 備考1") == "HAS"  # warm: first process has read the configuration
        assert ask(second, "render 備考1") == "HAS"
        assert ask(second, "rename ご紹介者") == "OK"  # the admin saves in the other process
        assert ask(first, "render ご紹介者") == "HAS"
        assert ask(first, "render 備考1") == "MISSING"
    finally:
        for process in (first, second):
            process.stdin.close()
            process.wait(timeout=30)


def test_c3_field_settings_list_customer_first_under_default_labels(admin_client):
    response = admin_client.get(reverse("admin:fieldconfig_fieldsetting_changelist"))
    rows = list(response.context["cl"].result_list)
    assert rows[0].model == "customer" and rows[0].field_name == "code"
    customer_rows = FieldSetting.objects.filter(model="customer").count()
    assert [r.model for r in rows[:customer_rows]] == ["customer"] * customer_rows  # all on page 1, first
    body = response.content.decode()
    assert body.index("顧客コード") < body.index(">code<")  # the internal name is only a hint after it
    remark = FieldSetting.objects.get(model="customer", field_name="remark2")
    change = admin_client.get(reverse("admin:fieldconfig_fieldsetting_change", args=[remark.pk])).content.decode()
    assert "顧客: 備考2" in change and "顧客: remark2" not in change


def test_i11_p5_individual_mode_reaches_the_quick_search_and_send_to(admin_client, hq_branch):
    # given: an office in 個人 mode, with a customer whose mail goes to the workplace
    from django.utils import translation

    from crm.models import Customer

    customer = CustomerFactory(branch=hq_branch, send_to="company")
    system = SystemSetting.objects.get()
    system.mode = "individual"
    system.save()
    home = admin_client.get(reverse("admin:index")).content.decode()
    changelist = admin_client.get(reverse("admin:crm_customer_changelist")).content.decode()
    search = admin_client.get(reverse("admin:crm_customer_search")).content.decode()
    card = admin_client.get(reverse("admin:crm_customer_change", args=[customer.pk])).content.decode()

    # then: the home screen's box, the list's search box and the search screen say 勤務先 and 自宅住所
    hint = "顧客コード・氏名・フリガナ・勤務先・自宅住所・電話番号（ハイフン有無どちらでも）・Eメール"
    assert f'placeholder="{hint}"' in home
    assert f'placeholder="{hint}"' in changelist
    assert f"キーワード（{hint}）" in search
    for page in (home, changelist, search):
        assert "会社名" not in page
    # 送付先 offers 勤務先, on the card and on the search screen, and the history says so too
    assert '<option value="company" selected>勤務先</option>' in card
    assert '<option value="company">勤務先</option>' in search
    assert ">会社</option>" not in card and ">会社</option>" not in search
    with translation.override("ja"):
        assert Customer.objects.get(pk=customer.pk).get_send_to_display() == "勤務先"
    # the add form's copy block copies the 勤務先 block
    add = admin_client.get(reverse("admin:crm_customer_add")).content.decode()
    assert "勤務先情報をコピー" in add and "既存の顧客から勤務先〜自宅TELをコピーして入力します。" in add
    assert "会社情報" not in add

    # when: the office goes back to 法人 mode, every place says 会社名 and 会社 again
    system.mode = "corporate"
    system.save()
    home = admin_client.get(reverse("admin:index")).content.decode()
    card = admin_client.get(reverse("admin:crm_customer_change", args=[customer.pk])).content.decode()
    assert 'placeholder="顧客コード・氏名・フリガナ・会社名・住所・電話番号（ハイフン有無どちらでも）・Eメール"' in home
    assert '<option value="company" selected>会社</option>' in card
    add = admin_client.get(reverse("admin:crm_customer_add")).content.decode()
    assert "会社情報をコピー" in add and "既存の顧客から会社名〜会社TELをコピーして入力します。" in add


def test_c3_field_settings_are_found_by_the_label_people_see(admin_client):
    """Searching 項目名設定 for 携帯 finds 携帯TEL (a default label, kept in code) and a renamed field by its new name."""
    # given
    FieldSetting.objects.filter(model="customer", field_name="remark3").update(label="紹介者")
    lookup.invalidate()
    url = reverse("admin:fieldconfig_fieldsetting_changelist")
    # when
    mobile = list(admin_client.get(url, {"q": "携帯"}).context["cl"].result_list)
    renamed = list(admin_client.get(url, {"q": "紹介者"}).context["cl"].result_list)
    filtered = list(admin_client.get(url, {"q": "携帯", "model__exact": "purchase"}).context["cl"].result_list)
    # then
    assert ("customer", "mobile") in [(r.model, r.field_name) for r in mobile]
    assert [(r.model, r.field_name) for r in renamed] == [("customer", "remark3")]
    assert filtered == []  # the list's filters still apply
