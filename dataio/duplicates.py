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

from collections import defaultdict

from crm.identity import FIELDS, address_key, company_key, email_key, name_key, phone_keys  # noqa: F401
from crm.models import Customer

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
