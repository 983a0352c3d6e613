"""Who is probably the same person: the keys that compare customers (the duplicate warning of the
customer form, C5; the 名寄せ, S6; the business events' one-person-one-list, E5).

Folded the Japanese way: width and kana (crm.normalize.normalize_text: ｶﾅ = カナ = かな, 髙 = 高, spaces
dropped), company-type forms removed (株式会社, (株), ㈱, 有限会社 …), addresses with kanji numerals and
丁目・番・号 written as digits and hyphens (一丁目2番3号 = 1-2-3 = １－２－３).
"""

from __future__ import annotations

import re
import unicodedata

from kanjize import kanji2number

from . import normalize

COMPANY_FORMS = re.compile(
    r"株式会社|有限会社|合同会社|合資会社|合名会社|一般社団法人|一般財団法人|公益社団法人|公益財団法人|"
    r"医療法人(社団|財団)?|社会福祉法人|学校法人|特定非営利活動法人|ＮＰＯ法人|NPO法人|"
    r"\((株|有|同|資|名|社|財|医|福|学)\)|（(株|有|同|資|名|社|財|医|福|学)）"
)
_KANJI_NUMBER = re.compile(r"[〇一二三四五六七八九十百千]+")
_ADDRESS_UNITS = re.compile(r"(?<=\d)\s*(丁目|番地の?|番|号|の)\s*(?=\d)")
_ADDRESS_TAIL = re.compile(r"(?<=\d)\s*(番地|番|号)")
_DASHES = re.compile(r"[‐‑‒–—―−ーｰ－-]+")


def company_key(name: str) -> str:
    text = unicodedata.normalize("NFKC", name or "")  # ㈱ → (株)
    return normalize.normalize_text(COMPANY_FORMS.sub("", text))


def name_key(customer) -> str:
    return normalize.normalize_text(f"{customer['last_name']}{customer['first_name']}")


def _arabic(match) -> str:
    try:
        return str(kanji2number(match.group()))
    except ValueError:  # 百千 and the like: not a number, left as written (on both sides alike)
        return match.group()


def address_key(address: str, building: str = "") -> str:
    text = unicodedata.normalize("NFKC", f"{address or ''}{building or ''}")
    text = _KANJI_NUMBER.sub(_arabic, text)
    text = _DASHES.sub("-", text)
    text = _ADDRESS_UNITS.sub("-", text)
    text = _ADDRESS_TAIL.sub("", text)
    return normalize.normalize_text(text)


def phone_keys(row) -> list[str]:
    return sorted({d for d in (normalize.digits(row["tel"]), normalize.digits(row["mobile"])) if len(d) >= 6})


def email_key(email: str | None) -> str:
    return (email or "").strip().casefold()


FIELDS = ["last_name", "first_name", "tel", "mobile", "email", "address", "building", "company_name"]
