"""Japanese-aware normalization, the one definition used for stored search keys and for queries.

ﾀﾅｶ, タナカ and たなか fold to the same key; full-width digits and letters become ASCII;
spaces vanish; common variant kanji in names map to one form; case is folded.
"""

import functools
import re
import unicodedata

import jaconv

# Variant kanji seen in Japanese names (異体字), mapped to the form people usually type.
VARIANT_KANJI = str.maketrans({
    "髙": "高", "﨑": "崎", "嵜": "崎", "邊": "辺", "邉": "辺", "齋": "斎", "齊": "斎", "斉": "斎",
    "澤": "沢", "濱": "浜", "濵": "浜", "廣": "広", "櫻": "桜", "瀨": "瀬", "國": "国", "嶋": "島",
    "嶌": "島", "冨": "富", "峯": "峰", "德": "徳", "槇": "槙", "眞": "真", "惠": "恵", "榮": "栄",
    "龍": "竜", "藪": "薮", "籔": "薮", "萬": "万", "學": "学", "實": "実", "壽": "寿", "曾": "曽",
    "黑": "黒", "淺": "浅", "將": "将", "條": "条", "會": "会", "靜": "静", "﨔": "欅", "塚": "塚",
    "蘆": "芦", "舘": "館", "渕": "淵", "禮": "礼",
})
# Dashes NFKC leaves as they are (東品川1‐1, 1−1 typed by other input methods): one hyphen.
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
FOLD_TABLE = {**VARIANT_KANJI, **str.maketrans({dash: "-" for dash in DASHES})}
# Hiragana to katakana (as jaconv.hira2kata: ぁ…ゖ, ゝ, ゞ), then FOLD_TABLE, in one translate that
# runs only on a text holding one of its characters: most stored values hold none, and the
# advanced search folds every value it scans (SQL kokyaku_fold, crm.db).
HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in [*range(0x3041, 0x3097), 0x309D, 0x309E]}
_TRANSLATE = {**HIRAGANA_TO_KATAKANA, **FOLD_TABLE}
_NEEDS_TRANSLATE = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_TRANSLATE)) + "]")
_SPELLINGS: dict[str, list[str]] = {}
for _variant, _usual in VARIANT_KANJI.items():  # maketrans: code point -> character
    _SPELLINGS.setdefault(_usual, [_usual]).append(chr(_variant))
for _usual, _forms in list(_SPELLINGS.items()):
    for _form in _forms:
        _SPELLINGS[_form] = _forms
_SPACES = re.compile(r"\s+")
_NON_DIGITS = re.compile(r"\D+")
_ASCII_RUN = re.compile(r"[\x21-\x7e]{3,}")
_ASCII_LINE = re.compile(r"^[\x00-\x09\x0b-\x7f]*$", re.MULTILINE)


# Characters from the supplementary private-use planes (15 and 16) mark a customer's branch
# in the SQLite search index (see branch_marker); stored text and queries never contain them.
_MARKER_CHARS = re.compile("[\U000F0000-\U0010FFFF]")
_MARKER_BASE, _MARKER_SPAN = 0xF0000, 0xFFFE


def normalize_text(value: str | None) -> str:
    if not value:
        return ""
    text = _MARKER_CHARS.sub("", unicodedata.normalize("NFKC", str(value)))
    if _NEEDS_TRANSLATE.search(text):
        text = text.translate(_TRANSLATE)
    text = _SPACES.sub("", text)
    return text.casefold()


def digits(value: str | None) -> str:
    if not value:
        return ""
    return _NON_DIGITS.sub("", unicodedata.normalize("NFKC", str(value)))


def tel_target(value: str | None) -> str:
    """What a tel: link dials (I3): the number's digits in ASCII, a leading + kept
    (03-3791-5155 → 0337915155, ０９０－１２３４ → 0901234, +81 3 3791 5155 → +81337915155)."""
    plus = "+" if unicodedata.normalize("NFKC", str(value or "")).lstrip().startswith("+") else ""
    return plus + digits(value)


def to_katakana(value: str | None) -> str:
    """Readings as people expect them stored: full-width katakana, single spaces."""
    if not value:
        return value or ""
    text = jaconv.h2z(unicodedata.normalize("NFKC", value).strip(), kana=True, ascii=False, digit=False)
    text = jaconv.hira2kata(text)
    return _SPACES.sub(" ", text.replace("\u3000", " "))


def search_key(*, texts: list[str], phones: list[str]) -> str:
    """One line per value, phones as bare digits: what the quick search index holds.

    Newlines keep one field's end from matching the next field's start.
    """
    lines = [normalize_text(v) for v in texts if v]
    lines += [digits(v) for v in phones if v]
    return "\n".join(line for line in lines if line)


def triple(text: str | None) -> str:
    """Each character three times: lets a trigram index answer one- and two-character queries.

    田中 becomes 田田田中中中, whose trigrams exist only where 田中 stood; 田 becomes 田田田.
    The database computes the same function (SQL `kokyaku_triple`) for its index.
    """
    return "".join(ch * 3 for ch in text) if text else ""


def triple_pattern(key: str) -> str:
    """The shortest piece of triple(key) found in triple(text) exactly when key is in text.

    triple(text) is made of runs whose lengths are multiples of three. With key = x1 … xn,
    x1 ≠ x2 and x(n-1) ≠ xn, the piece x1 + triple(x2 … x(n-1)) + xn can only sit where a run
    of x1 ends and a run of xn begins, around exactly the runs of x2 … x(n-1): so it drops the
    trigrams x1x1x1, x1x1x2 and xnxnxn, the most common ones (たなか → タナナナカ: three trigrams
    instead of seven). Two characters need one more x1 to make a trigram at all (田中 → 田田中:
    one instead of four). Otherwise (one character, 田田, …) the whole tripled key.
    """
    if len(key) >= 2 and key[0] != key[1] and key[-2] != key[-1]:
        return key[0] * (2 if len(key) == 2 else 1) + triple(key[1:-1]) + key[-1]
    return triple(key)


def ascii_runs(text: str | None) -> str:
    """The runs of three or more printable ASCII characters of a search key, one per line.

    Digits and Latin letters repeat so often that their tripled trigrams (111, aaa) are in
    most rows; an ASCII-only query of three or more characters (phone digits, an email
    fragment) is answered from these runs, untripled, instead. A query without a non-ASCII
    character and without a newline matches a search key exactly when it matches one of
    its runs. The database computes the same function (SQL `kokyaku_ascii`).
    """
    return "\n".join(_ASCII_RUN.findall(text)) if text else ""


def is_ascii_term(key: str) -> bool:
    """A query key the ASCII index answers (see ascii_runs)."""
    return len(key) >= 3 and all("\x21" <= ch <= "\x7e" for ch in key)


def is_wide_term(key: str) -> bool:
    """A query key with a character outside ASCII: PostgreSQL's tripled index answers it (see wide_lines)."""
    return any(ch > "\x7f" for ch in key)


def wide_lines(text: str | None) -> str:
    """The search key with its all-ASCII lines emptied: what PostgreSQL triples (SQL `kokyaku_wide_lines`).

    The customer code, phones and emails are ASCII lines, three quarters of a key, and a key
    with a non-ASCII character can only match within a line holding one: tripling only those
    lines keeps every match and cuts the tripled index, the costliest one to write, to a
    fraction. ASCII keys of three or more characters are answered by the ASCII runs; one or
    two ASCII characters (「5」, 「jr」) by the stored key itself (crm.search.PgTextMatch).
    """
    return _ASCII_LINE.sub("", text) if text else ""


def branch_marker(branch_id: int | None) -> str:
    """A string found only in the SQLite index rows of customers of this branch.

    One private-use character per branch (plane 15; two from plane 16 past 65,534 branches),
    a plane normalize_text removes from every stored value and query: tripled, it is one
    trigram no text and no other branch has, so its doclist is exactly the branch's rows.
    """
    if branch_id is None:
        return ""
    branch_id = int(branch_id)
    if branch_id < _MARKER_SPAN:
        return chr(_MARKER_BASE + branch_id)
    high, low = divmod(branch_id, _MARKER_SPAN)
    return chr(0x100000 + high) + chr(0x100000 + low)


def pg_branch_prefix(branch_id: int) -> str:
    """What PostgreSQL's search columns start with for a customer of this branch (SQL `kokyaku_branch_prefix`).

    Branch 17 becomes "QBHQ" and a newline: upper-case letters, which no casefolded search key
    or query contains (LIKE is case-sensitive), yet pg_trgm indexes them, so the pattern
    '%QBHQ%…%' of someone with several branches reads only those branches' rows from the
    whole table's trigram index (one-branch users have their branch's own index).
    """
    return "Q" + str(int(branch_id)).translate(str.maketrans("0123456789", "ABCDEFGHIJ")) + "Q\n"


def tripled_index_text(search_text: str | None, branch_id: int | None) -> str:
    """What SQLite's tripled FTS table holds for a customer (SQL `kokyaku_fts_tripled`)."""
    return triple("\n".join(x for x in (search_text, branch_marker(branch_id)) if x))


def ascii_index_text(search_text: str | None, branch_id: int | None) -> str:
    """What SQLite's ASCII FTS table holds for a customer (SQL `kokyaku_fts_ascii`)."""
    return "\n".join(x for x in (ascii_runs(search_text), triple(branch_marker(branch_id))) if x)


def spellings(text: str, limit: int = 32) -> list[str]:
    """The ways `text` may be stored: as typed, width-folded (NFKC), and with each variant kanji
    swapped for its other forms (高橋 → 高橋, 髙橋). For matching a field's raw value, where the
    search key's folding is not at hand. At most `limit` spellings, the typed one first."""
    if not text:
        return [text]
    forms = [text]
    folded = unicodedata.normalize("NFKC", text)
    if folded != text:
        forms.append(folded)
    for base in list(forms):
        expanded = [""]
        for ch in base:
            options = _SPELLINGS.get(ch, [ch])
            expanded = [prefix + option for prefix in expanded for option in options][:limit]
        forms += expanded
    return list(dict.fromkeys(forms))[:limit]


# --- folding a stored value in the database (the advanced search's text conditions) ---------------
# SQLite: normalize_text itself, registered as kokyaku_fold (crm.db). PostgreSQL: the same steps in
# SQL (migration 0020): NFKC, hiragana → katakana, FOLD_TABLE, no spaces, lower case.
_IDEOGRAPHS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0x20000, 0x2F7FF))


@functools.cache
def _made_by_nfkc() -> frozenset[str]:
    """Ideographs NFKC makes out of other characters: 株 from ㈱ and ㍿, 郎 from the compatibility 郞 …

    Left out: the Kangxi radicals (⽥ → 田), which no input method or Japanese code page produces.
    """
    made = set()
    for code in range(0x30000):
        if 0xD800 <= code < 0xE000 or 0x2E80 <= code <= 0x2FDF:
            continue
        char = chr(code)
        folded = unicodedata.normalize("NFKC", char)
        if folded != char:
            made.update(folded)
    return frozenset(made)


def literal_chars(folded: str) -> list[str]:
    """The characters of a folded query that a value whose fold contains the query holds as they are.

    Ideographs that no other character folds into: 東, 品, 田 (not 株, which ㈱ folds into, nor 高,
    which 髙 does). A plain LIKE on them narrows a scan before the fold is computed row by row.
    """
    made = _made_by_nfkc()
    return [
        ch for ch in dict.fromkeys(folded)
        if any(low <= ord(ch) <= high for low, high in _IDEOGRAPHS) and ch not in _SPELLINGS and ch not in made
    ]
