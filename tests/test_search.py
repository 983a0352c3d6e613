"""S2 advanced search, S3 normalization, S4 result list, saved searches."""

import datetime
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from crm import normalize, search
from crm.models import Customer, SavedSearch
from tests.factories import (
    BranchFactory, ContactCategoryFactory, ContactHistoryFactory, CustomerFactory, FamilyMemberFactory, PurchaseFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("admin:crm_customer_changelist")
SEARCH = reverse("admin:crm_customer_search")


def codes(client, **params):
    response = client.get(LIST + "?" + urlencode(params, doseq=True))
    assert response.status_code == 200, response.status_code
    return {c.code for c in response.context["cl"].result_list}


@pytest.fixture
def people(hq_branch):
    tanaka = CustomerFactory(branch=hq_branch, last_name="田中", first_name="太郎", last_name_kana="タナカ",
                             address="東京都港区東品川1-1", tel="03-1234-5678", email="taro@tanaka.jp",
                             birth_date=datetime.date(1970, 5, 1), check1=True, remark1="Aランク")
    sato = CustomerFactory(branch=hq_branch, last_name="佐藤", first_name="花子", last_name_kana="サトウ",
                           address="大阪府大阪市北区梅田", tel="06-9876-5432", email="hanako@sato.jp",
                           birth_date=datetime.date(1990, 1, 1), check2=True)
    suzuki = CustomerFactory(branch=hq_branch, last_name="鈴木", first_name="一郎", last_name_kana="スズキ",
                             address="東京都千代田区", tel="03-5555-0000", email="ichiro@suzuki.jp",
                             birth_date=None)
    return {"tanaka": tanaka, "sato": sato, "suzuki": suzuki}


def test_s2_text_fields_partial_match_and_wildcard(admin_client, people):
    assert codes(admin_client, s_address="東京") == {people["tanaka"].code, people["suzuki"].code}
    assert codes(admin_client, s_address="*東京*") == {people["tanaka"].code, people["suzuki"].code}
    assert codes(admin_client, s_address="大阪*") == {people["sato"].code}
    assert codes(admin_client, s_address="*梅田") == {people["sato"].code}
    assert codes(admin_client, s_remark1="ランク") == {people["tanaka"].code}


def test_s2_and_or(admin_client, people):
    both = dict(s_address="東京", s_last_name="佐藤")
    assert codes(admin_client, **both) == set()
    assert codes(admin_client, s_mode="or", **both) == {c.code for c in people.values()}


def test_s2_ranges_on_code_birth_age_and_dates(admin_client, people):
    p = people
    assert codes(admin_client, s_code_from=p["sato"].code, s_code_to=p["suzuki"].code) == {p["sato"].code, p["suzuki"].code}
    assert codes(admin_client, s_birth_from="1980-01-01", s_birth_to="1999-12-31") == {p["sato"].code}
    age = datetime.date.today().year - 1970
    assert p["tanaka"].code in codes(admin_client, s_age_from=age - 1, s_age_to=age)
    assert p["sato"].code not in codes(admin_client, s_age_from=age - 1, s_age_to=age)
    today = datetime.date.today().isoformat()
    assert len(codes(admin_client, s_created_from=today, s_updated_to=today)) == 3


def test_s2_checkbox_conditions(admin_client, people):
    assert codes(admin_client, s_check1="1") == {people["tanaka"].code}
    assert codes(admin_client, s_check1="0") == {people["sato"].code, people["suzuki"].code}
    assert codes(admin_client, s_check1="1", s_check2="1") == set()
    assert len(codes(admin_client, s_check1="")) == 3


def test_s2_contact_purchase_and_family_conditions_in_one_query(admin_client, people):
    claim = ContactCategoryFactory(name="クレーム")
    ContactHistoryFactory(customer=people["tanaka"], date=datetime.date(2024, 3, 5), category=claim, content2="配送遅延")
    ContactHistoryFactory(customer=people["sato"], date=datetime.date(2023, 3, 5), category=claim)
    PurchaseFactory(customer=people["tanaka"], date=datetime.date(2024, 4, 1), quantity=10, unit_price=2000)
    PurchaseFactory(customer=people["sato"], date=datetime.date(2024, 4, 1), quantity=1, unit_price=500)
    PurchaseFactory(customer=people["sato"], date=datetime.date(2024, 5, 1), quantity=1, unit_price=500)
    FamilyMemberFactory(customer=people["suzuki"], name="鈴木 恵理", name_kana="スズキ エリ", relation="子供")

    t, s, z = people["tanaka"].code, people["sato"].code, people["suzuki"].code
    assert codes(admin_client, s_c_date_from="2024-01-01", s_c_date_to="2024-12-31") == {t}
    assert codes(admin_client, s_c_category=claim.pk) == {t, s}
    assert codes(admin_client, s_c_text="遅延") == {t}
    assert codes(admin_client, s_p_date_from="2024-01-01", s_p_total_min=10000) == {t}
    assert codes(admin_client, s_p_count_min=2) == {s}
    assert codes(admin_client, s_p_total_max=1000, s_p_count_min=1) == {s}
    assert codes(admin_client, s_p_last_from="2024-05-01") == {s}
    assert codes(admin_client, s_p_product="インク") == {t, s}
    assert codes(admin_client, s_f_name="えり") == {z}
    # all in one query with customer fields
    assert codes(admin_client, s_address="東京", s_c_date_from="2024-01-01", s_p_total_min=5000) == {t}


def test_s2_impossible_range_unknown_field_and_bad_values_get_japanese_messages(admin_client, people):
    url = LIST + "?" + urlencode({"s_birth_from": "2000-01-01", "s_birth_to": "1990-01-01", "s_address": "東京"})
    response = admin_client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(SEARCH)
    page = admin_client.get(response["Location"]).content.decode()
    assert "範囲の開始が終了より後です" in page
    assert 'value="東京"' in page  # the other conditions are kept

    page = admin_client.get(SEARCH + "?s_nosuchfield=1&s_age_from=abc&s_c_date_from=2024-02-30").content.decode()
    assert "不明な検索条件: s_nosuchfield" in page
    assert "整数を入力してください" in page
    assert "日付を正しく入力してください" in page


def test_s2_hidden_fields_are_not_offered(admin_client, people):
    from fieldconfig.models import FieldSetting

    FieldSetting.objects.filter(model="customer", field_name__in=["remark5", "check40"]).update(hidden=True)
    from fieldconfig import lookup

    lookup.invalidate()
    page = admin_client.get(SEARCH).content.decode()
    assert 'name="s_remark5"' not in page and 'name="s_check40"' not in page
    assert 'name="s_remark4"' in page
    response = admin_client.get(SEARCH + "?s_remark5=x")
    assert "不明な検索条件: s_remark5" in response.content.decode()


def test_s2_labels_come_from_the_field_configuration(admin_client):
    from fieldconfig.models import FieldSetting

    FieldSetting.objects.filter(model="customer", field_name="check1").update(label="年賀状")
    from fieldconfig import lookup

    lookup.invalidate()
    assert "年賀状" in admin_client.get(SEARCH).content.decode()


def test_s2_page_size_and_sort_order(admin_client, people):
    response = admin_client.get(LIST, {"s_sort": "kana", "s_per_page": 20, "s_created_from": "2000-01-01"})
    names = [c.last_name for c in response.context["cl"].result_list]
    assert names == ["佐藤", "鈴木", "田中"]  # サトウ, スズキ, タナカ
    assert response.context["cl"].paginator.per_page == 20
    response = admin_client.get(LIST, {"s_sort": "code_desc", "s_created_from": "2000-01-01"})
    assert [c.code for c in response.context["cl"].result_list] == sorted((c.code for c in people.values()), reverse=True)


@pytest.mark.parametrize("stored, query", [
    ({"last_name_kana": "タナカ"}, "ﾀﾅｶ"),
    ({"last_name_kana": "タナカ"}, "たなか"),
    ({"tel": "03-1234-5678"}, "０３１２３４５６７８"),
    ({"tel": "03-1234-5678"}, "03 1234 5678"),
    ({"email": "Taro@Tanaka.JP"}, "taro@TANAKA"),
    ({"last_name": "髙橋"}, "高橋"),
    ({"last_name": "山﨑"}, "山崎"),
    ({"last_name": "渡邊"}, "渡辺"),
    ({"last_name": "渡邉"}, "渡辺"),
    ({"last_name": "齋藤"}, "斎藤"),
    ({"last_name": "齊藤"}, "斉藤"),
    ({"company_name": "ＡＢＣ商事"}, "abc商事"),
    ({"last_name": "田中", "first_name": "太郎"}, "田中　太郎"),
])
def test_s3_normalization_rules(admin_client, hq_branch, stored, query):
    customer = CustomerFactory(branch=hq_branch, **{"last_name": "無関係", "last_name_kana": "ムカンケイ", **stored})
    CustomerFactory(branch=hq_branch, last_name="別人", last_name_kana="ベツジン", tel="", email="", company_name="")
    assert codes(admin_client, q=query) == {customer.code}


def test_s3_keys_stay_correct_on_every_write_path(admin_client, hq_branch):
    customer = CustomerFactory(branch=hq_branch, last_name="旧姓")
    # queryset.update() bypasses save(): the service that does bulk updates refreshes the keys
    from crm import services

    services.customers_bulk_update(queryset=Customer.objects.filter(pk=customer.pk), values={"last_name": "新姓"},
                                   user=None, reason="")
    assert codes(admin_client, q="新姓") == {customer.code}
    assert codes(admin_client, q="旧姓") == set()
    assert normalize.normalize_text("ﾀﾅｶ　ﾀﾛｳ") == "タナカタロウ"


def test_s4_result_list_columns_links_and_checkbox_columns(admin_client, people):
    ContactHistoryFactory(customer=people["tanaka"])
    body = admin_client.get(LIST, {"s_created_from": "2000-01-01", "s_cols": ["check1", "check2"]}).content.decode()
    assert 'href="tel:0312345678"' in body and 'href="mailto:taro@tanaka.jp"' in body
    assert 'class="kokyaku-toggle"' in body and 'data-field="check2"' in body
    assert "text-red-600" in body  # the customer with contact history is marked


def test_s4_toggle_checkbox_from_the_list_writes_history(admin_client, admin_user, people):
    customer = people["sato"]
    url = reverse("admin:crm_customer_toggle_check", args=[customer.pk])
    response = admin_client.post(url, {"field": "check5", "value": "1"})
    assert response.status_code == 200 and response.json() == {"field": "check5", "value": True}
    customer.refresh_from_db()
    assert customer.check5
    record = customer.history.first()
    assert record.history_user == admin_user and record.history_change_reason == "一覧から変更"
    assert admin_client.post(url, {"field": "remark1", "value": "1"}).status_code == 400


def test_s4_read_only_user_cannot_toggle(client, people):
    viewer = StaffFactory(username="sanshou", is_head_office=True, perms=["crm.view_customer"])
    client.force_login(viewer)
    customer = people["sato"]
    response = client.post(reverse("admin:crm_customer_toggle_check", args=[customer.pk]), {"field": "check5", "value": "1"})
    assert response.status_code == 403
    customer.refresh_from_db()
    assert not customer.check5


def test_s4_counts_are_exact_when_small_and_estimated_when_large(admin_client, hq_branch, monkeypatch):
    from crm.admin import pagination

    rows = [Customer(branch=hq_branch, code=f"X{i:05d}", last_name="田中") for i in range(30)]
    for row in rows:
        row.refresh_search_keys()  # bulk_create skips save(), as seed_demo knows
    Customer.objects.bulk_create(rows)
    response = admin_client.get(LIST, {"q": "田中"})
    assert response.context["cl"].result_count == 30 and not response.context["cl"].paginator.is_estimate
    monkeypatch.setattr(pagination, "CAP", 10)
    response = admin_client.get(LIST, {"q": "田中"})
    assert response.context["cl"].paginator.is_estimate
    assert 20 <= response.context["cl"].result_count <= 40
    assert "約" in response.content.decode()


def test_saved_searches_private_and_shared(admin_client, admin_user, client, people):
    querystring = urlencode({"s_address": "東京", "s_cols": "check1"})
    response = admin_client.post(reverse("admin:crm_customer_save_search"),
                                 {"name": "東京の顧客", "querystring": querystring})
    assert response.status_code == 302
    admin_client.post(reverse("admin:crm_customer_save_search"),
                      {"name": "全員に共有", "querystring": "s_check1=1", "shared": "1"})
    assert SavedSearch.objects.count() == 2
    home = admin_client.get(reverse("admin:index")).content.decode()
    assert "東京の顧客" in home and "全員に共有" in home
    mine = SavedSearch.objects.get(name="東京の顧客")
    opened = reverse("admin:crm_customer_open_search", args=[mine.pk])
    assert f'href="{opened}"' in home and querystring not in home.replace("&amp;", "&")
    assert admin_client.get(opened)["Location"] == f"{LIST}?{querystring}"

    other = StaffFactory(username="other", is_head_office=True, perms=["crm.view_customer"])
    client.force_login(other)
    home = client.get(reverse("admin:index")).content.decode()
    assert "全員に共有" in home and "東京の顧客" not in home
    private = SavedSearch.objects.get(name="東京の顧客")
    assert client.post(reverse("admin:crm_customer_delete_search", args=[private.pk])).status_code == 403


def test_s4_text_search_result_is_ordered_for_streaming(admin_client, hq_branch):
    """On SQLite the page must be ordered by the FTS rowid, or it sorts every match (slow at 1M)."""
    from django.db import connection

    CustomerFactory(branch=hq_branch, last_name="田中")
    response = admin_client.get(LIST, {"q": "田"})
    queryset = response.context["cl"].queryset
    if connection.vendor == "sqlite":
        assert queryset.query.extra_order_by == ["crm_customer_fts.rowid"]
    else:
        assert list(queryset.query.order_by)[0] in ("id", "pk")


def test_s3_like_wildcards_in_a_query_are_literal(admin_client, hq_branch):
    plain = CustomerFactory(branch=hq_branch, company_name="100年商店", last_name="甲")
    CustomerFactory(branch=hq_branch, company_name="100%果汁", last_name="乙")
    assert codes(admin_client, q="100%") == {c.code for c in Customer.objects.filter(last_name="乙")}
    assert codes(admin_client, q="_") == set()
    assert plain.code in codes(admin_client, q="100年")


def test_s3_ascii_fragments_and_mixed_queries(admin_client, hq_branch):
    """Phone digits and email fragments of 3+ characters take the ASCII index; mixed queries use both."""
    # given
    tanaka = CustomerFactory(branch=hq_branch, last_name="田中", last_name_kana="タナカ", tel="03-1234-5678",
                             email="Taro.Yamada@example.jp", company_name="ABC商事")
    other = CustomerFactory(branch=hq_branch, last_name="田中", last_name_kana="タナカ", tel="06-9999-0000",
                            email="hanako@example.jp", company_name="")
    # when / then
    assert codes(admin_client, q="1234") == {tanaka.code}
    assert codes(admin_client, q="４５６７８") == {tanaka.code}
    assert codes(admin_client, q="taro.yam") == {tanaka.code}
    assert codes(admin_client, q="EXAMPLE.JP") == {tanaka.code, other.code}
    assert codes(admin_client, q="田中 9999") == {other.code}
    assert codes(admin_client, q="abc商事") == {tanaka.code}
    assert codes(admin_client, q="abc 田中") == {tanaka.code}
    assert codes(admin_client, q="34") == {tanaka.code}  # two digits: the tripled index (SQLite), the key (PostgreSQL)
    assert codes(admin_client, q="1234 9999") == set()


@pytest.mark.parametrize("key", ["0312345678", "taro.yamada@example.jp", "000123", "abc", "a-b"])
def test_s3_ascii_runs_keep_substring_semantics(key):
    text = normalize.search_key(texts=["000123", "田中太郎", "taro.yamada@example.jp", "abc商事", "a-b"],
                                phones=["03-1234-5678"])
    runs = normalize.ascii_runs(text)
    for start in range(len(key)):
        for end in range(start + 3, len(key) + 1):
            fragment = key[start:end]
            assert (fragment in text) == any(fragment in run for run in runs.split("\n"))


@pytest.mark.parametrize("span", [8000, 1])
def test_s3_one_or_two_ascii_characters_match_codes_phones_and_emails(client, admin_client, hq_branch, monkeypatch,
                                                                     span):
    """On PostgreSQL no index holds one or two ASCII characters (migration 0015): the walk in id
    order answers them, and when it finds too few (span 1) the whole table is read. Same answers."""
    from crm import roles, search
    from tests.factories import BranchFactory

    # given
    monkeypatch.setattr(search, "SHORT_KEY_PROBE_SPAN", span)
    other = BranchFactory(code="B2", name="新宿店")
    mine = CustomerFactory(branch=hq_branch, last_name="田中", tel="03-1234-5678", email="jr@example.jp")
    theirs = CustomerFactory(branch=other, last_name="山田", tel="06-9999-0000", email="hanako@example.jp",
                             company_name="JR商事")
    plain = CustomerFactory(branch=hq_branch, last_name="佐藤", tel="", email="", company_name="")
    member = StaffFactory(username="shiten", roles=[roles.GENERAL], branches=[hq_branch])
    client.force_login(member)
    # when / then
    assert codes(admin_client, q="34") == {mine.code}
    assert codes(admin_client, q="jr") == {mine.code, theirs.code}
    assert codes(admin_client, q="ＪＲ 山") == {theirs.code}
    assert codes(admin_client, q="99") == {theirs.code}
    assert codes(client, q="jr") == {mine.code}
    assert codes(client, q="99") == set()
    assert codes(client, q=plain.code[-1]) >= {plain.code}


def test_s3_postgresql_triples_only_the_lines_with_a_non_ascii_character(hq_branch):
    """A key with a non-ASCII character is in a search key exactly when it is in its wide lines;
    PostgreSQL's column and Python's function agree."""
    import itertools

    from django.db import connection

    for n in range(1, 4):
        for key in map("".join, itertools.product("aあ", repeat=n)):
            if not normalize.is_wide_term(key):
                continue
            for m in range(7):
                for text in map("".join, itertools.product("aあ\n", repeat=m)):
                    assert (key in text) == (key in normalize.wide_lines(text)), (key, text)
    customer = CustomerFactory(branch=hq_branch, last_name="田中", first_name="Ａｎｎａ", company_name="ABC",
                               tel="03-1234-5678", email="anna@example.jp")
    wide = normalize.wide_lines(customer.search_text).split("\n")
    assert "田中anna" in wide and "abc" not in wide and "anna@example.jp" not in wide and customer.code not in wide
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT search_tri FROM crm_customer WHERE id = %s", [customer.pk])
            (stored,) = cursor.fetchone()
        expected = normalize.pg_branch_prefix(hq_branch.pk) + normalize.triple(normalize.wide_lines(customer.search_text))
        assert stored == expected


def _bulk_tanaka(branch, n, prefix="X"):
    rows = [Customer(branch=branch, code=f"{prefix}{i:05d}", last_name="田中") for i in range(n)]
    for row in rows:
        row.refresh_search_keys()  # bulk_create skips save(), as seed_demo knows
    return Customer.objects.bulk_create(rows)


def test_s4_pages_inside_a_large_result_are_bounded_and_exact(admin_client, hq_branch, monkeypatch):
    """Pages within the first CAP matches are read by the ids the window bounds, and equal the unbounded pages."""
    from crm.admin import pagination

    # given: 30 matches, CAP 15, 10 rows a page
    _bulk_tanaka(hq_branch, 30)
    CustomerFactory(branch=hq_branch, last_name="佐藤")
    monkeypatch.setattr(pagination, "CAP", 15)
    expected = list(Customer.objects.filter(last_name="田中").order_by("id").values_list("code", flat=True))
    for page, rows in ((1, expected[:10]), (2, expected[10:20]), (3, expected[20:30])):
        # when
        response = admin_client.get(LIST, {"q": "田中", "s_per_page": 10, "p": page})
        # then
        cl = response.context["cl"]
        assert [c.code for c in cl.result_list] == rows
        assert cl.paginator.is_estimate and cl.paginator.window_last_id is not None
        if page == 1:  # inside the first CAP rows: read by their ids, no sort of every match
            assert '"crm_customer"."id" IN (' in str(cl.result_list.query)


@pytest.mark.parametrize("common", [True, False])
def test_s4_common_key_is_estimated_from_a_sample_and_its_pages_stay_exact(admin_client, hq_branch, monkeypatch,
                                                                        common):
    """PostgreSQL: a key that a random sample of runs of ids shows common (search.DENSE_PROBE) is
    estimated without reading the first CAP+1 matches from the index; its pages are still the
    exact pages in id order. A rare key is counted exactly, as before (both databases)."""
    from django.db import connection

    from crm import search
    from crm.admin import pagination

    # given: 田中 on every other customer of 120 (common), or on 3 of them (rare); CAP 15; the
    # probe: 8 runs of 4 ids, 4 hits needed (half of 32 ids match a common key, at most 3 a rare one)
    names = ["田中" if i % 2 == 0 and (common or i < 6) else "佐藤" for i in range(120)]
    rows = [Customer(branch=hq_branch, code=f"D{i:05d}", last_name=name) for i, name in enumerate(names)]
    for row in rows:
        row.refresh_search_keys()
    Customer.objects.bulk_create(rows)
    monkeypatch.setattr(pagination, "CAP", 15)
    monkeypatch.setattr(search, "DENSE_MIN_RANGE", 0)
    monkeypatch.setattr(search, "DENSE_PROBE", 32)
    monkeypatch.setattr(search, "DENSE_RUN", 4)
    expected = list(Customer.objects.filter(last_name="田中").order_by("id").values_list("code", flat=True))
    for page in (1, 2, 3) if common else (1,):
        # when
        response = admin_client.get(LIST, {"q": "田中", "s_per_page": 10, "p": page})
        # then
        paginator = response.context["cl"].paginator
        assert [c.code for c in response.context["cl"].result_list] == expected[(page - 1) * 10:page * 10]
        if not common:
            assert paginator.count == 3 and not paginator.is_estimate
        elif connection.vendor == "postgresql":
            assert paginator.is_estimate and paginator.window == () and len(paginator.first_ids) == 16
        else:
            assert paginator.is_estimate and paginator.window  # SQLite reads its window from FTS


def test_s4_a_branch_users_common_key_is_estimated_from_a_sample_of_their_branch(hq_branch, monkeypatch):
    """PostgreSQL: for a user of one branch, the sample's runs and the first page's walk widen by the branch's
    share of the ids, so a common key is estimated without reading the index, as for head office (issue 24:
    a branch user's quick search costs no more than head office's); its pages are the exact pages in id order
    and hold no other branch's customer. On SQLite the count is exact or estimated from FTS, as before."""
    from django.db import connection
    from django.test import Client

    from crm import roles
    from crm.admin import pagination

    # given: 600 customers alternating between 本店 and 渋谷店; 田中 on every other one of each branch
    shibuya = BranchFactory(code="B", name="渋谷店")
    rows = []
    for i in range(600):
        branch = hq_branch if i % 2 == 0 else shibuya
        row = Customer(branch=branch, code=f"E{i:05d}", last_name="田中" if i % 4 < 2 else "佐藤")
        row.refresh_search_keys()
        rows.append(row)
    Customer.objects.bulk_create(rows)
    user = StaffFactory(username="shibuya", roles=[roles.GENERAL], branches=[shibuya])
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(user)
    monkeypatch.setattr(pagination, "CAP", 15)
    monkeypatch.setattr(search, "DENSE_MIN_RANGE", 0)
    monkeypatch.setattr(search, "DENSE_PROBE", 32)
    monkeypatch.setattr(search, "DENSE_RUN", 4)
    expected = list(Customer.objects.filter(last_name="田中", branch=shibuya).order_by("id")
                    .values_list("code", flat=True))
    assert len(expected) == 150
    for page in (1, 2, 3):
        # when
        response = client.get(LIST, {"q": "田中", "s_per_page": 10, "p": page})
        # then
        paginator = response.context["cl"].paginator
        assert [c.code for c in response.context["cl"].result_list] == expected[(page - 1) * 10:page * 10]
        assert paginator.is_estimate
        if connection.vendor == "postgresql":
            assert paginator.window == () and len(paginator.first_ids) == 16
            assert 100 <= paginator.count <= 225  # 150, estimated from the first 16 in id order


def test_s4_exact_result_pages_are_read_by_the_ids_the_count_found(admin_client, hq_branch, monkeypatch):
    """At most CAP matches: the count's one query found every id; each page, in any order, reads only those."""
    from crm.admin import pagination

    # given: 25 matches among others, CAP 30
    _bulk_tanaka(hq_branch, 25)
    CustomerFactory(branch=hq_branch, last_name="佐藤")
    monkeypatch.setattr(pagination, "CAP", 30)
    by_code_desc = list(Customer.objects.filter(last_name="田中").order_by("-code").values_list("code", flat=True))
    # when: sorted by code, descending, second page of 10
    response = admin_client.get(LIST, {"q": "田中", "s_per_page": 10, "p": 2, "s_sort": "code_desc",
                                       "s_created_from": "2000-01-01"})
    # then
    cl = response.context["cl"]
    assert cl.paginator.count == 25 and not cl.paginator.is_estimate
    assert set(cl.paginator.all_ids) == set(Customer.objects.filter(last_name="田中").values_list("id", flat=True))
    assert '"crm_customer"."id" IN (' in str(cl.result_list.query)
    assert [c.code for c in cl.result_list] == by_code_desc[10:20]


@pytest.mark.parametrize("walk_span", [0, 10**9])
def test_s4_first_matches_by_walk_or_by_index_are_the_same(hq_branch, monkeypatch, walk_span):
    """The first N matches in id order, whether walked in id order or asked of the index (PostgreSQL)."""
    from crm import search

    # given: matches spread between other customers
    for i in range(40):
        CustomerFactory(branch=hq_branch, last_name="田中" if i % 3 == 0 else "佐藤")
    monkeypatch.setattr(search, "WALK_SPAN", walk_span)
    queryset = search.customer_quick_search(Customer.objects.order_by("id"), "田中")
    expected = list(queryset.values_list("id", flat=True))
    window = sorted(search.window_ids(queryset, 10))
    low = Customer.objects.order_by("id").values_list("id", flat=True).first()
    # when
    found = search.first_matches(queryset, n=5, bound=window[4], low=low)
    # then
    assert found == expected[:5]


def test_s4_bounded_page_streams_in_id_order_on_postgresql(hq_branch):
    from django.db import connection

    from crm import search

    # given
    _bulk_tanaka(hq_branch, 5)
    queryset = search.customer_quick_search(Customer.objects.order_by("id"), "田中")
    last = queryset.values_list("id", flat=True)[2]
    # when
    bounded = search.bounded_stream(queryset, last)
    # then: the same rows, and on PostgreSQL the text condition in its unindexed, id-order form
    assert list(bounded.values_list("id", flat=True)) == list(queryset.values_list("id", flat=True)[:3])
    sql = str(bounded.query)
    if connection.vendor == "postgresql":
        assert "strpos(" in sql and " LIKE " not in sql
        assert " LIKE " in str(queryset.query)


def test_r2_search_index_itself_narrows_to_the_users_branches(hq_branch):
    """The index read is per branch (SQLite FTS marker, PostgreSQL column prefix); moves follow."""
    from crm import search
    from tests.factories import BranchFactory

    # given
    other = BranchFactory(code="B2", name="新宿店")
    here = CustomerFactory(branch=hq_branch, last_name="田中", tel="03-1234-5678")
    there = CustomerFactory(branch=other, last_name="田中", tel="03-1234-5678")
    everyone = Customer.objects.all()  # no scope filter: only the index narrows

    def found(query, branch_ids):
        keys = search.search_terms(query)
        return set(search.filter_by_terms(everyone, keys, branch_ids=branch_ids).values_list("code", flat=True))

    # then
    for query in ("田中", "田", "1234", "田中 5678"):
        assert found(query, None) == {here.code, there.code}
        assert found(query, [hq_branch.id]) == {here.code}
        assert found(query, [other.id]) == {there.code}
        assert found(query, [hq_branch.id, other.id]) == {here.code, there.code}
    # when: a customer moves branch
    here.branch = other
    here.save()
    # then
    assert found("田中", [hq_branch.id]) == set()
    assert found("1234", [other.id]) == {here.code, there.code}


def test_r2_branch_markers_cannot_be_typed(hq_branch):
    """Marker characters are stripped from stored text and queries; no branch's marker contains another's."""
    marker = normalize.branch_marker(1)
    assert normalize.normalize_text(f"田中{marker}") == "田中"
    assert normalize.branch_marker(1) not in normalize.branch_marker(11)
    assert len({normalize.branch_marker(b) for b in (1, 65533, 65534, 70000, 131068)}) == 5
    assert normalize.normalize_text(normalize.branch_marker(70000)) == ""
    assert normalize.pg_branch_prefix(1) not in normalize.pg_branch_prefix(11)
    assert normalize.pg_branch_prefix(17) == "QBHQ\n"


@pytest.mark.parametrize("probe", [1, 5000])
def test_s2_related_conditions_same_result_whichever_way_they_join(admin_client, people, monkeypatch, probe):
    """Few matching rows: customers looked up from them; many: each customer probed. Same answer."""
    from crm import advanced_search

    # given
    monkeypatch.setattr(advanced_search, "RELATED_PROBE", probe)
    ContactHistoryFactory(customer=people["tanaka"], date=datetime.date(2026, 1, 10))
    ContactHistoryFactory(customer=people["sato"], date=datetime.date(2025, 1, 10))
    PurchaseFactory(customer=people["suzuki"], date=datetime.date(2026, 2, 1))
    FamilyMemberFactory(customer=people["sato"], name="佐藤次郎", relation="長男")
    # then
    assert codes(admin_client, s_c_date_from="2026-01-01") == {people["tanaka"].code}
    assert codes(admin_client, s_p_date_from="2026-01-01") == {people["suzuki"].code}
    assert codes(admin_client, s_f_relation="長男") == {people["sato"].code}
    assert codes(admin_client, s_mode="or", s_c_date_from="2026-01-01", s_f_relation="長男") == {
        people["tanaka"].code, people["sato"].code}


def test_s3_advanced_text_fields_match_variant_kanji_and_width(admin_client, hq_branch):
    # given
    takahashi = CustomerFactory(branch=hq_branch, last_name="髙橋", last_name_kana="タカハシ", company_name="ABC商事")
    saito = CustomerFactory(branch=hq_branch, last_name="斎藤", last_name_kana="サイトウ", company_name="")
    # then
    assert codes(admin_client, s_last_name="高橋") == {takahashi.code}
    assert codes(admin_client, s_last_name="髙*") == {takahashi.code}
    assert codes(admin_client, s_last_name="齋藤") == {saito.code}
    assert codes(admin_client, s_company_name="ＡＢＣ") == {takahashi.code}
    assert codes(admin_client, s_last_name_kana="ｻｲﾄｳ") == {saito.code}


@pytest.mark.parametrize("span", [1, 1000])
def test_s4_one_character_window_walks_or_asks_the_index(admin_client, hq_branch, monkeypatch, span):
    """PostgreSQL walks the first customers for one-character keys, else asks the index; same page."""
    from crm import search
    from crm.admin import pagination

    # given
    monkeypatch.setattr(pagination, "CAP", 10)
    monkeypatch.setattr(search, "SHORT_KEY_PROBE_SPAN", span)
    CustomerFactory(branch=hq_branch, last_name="佐藤")
    _bulk_tanaka(hq_branch, 30)
    expected = list(Customer.objects.filter(last_name="田中").order_by("id").values_list("code", flat=True))
    # when
    response = admin_client.get(LIST, {"q": "田"})
    # then
    cl = response.context["cl"]
    assert [c.code for c in cl.result_list] == expected
    assert cl.paginator.is_estimate and 15 <= cl.result_count <= 60


@pytest.mark.parametrize("span", [1, 20, 1000])
def test_r2_one_character_search_of_a_branch_user(client, hq_branch, monkeypatch, span):
    """The walk over the first customers is the user's branches' walk; the page is theirs only."""
    from crm import roles, search
    from crm.admin import pagination
    from tests.factories import BranchFactory

    # given
    monkeypatch.setattr(pagination, "CAP", 10)
    monkeypatch.setattr(search, "SHORT_KEY_PROBE_SPAN", span)
    other = BranchFactory(code="B2", name="新宿店")
    _bulk_tanaka(other, 20, prefix="O")
    mine = _bulk_tanaka(hq_branch, 25, prefix="M")
    user = StaffFactory(username="shiten", roles=[roles.GENERAL], branches=[hq_branch])
    client.force_login(user)
    # when
    response = client.get(LIST, {"q": "田"})
    # then
    cl = response.context["cl"]
    assert [c.code for c in cl.result_list] == [c.code for c in mine]
    assert cl.paginator.is_estimate


def test_s3_shortened_tripled_pattern_matches_exactly_when_the_key_does():
    """Every key and text over a small alphabet (with the newline between values): no false hit, no miss."""
    import itertools

    alphabet = "ab\n"
    for n in range(1, 6):
        for key in map("".join, itertools.product("ab", repeat=n)):
            pattern = normalize.triple_pattern(key)
            for m in range(8):
                for text in map("".join, itertools.product(alphabet, repeat=m)):
                    assert (key in text) == (pattern in normalize.triple(text)), (key, text)
    assert normalize.triple_pattern("田中") == "田田中"
    assert normalize.triple_pattern("田") == "田田田"
    assert normalize.triple_pattern("佐々木") == "佐々々々木"
    assert normalize.triple_pattern("タナカ") == "タナナナカ"


def test_r2_branches_share_the_tables_search_index_through_their_prefix(admin_client, django_user_model):
    """No per-branch index (migration 0020): a new branch's customers are found by its users
    through the table's index, whose rows start with the branch prefix, and by nobody else."""
    from django.db import connection

    from crm.models import Branch

    def branch_indexes():
        if connection.vendor != "postgresql":
            return set()
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'crm_customer'"
                           " AND indexname ~ '^customer_search_(tri|ascii)_b[0-9]+$'")
            return {name for (name,) in cursor.fetchall()}

    # when
    response = admin_client.post(reverse("admin:crm_branch_add"), {"code": "B9", "name": "福岡店", "position": 9})
    # then
    assert response.status_code == 302
    branch = Branch.objects.get(code="B9")
    assert branch_indexes() == set()
    other = Branch.objects.exclude(pk=branch.pk).first() or Branch.objects.create(code="B8", name="別店")
    Customer.objects.create(branch=branch, last_name="博多", first_name="一郎", tel="092-111-2222")
    Customer.objects.create(branch=other, last_name="博多", first_name="二郎", tel="092-111-3333")
    everyone = Customer.objects.all()
    for query in ("博多", "博", "1112222"):
        keys = search.search_terms(query)
        found = set(search.filter_by_terms(everyone, keys, branch_ids=[branch.pk]).values_list("first_name", flat=True))
        assert found == {"一郎"}, query
    keys = search.search_terms("博多")
    assert set(search.filter_by_terms(everyone, keys, branch_ids=None).values_list("first_name", flat=True)) == {
        "一郎", "二郎"}


# --- issue 11, point 15: the address in the quick search, folding in the advanced search, purchases ---

def test_i11_p15_quick_search_finds_by_address_and_building(admin_client, people, hq_branch):
    # given: the fixture's customers and one whose address is typed in full width
    wide = CustomerFactory(branch=hq_branch, last_name="山本", last_name_kana="ヤマモト", tel="", email="",
                           company_name="", address="東京都品川区東品川１－１－１００", building="アクティブビル３Ｆ")
    # then: words of the address find them, whatever the width, alone or with a name
    assert codes(admin_client, q="東品川") == {people["tanaka"].code, wide.code}
    assert codes(admin_client, q="東品川1-1-100") == {wide.code}
    assert codes(admin_client, q="梅田") == {people["sato"].code}
    assert codes(admin_client, q="大阪市 佐藤") == {people["sato"].code}
    assert codes(admin_client, q="ｱｸﾃｨﾌﾞﾋﾞﾙ3f") == {wide.code}
    assert codes(admin_client, q="東品川 鈴木") == set()


def test_i11_p15_the_migration_puts_the_address_into_existing_keys(admin_client, hq_branch):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps as global_apps
    from django.db import connection

    # given: a customer whose key was written before the address was in it
    customer = CustomerFactory(branch=hq_branch, address="神奈川県横浜市西区みなとみらい2-2-1")
    Customer.objects.filter(pk=customer.pk).update(search_text="000001\n田中太郎")
    assert codes(admin_client, q="みなとみらい") == set()
    # when: migration 0019 runs
    migration = importlib.import_module("crm.migrations.0019_search_key_address")
    migration.search_keys_recompute(global_apps, SimpleNamespace(connection=connection, execute=connection.cursor().execute))
    # then: the key is what a save writes, and the quick search finds the address
    customer.refresh_from_db()
    saved = Customer.objects.get(pk=customer.pk)
    saved.refresh_search_keys()
    assert customer.search_text == saved.search_text and "ミナトミライ2-2-1" in customer.search_text
    assert codes(admin_client, q="みなとみらい") == {customer.code}


def test_i11_p15_advanced_text_conditions_fold_width_kana_variants_and_dashes(admin_client, hq_branch):
    # given: values stored in full width, half-width kana, with a compatibility character and other dashes
    wide = CustomerFactory(branch=hq_branch, last_name="山本", last_name_kana="ﾔﾏﾓﾄ", company_name="㈱山﨑商事",
                           address="東京都品川区東品川１－１－１００", remark2="ＶＩＰ　会員")
    dash = CustomerFactory(branch=hq_branch, last_name="川口", last_name_kana="カワグチ", company_name="",
                           address="東京都品川区東品川2‐3−4")
    CustomerFactory(branch=hq_branch, last_name="別人", last_name_kana="ベツジン", company_name="", address="大阪府")
    # then: every text condition folds the stored value as the quick search's key does
    assert codes(admin_client, s_address="東品川1-1") == {wide.code}
    assert codes(admin_client, s_address="東品川１－１－１００") == {wide.code}
    assert codes(admin_client, s_address="東品川2-3-4") == {dash.code}
    assert codes(admin_client, s_address="東品川") == {wide.code, dash.code}
    assert codes(admin_client, s_address="*1-1-100") == {wide.code}
    assert codes(admin_client, s_address="東京都品川区*") == {wide.code, dash.code}
    assert codes(admin_client, s_last_name_kana="やまもと") == {wide.code}
    assert codes(admin_client, s_company_name="株") == {wide.code}  # ㈱ folds to (株)
    assert codes(admin_client, s_company_name="山崎") == {wide.code}
    assert codes(admin_client, s_remark2="vip会員") == {wide.code}


def test_i11_p15_related_text_conditions_fold_too(admin_client, people):
    ContactHistoryFactory(customer=people["tanaka"], date=datetime.date(2024, 3, 5), detail="ＤＭ送付　１２月分")
    FamilyMemberFactory(customer=people["sato"], name="佐藤 ｹﾝ", name_kana="サトウ ケン", relation="子供")
    PurchaseFactory(customer=people["suzuki"], product_code="ＩＮＣ２５４")
    assert codes(admin_client, s_c_text="dm送付12月") == {people["tanaka"].code}
    assert codes(admin_client, s_f_name="佐藤ケン") == {people["sato"].code}
    assert codes(admin_client, s_p_product="inc254") == {people["suzuki"].code}


def test_i11_p15_purchase_quantity_price_amount_payment_and_media(admin_client, people):
    # given: the admin made 支払方法 a pulldown; 媒体 stays free text
    from fieldconfig import lookup
    from fieldconfig.models import FieldSetting

    FieldSetting.objects.filter(model="purchase", field_name="payment_method").update(
        input_type=FieldSetting.SELECT, choices="現金\n振込\nカード")
    lookup.invalidate()
    t, s, z = people["tanaka"].code, people["sato"].code, people["suzuki"].code
    PurchaseFactory(customer=people["tanaka"], quantity=10, unit_price=2000, payment_method="振込", media="ＤＭ")
    PurchaseFactory(customer=people["sato"], quantity=1, unit_price=500, payment_method="現金", media="チラシ")
    PurchaseFactory(customer=people["suzuki"], quantity=3, unit_price=800, payment_method="カード", media="Web広告")

    # then: ranges on one purchase record
    assert codes(admin_client, s_p_quantity_min="3") == {t, z}
    assert codes(admin_client, s_p_quantity_min="2", s_p_quantity_max="5") == {z}
    assert codes(admin_client, s_p_unit_price_max="800") == {s, z}
    assert codes(admin_client, s_p_amount_min="2400", s_p_amount_max="20000") == {t, z}
    assert codes(admin_client, s_p_amount_min="20001") == set()
    # the pulldown matches its choice; the free text folds (ＤＭ = dm)
    assert codes(admin_client, s_p_payment_method="現金") == {s}
    assert codes(admin_client, s_p_media="dm") == {t}
    assert codes(admin_client, s_p_media="広告", s_p_quantity_max="1") == set()  # one record must satisfy both
    # the screen offers them under the configured labels, the payment method as a pulldown
    page = admin_client.get(SEARCH).content.decode()
    for name in ("s_p_quantity_min", "s_p_unit_price_max", "s_p_amount_min", "s_p_media"):
        assert f'name="{name}"' in page
    assert '<select name="s_p_payment_method"' in page and '<option value="振込">振込</option>' in page
    # a bad value and an impossible range get Japanese messages, the other conditions kept
    response = admin_client.get(LIST + "?" + urlencode({"s_p_amount_min": "abc", "s_p_quantity_min": "5",
                                                        "s_p_quantity_max": "1", "s_p_media": "DM"}))
    assert response.status_code == 302 and response["Location"].startswith(SEARCH)
    page = admin_client.get(response["Location"]).content.decode()
    assert "数値を入力してください" in page and "範囲の開始が終了より後です" in page
    assert 'value="DM"' in page


def test_i11_p15_literal_characters_are_only_those_no_other_character_folds_into():
    # given / then: what narrows a scan before folding (advanced_search._contains)
    assert normalize.literal_chars(normalize.normalize_text("東品川１－１")) == ["東", "品", "川"]
    assert normalize.literal_chars(normalize.normalize_text("株式会社")) == []  # ㈱ and ㍿ (株式会社) fold into them
    assert normalize.literal_chars(normalize.normalize_text("高橋")) == ["橋"]  # 髙 folds into 高
    assert normalize.literal_chars("たなかabc") == []
    # and exhaustively: no character of the planes people type folds into another's literal character
    for code in range(0x30000):
        if 0xD800 <= code < 0xE000 or 0x2E80 <= code <= 0x2FDF:  # surrogates; Kangxi radicals (not typed)
            continue
        char = chr(code)
        assert normalize.literal_chars(normalize.normalize_text(char)) in ([], [char]), hex(code)
