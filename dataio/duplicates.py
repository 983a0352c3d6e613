"""Duplicates (S6, 名寄せ): customers that are probably the same, found by normalized keys.

Rules: name + phone, name + email, name + address, company + phone. The keys are folded the
Japanese way: width and kana (crm.normalize.normalize_text: ｶﾅ = カナ = かな, 髙 = 高, spaces
dropped), company-type forms removed (株式会社, (株), ㈱, 有限会社 …), addresses with kanji
numerals and 丁目・番・号 written as digits and hyphens (一丁目2番3号 = 1-2-3 = １－２－３).
Groups overlap across rules (A~B by phone, B~C by email): they are joined into one group.

The whole database is scanned rule by rule as a background job; only keys' hashes are kept in
memory and the candidate groups are checked again on their real keys.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from kanjize import kanji2number

from crm import normalize
from crm.models import Customer

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
RULES = {
    "name_phone": "氏名＋電話番号",
    "name_email": "氏名＋メール",
    "name_address": "氏名＋住所",
    "company_phone": "会社名＋電話番号",
}


def match_keys(row: dict) -> list[tuple[str, str]]:
    """(rule, key) pairs of one customer (a dict of FIELDS)."""
    name = name_key(row)
    phones = phone_keys(row)
    out = []
    if name:
        out += [("name_phone", f"{name}|{p}") for p in phones]
        email = email_key(row["email"])
        if email:
            out.append(("name_email", f"{name}|{email}"))
        if row["address"]:
            out.append(("name_address", f"{name}|{address_key(row['address'], row['building'])}"))
    company = company_key(row["company_name"])
    if company:
        out += [("company_phone", f"{company}|{p}") for p in phones]
    return out


def find_groups(queryset=None, *, reporter=None) -> list[dict]:
    """[{"ids": [customer ids], "reasons": [rule labels]}], largest first.

    One pass over the customers keeps one id per key's hash and the ids whose key's hash came
    up again; then only those customers are read again, and their real keys decide, so a hash
    collision never makes a group.
    """
    queryset = (queryset if queryset is not None else Customer.objects.all()).order_by()
    first: dict[int, int] = {}
    candidates: set[int] = set()
    for row in queryset.values("id", *FIELDS).iterator(chunk_size=5000):
        pk = row["id"]
        for rule_key in match_keys(row):
            seen = first.setdefault(hash(rule_key), pk)
            if seen != pk:
                candidates.add(seen)
                candidates.add(pk)
        if reporter:
            reporter.advance(1)
    del first
    if reporter:
        reporter.check()
    holders: dict[tuple[str, str], set[int]] = defaultdict(set)
    ids = sorted(candidates)
    for start in range(0, len(ids), 5000):
        for row in queryset.filter(pk__in=ids[start:start + 5000]).values("id", *FIELDS):
            for rule_key in match_keys(row):
                holders[rule_key].add(row["id"])
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    links = []
    for (rule, _key), ids in holders.items():
        if len(ids) < 2:
            continue
        ids = sorted(ids)
        links.append((rule, ids))
        for other in ids[1:]:
            a, b = root(ids[0]), root(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, dict] = {}
    for rule, ids in links:
        group = groups.setdefault(root(ids[0]), {"ids": set(), "reasons": set()})
        group["ids"].update(ids)
        group["reasons"].add(RULES[rule])
    out = [{"ids": sorted(g["ids"]), "reasons": sorted(g["reasons"])} for g in groups.values()]
    out.sort(key=lambda g: (-len(g["ids"]), g["ids"][0]))
    return out
